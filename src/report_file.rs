//! The findings `diff` and `plan` work on, read from a JSON report (`aksguard audit --format
//! json`), from a snapshot (audited here with every rule and the default settings), or from an
//! embedded demo (`demo:NAME`).

use crate::audit::{self, REPORT_SCHEMA_VERSION, Report};
use crate::collect::{demo, snapshot_file};
use crate::finding::{Severity, Status};
use crate::rules::{self, Settings};
use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::io::Read as _;
use std::path::Path;

/// Larger than any report or snapshot aksguard writes for 100,000 pods.
const MAX_BYTES: u64 = 1 << 30;

/// The cluster a report is about, and where its data came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Target {
    pub cluster: Option<String>,
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    pub source: String,
}

impl Target {
    /// `rg/name (subscription S)`, or what is known of it.
    pub fn describe(&self) -> String {
        let name = match (&self.resource_group, &self.cluster) {
            (Some(rg), Some(name)) => format!("cluster {rg}/{name}"),
            (None, Some(name)) => format!("cluster {name}"),
            _ => return "an unnamed cluster (no ARM data)".to_string(),
        };
        match &self.subscription {
            Some(subscription) => format!("{name} (subscription {subscription})"),
            None => name,
        }
    }

    fn named(&self) -> bool {
        self.cluster.is_some()
    }

    /// Both name their cluster, and some part of the names differs.
    pub fn differs_from(&self, other: &Target) -> bool {
        let differ = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
            _ => false,
        };
        self.named()
            && other.named()
            && (differ(&self.cluster, &other.cluster)
                || differ(&self.resource_group, &other.resource_group)
                || differ(&self.subscription, &other.subscription))
    }
}

/// One finding, with the fields `diff` and `plan` read (a report's other fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub rule: String,
    pub severity: Severity,
    pub status: Status,
    pub resource: String,
    pub message: String,
    /// As text: a report's evidence items are read by what they print.
    #[serde(default, deserialize_with = "evidence_text")]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub platform_managed: bool,
}

fn evidence_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let values: Vec<serde_json::Value> = Deserialize::deserialize(deserializer)?;
    Ok(values
        .into_iter()
        .map(|value| match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        })
        .collect())
}

impl Item {
    /// Failing or unknown, and about something the cluster's owners can change.
    pub fn is_open(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Unknown) && !self.platform_managed
    }
}

/// A report's findings in report order, and its target.
#[derive(Debug, Clone)]
pub struct Findings {
    pub target: Target,
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
struct SavedReport {
    schema_version: u32,
    target: Target,
    findings: Vec<Item>,
}

/// What a file holds: a report has `findings`, a snapshot has not.
#[derive(Deserialize)]
struct Probe {
    findings: Option<serde::de::IgnoredAny>,
}

impl Findings {
    pub fn of_report(report: &Report) -> Findings {
        let target = Target {
            cluster: report.target.cluster.clone(),
            resource_group: report.target.resource_group.clone(),
            subscription: report.target.subscription.clone(),
            source: report.target.source.clone(),
        };
        let items = report
            .findings
            .iter()
            .map(|f| Item {
                rule: f.rule.to_string(),
                severity: f.severity,
                status: f.status,
                resource: f.resource.to_string(),
                message: f.message.to_string(),
                evidence: f.evidence.iter().map(|line| line.to_string()).collect(),
                remediation: f.remediation.as_ref().map(|r| r.to_string()),
                platform_managed: f.platform_managed,
            })
            .collect();
        Findings { target, items }
    }

    /// `demo:NAME`, else a JSON report or snapshot file; `what` names the argument in errors.
    pub fn load(argument: &str, what: &str) -> Result<Findings> {
        if let Some(name) = argument.strip_prefix("demo:") {
            return Ok(Findings::audit(&demo::load(name)?));
        }
        let path = Path::new(argument);
        let text = read_bounded(path, what)?;
        let hint = "pass a report from `aksguard audit --format json` or a snapshot from `aksguard snapshot`";
        let probe: Probe = serde_json::from_str(&text)
            .map_err(|err| anyhow!("{what} {} is not valid JSON ({err}); {hint}", path.display()))?;
        if probe.findings.is_none() {
            return Ok(Findings::audit(&snapshot_file::parse(path, &text)?));
        }
        let saved: SavedReport = serde_json::from_str(&text)
            .map_err(|err| anyhow!("{what} {} is not an aksguard JSON report ({err}); {hint}", path.display()))?;
        if saved.schema_version > REPORT_SCHEMA_VERSION {
            bail!(
                "{what} {} has report schema_version {}, newer than this aksguard reads; upgrade aksguard",
                path.display(),
                saved.schema_version
            );
        }
        Ok(Findings { target: saved.target, items: saved.findings })
    }

    /// Every rule with the default settings: a snapshot carries no config.
    pub fn audit(snapshot: &crate::snapshot::Snapshot) -> Findings {
        Findings::of_report(&audit::run(snapshot, rules::ALL, &Settings::default()))
    }

    /// The stable identity of each item, in order: the one SARIF's fingerprints and `--baseline` use.
    pub fn identities(&self) -> Vec<String> {
        crate::baseline::identities(self.items.iter().map(|item| (item.rule.as_str(), item.resource.as_str())))
    }
}

fn read_bounded(path: &Path, what: &str) -> Result<String> {
    let unreadable = |err: std::io::Error| anyhow!("cannot read {what} {}: {err}; check the path", path.display());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut text = String::new();
    file.take(MAX_BYTES + 1).read_to_string(&mut text).map_err(unreadable)?;
    if text.len() as u64 > MAX_BYTES {
        bail!(
            "{what} {} is larger than {} MiB; pass a report or snapshot aksguard wrote",
            path.display(),
            MAX_BYTES >> 20
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(rg: Option<&str>, name: Option<&str>) -> Target {
        Target {
            cluster: name.map(str::to_string),
            resource_group: rg.map(str::to_string),
            subscription: Some("s".into()),
            source: "x".into(),
        }
    }

    #[test]
    fn clusters_differ_only_when_both_are_named_and_a_name_differs() {
        let a = target(Some("rg"), Some("aks"));
        assert!(!a.differs_from(&target(Some("RG"), Some("aks"))), "ARM names are case-insensitive");
        assert!(a.differs_from(&target(Some("rg"), Some("other"))));
        assert!(a.differs_from(&target(Some("rg2"), Some("aks"))));
        assert!(!a.differs_from(&target(None, None)), "unnamed: cannot tell, noted instead");
    }

    #[test]
    fn a_file_that_is_neither_is_refused() {
        let dir = std::env::temp_dir().join(format!("aksguard-report-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let err = |path: String| format!("{:#}", Findings::load(&path, "BEFORE").unwrap_err());
        assert!(err(write("a.json", "{")).contains("is not valid JSON"));
        assert!(err(write("b.json", r#"{"findings": 3}"#)).contains("is not an aksguard JSON report"));
        assert!(err(write("c.json", r#"{"kind": "List"}"#)).contains("is not an aksguard snapshot"));
        assert!(err("demo:nope".into()).contains("unknown demo 'nope'"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
