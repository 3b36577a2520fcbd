//! Output formats: one file each. Every format renders the same [`Report`].

mod json;
mod table;

use crate::audit::{Report, Show};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by severity, for people.
    Table,
    /// The stable, documented schema (`schema_version`), for machines.
    Json,
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
    }
}
