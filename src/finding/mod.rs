//! What a rule reports: one verdict on one resource, with the evidence and the fix.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use evidence::{Confidence, Evidence, Source};
pub use resource::Resource;

mod evidence;
mod resource;

/// Ordered from least to most severe, so `>=` compares against `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Most severe first, as reports list them.
    pub const DESCENDING: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict. Declared in report order: what needs action first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Fail,
    /// Could not be evaluated; the message says which data was missing and why.
    Unknown,
    Pass,
    NotApplicable,
    /// Matched a waiver in the config (reason and expiry in the evidence).
    Waived,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Fail, Status::Unknown, Status::Pass, Status::NotApplicable, Status::Waived];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
            Status::NotApplicable => "not-applicable",
            Status::Waived => "waived",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub status: Status,
    pub resource: Resource,
    pub message: String,
    /// The observed values that decided the verdict, and where they came from.
    pub evidence: Vec<Evidence>,
    /// How directly the evidence was read: `high`, or `medium` when part of it was inferred.
    /// Kept by [`Finding::with_evidence`]; [`Confidence::of`] recomputes it.
    pub confidence: Confidence,
    /// The command or manifest that fixes it, with the real names filled in.
    pub remediation: Option<String>,
    /// About an AKS-managed component (a system namespace): reported in a group of its own and
    /// never counted by `--fail-on`, since the cluster's users cannot change it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub platform_managed: bool,
    /// With `--baseline`: whether a failing or unknown finding is new since the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// Where a failing or unknown finding stands against `--baseline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not failing (or unknown) in the baseline: it counts for `--fail-on`.
    New,
    /// Already there in the baseline: reported, but it does not trip `--fail-on`.
    Unchanged,
}

impl Finding {
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_resource(mut self, resource: Resource) -> Self {
        self.resource = resource;
        self
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.push_evidence(evidence);
        self
    }

    /// Adds evidence; inferred evidence lowers the finding's confidence.
    pub fn push_evidence(&mut self, evidence: Evidence) {
        self.confidence = self.confidence.min(evidence.source.confidence());
        self.evidence.push(evidence);
    }

    /// A failure the cluster's owners must act on: failing, and not about an AKS-managed component.
    pub fn needs_action(&self) -> bool {
        self.status == Status::Fail && !self.platform_managed
    }

    pub fn platform_managed(mut self, platform_managed: bool) -> Self {
        self.platform_managed = platform_managed;
        self
    }

    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        let mut remediation = remediation.into();
        remediation.shrink_to_fit();
        self.remediation = Some(remediation);
        self
    }
}
