//! The `--fail-on` gate: whether a report makes the run exit 1.

use super::Report;
use crate::finding::{BaselineState, Finding, Severity, Status};

/// When a run exits 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate {
    pub fail_on: Option<Severity>,
    pub fail_on_unknown: bool,
}

impl Gate {
    /// A failing finding at or above `--fail-on`; with `--fail-on-unknown`, an unknown one at or
    /// above it (any unknown when `--fail-on` is not given). Platform-managed findings never
    /// count; with `--baseline`, new ones only.
    pub fn trips(&self, report: &Report) -> bool {
        let counts =
            |finding: &&Finding| !finding.platform_managed && finding.baseline != Some(BaselineState::Unchanged);
        report.findings.iter().filter(counts).any(|finding| match finding.status {
            Status::Fail => self.fail_on.is_some_and(|threshold| finding.severity >= threshold),
            Status::Unknown => self.fail_on_unknown && finding.severity >= self.fail_on.unwrap_or(Severity::Info),
            _ => false,
        })
    }
}
