//! `--baseline FILE`: a previous JSON report. Findings that were already failing (or unknown)
//! there are `unchanged` and no longer trip `--fail-on`; only `new` ones do. The summary counts
//! new, fixed and unchanged findings.
//!
//! A finding's identity is its rule id and resource. When a rule reports the same resource more
//! than once, the occurrence number in report order tells them apart (`rule|resource|2`). The
//! message and evidence are not part of it, so rewording a message never makes a finding "new".
//! SARIF's `partialFingerprints` are derived from the same identity.

use crate::audit::{BaselineCounts, Report};
use crate::finding::{BaselineState, Finding, Status};
use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

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

/// The failing and unknown findings of a previous report, by identity.
#[derive(Debug)]
pub struct Baseline {
    open: HashMap<String, Status>,
}

#[derive(Deserialize)]
struct SavedReport {
    schema_version: u32,
    findings: Vec<SavedFinding>,
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
        let text = std::fs::read_to_string(path).map_err(|err| {
            anyhow!(
                "cannot read baseline {}: {err}; write one with `aksguard audit -o json --output-file FILE`",
                path.display()
            )
        })?;
        Baseline::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|err| anyhow!("baseline {} is not valid JSON ({err})", path.display()))?;
        let saved: SavedReport = serde_json::from_value(value).map_err(|err| {
            anyhow!(
                "baseline {} is not an aksguard JSON report ({err}); write one with `aksguard audit -o json --output-file FILE`",
                path.display()
            )
        })?;
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
        Ok(Baseline { open })
    }

    /// Marks each failing or unknown finding new or unchanged and counts them, fixed included.
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
}
