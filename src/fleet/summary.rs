//! The fleet report: one [`Entry`] per cluster (its counts, worst finding, matrix cells and its
//! full `audit` JSON report), and the [`Summary`] over the entries. The summary is a function of
//! the entries alone, so `fleet merge` of the shards computes exactly what the unsharded run did.

use super::cluster::FleetCluster;
use crate::audit::{Report, Show};
use crate::finding::{Finding, Severity, Status};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// Bumped on any incompatible change to the fleet JSON.
pub const FLEET_SCHEMA_VERSION: u32 = 1;
/// The fleet JSON's `kind`, so that `merge` refuses an `audit` report.
pub const KIND: &str = "aksguard-fleet-report";

/// Findings by severity, as the audit summary counts them.
pub use crate::audit::SeverityCounts as Counts;

/// The most severe finding of a cluster that needs action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worst {
    pub rule: String,
    pub severity: Severity,
    pub status: Status,
    pub message: String,
}

/// A cluster's row of the fleet report, without its full report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub subscription: String,
    pub resource_group: String,
    pub location: Option<String>,
    /// Why the cluster could not be read at all (its findings are then all unknown).
    pub not_read: Option<String>,
    pub failing: Counts,
    pub unknown: Counts,
    pub worst: Option<Worst>,
    /// Rule id → the rule's worst status on this cluster (fail before unknown before the rest).
    pub cells: BTreeMap<String, Status>,
}

/// A row plus the cluster's report in the `audit` JSON schema, kept as the text it was written as
/// (so that `merge` writes it back byte for byte).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub cluster: Row,
    pub report: Box<RawValue>,
}

impl Row {
    pub fn of(cluster: &FleetCluster, report: &Report) -> Row {
        let counted = |f: &&Finding| !f.platform_managed;
        let mut failing = Counts::default();
        let mut unknown = Counts::default();
        for finding in report.findings.iter().filter(counted) {
            match finding.status {
                Status::Fail => failing.add(finding.severity),
                Status::Unknown => unknown.add(finding.severity),
                _ => {}
            }
        }
        // Findings come most severe first; a failure outranks an unknown of the same severity.
        let worst = report
            .findings
            .iter()
            .filter(counted)
            .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
            .min_by_key(|f| (std::cmp::Reverse(f.severity), f.status))
            .map(|f| Worst {
                rule: f.rule.clone(),
                severity: f.severity,
                status: f.status,
                message: f.message.clone(),
            });
        let mut cells = BTreeMap::new();
        for finding in report.findings.iter().filter(counted) {
            cells
                .entry(finding.rule.clone())
                .and_modify(|cell: &mut Status| *cell = (*cell).min(finding.status))
                .or_insert(finding.status);
        }
        Row {
            id: cluster.id.clone(),
            name: cluster.name.clone(),
            subscription: cluster.subscription.clone(),
            resource_group: cluster.resource_group.clone(),
            location: cluster.location.clone(),
            not_read: cluster.unreadable().map(str::to_string),
            failing,
            unknown,
            worst,
            cells,
        }
    }

    pub fn key(&self) -> String {
        self.id.to_ascii_lowercase()
    }
}

impl Entry {
    /// The cluster's report in the `audit` JSON schema.
    pub fn json_of(report: &Report, show: Show) -> Box<RawValue> {
        let style = crate::report::Style { show, ..Default::default() };
        let text = crate::report::render(report, crate::report::Format::Json, &style);
        RawValue::from_string(one_line(&text)).expect("the JSON renderer writes JSON")
    }
}

/// The audit JSON without its indentation: each cluster of the fleet JSON is one line, which
/// keeps the report small and lets `fleet merge` read it a cluster at a time. Whitespace is
/// dropped only outside strings (inside, a newline is always escaped).
fn one_line(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        match (in_string, c) {
            (false, ' ' | '\n' | '\r' | '\t') => continue,
            (false, '"') => in_string = true,
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_string = false,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// A cluster that could not be read at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRead {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// Over every cluster of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub clusters: usize,
    pub read: usize,
    pub not_read: Vec<NotRead>,
    /// Failing findings of all clusters, by severity (AKS-managed components left out, as in `audit`).
    pub failing: Counts,
    pub unknown: Counts,
    /// Clusters by the severity of their worst failing finding.
    pub clusters_failing: Counts,
    /// Clusters with no failing and no unknown finding.
    pub clusters_clean: usize,
    /// What the user must know about the fleet's completeness (truncated answers, skipped rows).
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn add(&mut self, row: &Row) {
        self.clusters += 1;
        match &row.not_read {
            Some(reason) => {
                self.not_read.push(NotRead { id: row.id.clone(), name: row.name.clone(), reason: reason.clone() })
            }
            None => self.read += 1,
        }
        self.failing.add_all(&row.failing);
        self.unknown.add_all(&row.unknown);
        match Severity::DESCENDING.iter().find(|s| row.failing.get(**s) > 0) {
            Some(worst) => self.clusters_failing.add(*worst),
            None if row.unknown.at_least(Severity::Info) == 0 => self.clusters_clean += 1,
            None => {}
        }
    }
}

/// `--fail-on` across the fleet: any cluster with a failing finding at or above it, or (with
/// `--fail-on-unknown`) an unknown one.
pub fn trips(summary: &Summary, gate: crate::audit::Gate) -> bool {
    let failing = gate.fail_on.is_some_and(|threshold| summary.failing.at_least(threshold) > 0);
    let unknown = gate.fail_on_unknown && summary.unknown.at_least(gate.fail_on.unwrap_or(Severity::Info)) > 0;
    failing || unknown
}

/// The tool that wrote a fleet report; `merge` refuses shards of different versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn this() -> ToolInfo {
        ToolInfo { name: "aksguard".to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_drops_indentation_but_not_text() {
        let pretty = "{\n  \"a\": \"x  y \\\" \\\\\",\n  \"b\": [\n    1,\n    \"\\n\"\n  ]\n}\n";
        let line = super::one_line(pretty);
        assert_eq!(line, r#"{"a":"x  y \" \\","b":[1,"\n"]}"#);
        let (before, after): (serde_json::Value, serde_json::Value) =
            (serde_json::from_str(pretty).unwrap(), serde_json::from_str(&line).unwrap());
        assert_eq!(before, after);
    }
}
