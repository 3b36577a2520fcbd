//! Output formats: one file each. Every format renders the same [`Report`].

mod html;
mod json;
mod junit;
mod markdown;
pub mod policy_listing;
mod sarif;
mod table;
mod text;

use crate::audit::{Report, Show};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by severity, for people.
    Table,
    /// The stable, documented schema (`schema_version`), for machines.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for CI test tabs.
    Junit,
    /// Markdown, for pull-request comments and job summaries.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub show: Show,
    /// ANSI colour: only on a terminal, never with NO_COLOR.
    pub colour: bool,
    /// Table width in columns.
    pub width: u16,
}

pub fn render(report: &Report, format: Format, style: Style) -> String {
    match format {
        Format::Table => table::render(report, style),
        Format::Json => json::render(report, style.show),
        Format::Sarif => sarif::render(report, style.show),
        // Test reports, PR summaries and pages list passes too (collapsed where it matters).
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}
