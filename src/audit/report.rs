//! The report model: what an audit produced (findings in report order, the summary, the sources
//! that could not be read, the waivers), and what `--show` keeps of it. Every output format
//! renders this.

use crate::config::WaiverOutcome;
use crate::finding::{Finding, Severity, Status};
use crate::snapshot::UnavailableSource;
use serde::Serialize;

/// Bumped on any incompatible change to the JSON report.
/// 2: each finding carries `confidence` (`high`, or `medium` when part of its evidence was inferred).
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    pub summary: Summary,
    pub unavailable: Vec<UnavailableSource>,
    /// Every finding, most severe first; outputs filter them with `--show`.
    pub findings: Vec<Finding>,
    /// The config file's waivers and what became of each (expired and stale ones need attention).
    pub waivers: Vec<WaiverOutcome>,
    /// The ids of the rules that ran, in catalog order.
    #[serde(skip)]
    pub rules: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub cluster: Option<String>,
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    pub source: String,
}

/// Counts over all findings, whatever `--show` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub by_status: StatusCounts,
    pub failing_by_severity: SeverityCounts,
    pub unknown_by_severity: SeverityCounts,
    /// Findings about AKS-managed components (system namespaces); the other counts leave them out.
    pub platform_managed: usize,
    /// With `--baseline`: how the failing and unknown findings compare with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
}

/// Failing and unknown findings against `--baseline`: `new` ones trip `--fail-on`; `fixed` ones
/// were in the baseline and are gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BaselineCounts {
    pub new: usize,
    pub fixed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    pub fail: usize,
    pub unknown: usize,
    pub pass: usize,
    #[serde(rename = "not-applicable")]
    pub not_applicable: usize,
    pub waived: usize,
}

impl StatusCounts {
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Fail => self.fail,
            Status::Unknown => self.unknown,
            Status::Pass => self.pass,
            Status::NotApplicable => self.not_applicable,
            Status::Waived => self.waived,
        }
    }

    fn add(&mut self, status: Status) {
        *match status {
            Status::Fail => &mut self.fail,
            Status::Unknown => &mut self.unknown,
            Status::Pass => &mut self.pass,
            Status::NotApplicable => &mut self.not_applicable,
            Status::Waived => &mut self.waived,
        } += 1;
    }
}

/// Findings by severity: the audit summary's, and the fleet's per cluster and over the fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub(crate) fn add(&mut self, severity: Severity) {
        *match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        } += 1;
    }

    pub(crate) fn add_all(&mut self, other: &SeverityCounts) {
        self.critical += other.critical;
        self.high += other.high;
        self.medium += other.medium;
        self.low += other.low;
        self.info += other.info;
    }

    /// At or above `threshold`.
    pub fn at_least(&self, threshold: Severity) -> usize {
        Severity::DESCENDING.iter().filter(|s| **s >= threshold).map(|s| self.get(*s)).sum()
    }
}

impl Summary {
    pub(crate) fn of(findings: &[Finding]) -> Self {
        let mut summary = Summary { total: findings.len(), ..Summary::default() };
        for finding in findings {
            // AKS's own components are counted apart, so every total speaks of what the user owns.
            if finding.platform_managed {
                summary.platform_managed += 1;
                continue;
            }
            summary.by_status.add(finding.status);
            match finding.status {
                Status::Fail => summary.failing_by_severity.add(finding.severity),
                Status::Unknown => summary.unknown_by_severity.add(finding.severity),
                _ => {}
            }
        }
        summary
    }
}

/// What `--show` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    /// Failing and unknown findings.
    Failed,
    /// Everything, passes, not-applicable and waived included.
    All,
}

impl Show {
    pub fn keeps(self, finding: &Finding) -> bool {
        self == Show::All || matches!(finding.status, Status::Fail | Status::Unknown)
    }
}
