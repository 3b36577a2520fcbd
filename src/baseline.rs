//! `--baseline FILE`: a previous JSON report. Findings that were already failing (or unknown)
//! there are `unchanged` and no longer trip `--fail-on`; only `new` ones do. The summary counts
//! new, fixed and unchanged findings.
//!
//! A finding's identity is its rule id and resource. When a rule reports the same resource more
//! than once, the occurrence number in report order tells them apart (`rule|resource|2`). The
//! message and evidence are not part of it, so rewording a message never makes a finding "new".
//! SARIF's `partialFingerprints` are derived from the same identity.

use crate::audit::{BaselineCounts, Report, Target};
use crate::finding::{BaselineState, Finding, Status};
use crate::redact::{EXCERPT_CHARS, excerpt};
use crate::text_file::{self, FileKind};
use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

const WRITE_ONE: &str = "write one with `aksguard audit -o json --output-file FILE`";

/// A report of a 100,000-pod cluster is tens of megabytes; past this it is not a report.
const FILE: FileKind = FileKind { what: "baseline", max_bytes: 256 * 1024 * 1024, hint: WRITE_ONE };

/// The identities of `findings`, in order (see the module documentation).
pub fn identities<'a>(findings: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    findings
        .into_iter()
        .map(|(rule, resource)| {
            let occurrence = seen.entry((rule, resource)).or_default();
            *occurrence += 1;
            match *occurrence {
                1 => format!("{rule}|{resource}"),
                n => format!("{rule}|{resource}|{n}"),
            }
        })
        .collect()
}

pub fn identities_of(findings: &[Finding]) -> Vec<String> {
    identities(findings.iter().map(|f| (f.rule.as_str(), f.resource.as_str())))
}

/// The failing and unknown findings of a previous report, by identity, and the cluster it was of.
#[derive(Debug)]
pub struct Baseline {
    open: HashMap<String, Status>,
    target: SavedTarget,
}

#[derive(Deserialize)]
struct SavedReport {
    schema_version: u32,
    #[serde(default)]
    target: SavedTarget,
    findings: Vec<SavedFinding>,
}

/// The cluster a report is of: `None` where its input did not say (no managed cluster read).
#[derive(Debug, Default, Deserialize)]
struct SavedTarget {
    cluster: Option<String>,
    resource_group: Option<String>,
    subscription: Option<String>,
}

#[derive(Deserialize)]
struct SavedFinding {
    rule: String,
    resource: String,
    status: Status,
    #[serde(default)]
    platform_managed: bool,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline> {
        let text = text_file::read(path, FILE)?;
        Baseline::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let saved: SavedReport = serde_json::from_str(text).map_err(|err| not_a_report(text, path, &err))?;
        if saved.schema_version > crate::audit::REPORT_SCHEMA_VERSION {
            bail!(
                "baseline {} has report schema_version {}, newer than this aksguard reads; upgrade aksguard",
                path.display(),
                saved.schema_version
            );
        }
        let ids = identities(saved.findings.iter().map(|f| (f.rule.as_str(), f.resource.as_str())));
        let open = ids
            .into_iter()
            .zip(&saved.findings)
            .filter(|(_, f)| matches!(f.status, Status::Fail | Status::Unknown) && !f.platform_managed)
            .map(|(id, f)| (id, f.status))
            .collect();
        Ok(Baseline { open, target: saved.target })
    }

    /// A baseline of another cluster would hide this one's failures: refused unless `any_cluster`
    /// (`--baseline-any-cluster`) says it is meant. Either side naming no cluster counts as
    /// different, since the two cannot be told the same.
    pub fn check_target(&self, target: &Target, any_cluster: bool) -> Result<()> {
        let now = SavedTarget {
            cluster: target.cluster.clone(),
            resource_group: target.resource_group.clone(),
            subscription: target.subscription.clone(),
        };
        if any_cluster || self.target.same_cluster(&now) {
            return Ok(());
        }
        bail!(
            "the baseline is of {}, but this run audits {}: a baseline of another cluster hides this one's failures; use a baseline of this cluster, or pass --baseline-any-cluster if it is meant",
            self.target.describe(),
            now.describe()
        )
    }

    /// Marks each failing or unknown finding new or unchanged and counts them, fixed included
    /// (after [`Baseline::check_target`]: another cluster's findings are not compared).
    /// A failure that was only unknown in the baseline is new: it is newly known to fail.
    pub fn compare(&self, report: &mut Report) {
        let ids = identities_of(&report.findings);
        let mut counts = BaselineCounts::default();
        let mut still_open = HashSet::new();
        for (finding, id) in report.findings.iter_mut().zip(&ids) {
            // A waived finding is accepted, not fixed: it still exists in the cluster.
            if finding.status == Status::Waived {
                still_open.insert(id.as_str());
            }
            // AKS's own components never gate, so they are not compared either.
            if !matches!(finding.status, Status::Fail | Status::Unknown) || finding.platform_managed {
                continue;
            }
            still_open.insert(id.as_str());
            let known = match (finding.status, self.open.get(id)) {
                (Status::Fail, Some(before)) => *before == Status::Fail,
                (_, before) => before.is_some(),
            };
            let state = if known { BaselineState::Unchanged } else { BaselineState::New };
            finding.baseline = Some(state);
            match state {
                BaselineState::New => counts.new += 1,
                BaselineState::Unchanged => counts.unchanged += 1,
            }
        }
        counts.fixed = self.open.keys().filter(|id| !still_open.contains(id.as_str())).count();
        report.summary.baseline = Some(counts);
    }
}

impl SavedTarget {
    /// ARM names are case-insensitive.
    fn same_cluster(&self, other: &SavedTarget) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a.is_none() && b.is_none(),
        };
        same(&self.cluster, &other.cluster)
            && same(&self.resource_group, &other.resource_group)
            && same(&self.subscription, &other.subscription)
    }

    fn describe(&self) -> String {
        let shown = |value: &Option<String>| value.as_deref().map_or("?".to_string(), |v| excerpt(v, 90));
        match (&self.cluster, &self.resource_group, &self.subscription) {
            (None, None, None) => "no named cluster (its input held no managed cluster)".to_string(),
            _ => format!(
                "cluster {} (resource group {}, subscription {})",
                shown(&self.cluster),
                shown(&self.resource_group),
                shown(&self.subscription)
            ),
        }
    }
}

/// Why `text` is not an aksguard JSON report, in one sentence: the kind of file it is instead
/// when that can be told, else what JSON says; never more than an excerpt of the input.
fn not_a_report(text: &str, path: &Path, err: &serde_json::Error) -> anyhow::Error {
    let file = format!("baseline {}", path.display());
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return anyhow!("{file} is XML or HTML (a JUnit or HTML report?), not JSON; {WRITE_ONE}");
    }
    let value = match serde_json::from_str::<Value>(text) {
        Ok(value) => value,
        Err(_) if trimmed.starts_with('#') => return anyhow!("{file} is Markdown, not JSON; {WRITE_ONE}"),
        Err(err) => {
            return anyhow!("{file} is not valid JSON ({}); {WRITE_ONE}", excerpt(&err.to_string(), EXCERPT_CHARS));
        }
    };
    let kind = match &value {
        Value::Array(items) if items.is_empty() => "an empty JSON array `[]`, not a report".to_string(),
        Value::Array(_) => "a JSON array, not a report".to_string(),
        Value::Object(object) => match file_kind(object) {
            Some(kind) => format!("{kind}, not an aksguard JSON report"),
            None => format!("not an aksguard JSON report ({})", excerpt(&err.to_string(), EXCERPT_CHARS)),
        },
        scalar => format!("a single JSON value (`{}`), not a report", excerpt(&scalar.to_string(), 40)),
    };
    anyhow!("{file} is {kind}: a baseline is the JSON object `aksguard audit -o json` writes; {WRITE_ONE}")
}

/// What a JSON object that is not a report is, when its keys tell.
fn file_kind(object: &serde_json::Map<String, Value>) -> Option<&'static str> {
    let has = |key: &str| object.contains_key(key);
    if has("azure") && has("kubernetes") {
        Some("an aksguard snapshot (from `aksguard snapshot`)")
    } else if has("runs") || object.get("$schema").and_then(Value::as_str).is_some_and(|s| s.contains("sarif")) {
        Some("a SARIF report")
    } else if has("apiVersion") || (has("kind") && has("items")) {
        Some("Kubernetes (kubectl) output")
    } else if has("properties")
        || object.get("id").and_then(Value::as_str).is_some_and(|id| id.starts_with("/subscriptions/"))
    {
        Some("an Azure (az) document")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::rules::{ALL, Settings};
    use crate::snapshot::Snapshot;

    fn report(findings: Vec<Finding>) -> Report {
        let mut report = audit::run(&Snapshot::empty("t", "x"), &[], &Settings::default());
        report.findings = findings;
        report
    }

    fn finding(resource: &str, status: Status) -> Finding {
        ALL[0].finding(status, crate::finding::Resource::for_test(resource), "m")
    }

    fn baseline(findings: &[Finding]) -> Baseline {
        let text = serde_json::json!({"schema_version": 1, "findings": findings}).to_string();
        Baseline::parse(&text, Path::new("base.json")).unwrap()
    }

    #[test]
    fn identity_is_rule_and_resource_with_an_occurrence_for_repeats() {
        let ids = identities([("r", "a"), ("r", "b"), ("r", "a"), ("s", "a")]);
        assert_eq!(ids, ["r|a", "r|b", "r|a|2", "s|a"]);
    }

    #[test]
    fn new_fixed_and_unchanged() {
        let base = baseline(&[
            finding("Namespace/a", Status::Fail),
            finding("Namespace/b", Status::Fail),
            finding("Namespace/c", Status::Unknown),
            finding("Namespace/d", Status::Pass),
        ]);
        let mut now = report(vec![
            finding("Namespace/a", Status::Fail),    // unchanged
            finding("Namespace/c", Status::Fail),    // was unknown, now fails: new
            finding("Namespace/d", Status::Fail),    // was passing: new
            finding("Namespace/e", Status::Unknown), // new
            finding("Namespace/f", Status::Pass),    // not counted
        ]);
        base.compare(&mut now);
        let states: Vec<Option<BaselineState>> = now.findings.iter().map(|f| f.baseline).collect();
        use BaselineState::*;
        assert_eq!(states, [Some(Unchanged), Some(New), Some(New), Some(New), None]);
        assert_eq!(now.summary.baseline, Some(BaselineCounts { new: 3, fixed: 1, unchanged: 1 }), "b is fixed");
    }

    #[test]
    fn a_waived_finding_is_not_fixed() {
        let base = baseline(&[finding("Namespace/a", Status::Fail), finding("Namespace/b", Status::Fail)]);
        let mut now = report(vec![finding("Namespace/a", Status::Waived)]);
        base.compare(&mut now);
        assert_eq!(now.summary.baseline, Some(BaselineCounts { new: 0, fixed: 1, unchanged: 0 }), "only b is fixed");
    }

    #[test]
    fn a_file_that_is_not_a_report_is_refused() {
        let path = Path::new("base.json");
        let err = |text: &str| format!("{:#}", Baseline::parse(text, path).unwrap_err());
        assert!(err("{").contains("base.json is not valid JSON"));
        assert!(err(r#"{"schema_version": 1}"#).contains("not an aksguard JSON report"));
        assert!(err(r#"{"schema_version": 7, "findings": []}"#).contains("newer than this aksguard reads"));
    }

    #[test]
    fn the_wrong_kind_of_file_is_named_without_serde_internals() {
        let path = Path::new("base.json");
        let err = |text: &str| format!("{:#}", Baseline::parse(text, path).unwrap_err());
        let cases = [
            ("[]", "base.json is an empty JSON array `[]`, not a report: a baseline is the JSON object"),
            ("[1]", "base.json is a JSON array, not a report"),
            ("null", "base.json is a single JSON value (`null`), not a report"),
            (r#"{"schema_version": 1, "source": "x", "azure": {}, "kubernetes": {}}"#, "is an aksguard snapshot"),
            (
                r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}"#,
                "is a SARIF report",
            ),
            (r#"{"apiVersion": "v1", "kind": "List", "items": []}"#, "is Kubernetes (kubectl) output"),
            (r#"{"id": "/subscriptions/s/resourceGroups/rg", "properties": {}}"#, "is an Azure (az) document"),
            ("<?xml version=\"1.0\"?><testsuites/>", "is XML or HTML"),
            ("# aksguard report\n", "is Markdown, not JSON"),
        ];
        for (text, expected) in cases {
            let message = err(text);
            assert!(message.contains(expected), "{text}: {message}");
            assert!(!message.contains("invalid type") && !message.contains("expected struct"), "{message}");
        }
    }

    #[test]
    fn bad_values_are_quoted_short_escaped_and_redacted() {
        let status = format!("\\u001b]0;owned\\u0007Bearer CANARYtoken {}", "x".repeat(1_000_000));
        let text =
            format!(r#"{{"schema_version": 1, "findings": [{{"rule": "r", "resource": "x", "status": "{status}"}}]}}"#);
        let message = format!("{:#}", Baseline::parse(&text, Path::new("base.json")).unwrap_err());
        assert!(message.len() < 500, "{} bytes", message.len());
        assert!(!message.contains('\u{1b}') && !message.contains("CANARY"), "{message}");
        assert!(message.contains("not an aksguard JSON report (unknown variant"), "{message}");
    }

    fn saved_target(cluster: Option<&str>, group: Option<&str>, subscription: Option<&str>) -> Baseline {
        let text = serde_json::json!({
            "schema_version": 1,
            "target": {"cluster": cluster, "resource_group": group, "subscription": subscription, "source": "x"},
            "findings": [],
        });
        Baseline::parse(&text.to_string(), Path::new("base.json")).unwrap()
    }

    fn target(cluster: Option<&str>, group: Option<&str>, subscription: Option<&str>) -> Target {
        let owned = |value: Option<&str>| value.map(str::to_string);
        Target {
            cluster: owned(cluster),
            resource_group: owned(group),
            subscription: owned(subscription),
            source: "now".to_string(),
        }
    }

    #[test]
    fn a_baseline_of_another_cluster_is_refused_naming_both() {
        let base = saved_target(Some("aks-prod"), Some("rg-prod"), Some("sub-1"));
        assert!(base.check_target(&target(Some("AKS-prod"), Some("RG-Prod"), Some("sub-1")), false).is_ok());
        let other = base.check_target(&target(Some("aks-dev"), Some("rg-dev"), Some("sub-1")), false).unwrap_err();
        let message = format!("{other:#}");
        assert!(
            message.starts_with("the baseline is of cluster aks-prod (resource group rg-prod, subscription sub-1), but this run audits cluster aks-dev (resource group rg-dev, subscription sub-1)"),
            "{message}"
        );
        assert!(message.contains("--baseline-any-cluster"));
        let unnamed = base.check_target(&target(None, None, None), false).unwrap_err();
        assert!(format!("{unnamed:#}").contains("this run audits no named cluster"), "{unnamed:#}");
        assert!(base.check_target(&target(Some("aks-dev"), None, None), true).is_ok(), "meant");
        let both_unnamed = saved_target(None, None, None);
        assert!(both_unnamed.check_target(&target(None, None, None), false).is_ok(), "nothing to tell apart");
        let other_subscription = base.check_target(&target(Some("aks-prod"), Some("rg-prod"), Some("sub-2")), false);
        assert!(other_subscription.is_err(), "the same names in another subscription are another cluster");
    }
}
