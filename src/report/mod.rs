//! Output formats: one file each. Every format renders the same [`Report`].

mod html;
mod json;
mod junit;
pub mod listing;
mod markdown;
pub mod policy_listing;
mod sarif;
mod table;
pub mod terminal;
pub mod text;

use crate::audit::{Gate, Report, Show};
use crate::finding::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a terminal: the summary first, then one line per finding with its evidence and fix.
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
#[derive(Debug, Clone)]
pub struct Style {
    pub show: Show,
    /// ANSI colour (see [`terminal::colour`]).
    pub colour: bool,
    /// Columns to fit (see [`terminal::width`]).
    pub width: usize,
    /// `--full`: every evidence line, every resource, every manifest.
    pub full: bool,
    /// The `--fail-on` gate, so that reports state their verdict as the exit code will.
    pub gate: Gate,
    /// The config file in effect and what it holds, for the header: a report never changes
    /// silently because a file happened to be in the working directory.
    pub config: Option<String>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            show: Show::Failed,
            colour: false,
            width: terminal::DEFAULT_WIDTH,
            full: false,
            gate: Gate::default(),
            config: None,
        }
    }
}

/// Writes the report to `out`. JSON, the one format that lists every finding in full, streams
/// there as it is serialised; the others are rendered first.
pub fn write(report: &Report, format: Format, style: &Style, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, style.show, out),
        _ => out.write_all(render(report, format, style).as_bytes()),
    }
}

pub fn render(report: &Report, format: Format, style: &Style) -> String {
    match format {
        Format::Table => table::render(report, style),
        Format::Json => json::render(report, style.show),
        Format::Sarif => sarif::render(report, style.show),
        // Test reports, PR summaries and pages list passes too (collapsed where it matters).
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report, style),
        Format::Html => html::render(report, style),
    }
}

/// Findings grouped by rule, in the order the rules first appear (Markdown and HTML fold per rule).
fn by_rule<'a>(findings: &[&'a Finding]) -> Vec<(&'a str, Vec<&'a Finding>)> {
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for finding in findings {
        match groups.iter_mut().find(|(rule, _)| *rule == finding.rule) {
            Some((_, group)) => group.push(finding),
            None => groups.push((&finding.rule, vec![finding])),
        }
    }
    groups
}
