//! `--format json`: the report as JSON. The schema (documented in the README) is stable within a
//! `schema_version`: fields are only ever added.

use crate::audit::{Report, Show, Summary, Target, Tool};
use crate::config::WaiverOutcome;
use crate::finding::Finding;
use crate::snapshot::UnavailableSource;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: &'a Tool,
    target: &'a Target,
    /// Which findings are listed (`failed` or `all`); the summary always counts all of them.
    shown: Show,
    summary: &'a Summary,
    unavailable: &'a [UnavailableSource],
    findings: Vec<JsonFinding<'a>>,
    /// The config file's waivers and their state (`active`, `expired`, `stale`, `rule-not-run`).
    waivers: &'a [WaiverOutcome],
}

/// A finding with the Azure Policy definitions its rule answers (`azure_policy`, ids), so it can be
/// traced to the policy a user has assigned.
#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    azure_policy: &'static [&'static str],
}

impl<'a> JsonFinding<'a> {
    fn new(finding: &'a Finding) -> Self {
        JsonFinding { finding, azure_policy: crate::rules::azure_policy_map::definitions_of(&finding.rule) }
    }
}

pub fn render(report: &Report, show: Show) -> String {
    let json = JsonReport {
        schema_version: report.schema_version,
        tool: &report.tool,
        target: &report.target,
        shown: show,
        summary: &report.summary,
        unavailable: &report.unavailable,
        findings: report.findings.iter().filter(|f| show.keeps(f)).map(JsonFinding::new).collect(),
        waivers: &report.waivers,
    };
    let mut text = serde_json::to_string_pretty(&json).expect("a report always serialises");
    text.push('\n');
    text
}
