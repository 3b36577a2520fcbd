//! `--format json`: the report as JSON. The schema (documented in the README) is stable within a
//! `schema_version`: fields are only ever added.

use crate::audit::{Report, Show, Summary, Target, Tool};
use crate::config::WaiverOutcome;
use crate::finding::Finding;
use crate::snapshot::UnavailableSource;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: &'a Tool,
    target: &'a Target,
    /// Which findings are listed (`failed` or `all`); the summary always counts all of them.
    shown: Show,
    summary: &'a Summary,
    unavailable: &'a [UnavailableSource],
    findings: Findings<'a>,
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

pub fn render(report: &Report, show: Show) -> String {
    let mut bytes = Vec::new();
    write(report, show, &mut bytes).expect("a report always serialises");
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Writes the report as [`render`] does, straight to `out`: the report of a 100,000-pod cluster
/// is about 150 MB, which is then never in memory as one string.
pub fn write(report: &Report, show: Show, out: &mut dyn Write) -> io::Result<()> {
    let json = JsonReport {
        schema_version: report.schema_version,
        tool: &report.tool,
        target: &report.target,
        shown: show,
        summary: &report.summary,
        unavailable: &report.unavailable,
        findings: Findings { all: &report.findings, show },
        waivers: &report.waivers,
    };
    serde_json::to_writer_pretty(&mut *out, &json).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The findings `--show` keeps, serialised as they are iterated: no list of them is built.
struct Findings<'a> {
    all: &'a [Finding],
    show: Show,
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Findings come grouped by rule: each rule's definitions are looked up once per run of it.
        let mut last: (&str, &'static [&'static str]) = ("", &[]);
        let shown = self.all.iter().filter(|f| self.show.keeps(f));
        serializer.collect_seq(shown.map(|finding| {
            if last.0 != finding.rule {
                last = (&finding.rule, crate::rules::azure_policy_map::definitions_of(&finding.rule));
            }
            JsonFinding { finding, azure_policy: last.1 }
        }))
    }
}
