//! Runs every rule case under `fixtures/rules/<rule-id>/*.json`: a small cluster state and the
//! findings the rule must give for it. The cases document the rules (kubescape-style): read one
//! to see what a rule passes, fails and cannot judge.
//!
//! A case lists the snapshot sources it provides under `azure` and `kubernetes` (same keys and
//! object shapes as a snapshot's `data`); every source it leaves out is unavailable. A case may
//! fix the audit's `now`, so rules that judge ages give the same verdict on any day.

use aksguard::audit;
use aksguard::collect::snapshot_file;
use aksguard::rules::{self, Settings};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The snapshot's source keys under `group` (`azure`, `kubernetes`), read from the snapshot type
/// itself so a new source needs no change here.
fn source_keys(group: &str) -> Vec<String> {
    let empty = serde_json::to_value(aksguard::snapshot::Snapshot::empty("keys", "none")).unwrap();
    empty[group].as_object().unwrap().keys().cloned().collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default)]
    azure: Map<String, Value>,
    #[serde(default)]
    kubernetes: Map<String, Value>,
    /// The audit's "now" (RFC 3339) for rules that judge ages and deadlines; the clock if absent.
    #[serde(default)]
    now: Option<String>,
    expect: Vec<Expected>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Expected {
    resource: String,
    status: String,
    severity: String,
}

/// Wraps what the case provides as collected parts and marks the rest unavailable.
fn parts(provided: &Map<String, Value>, group: &str, file: &Path) -> Value {
    let sources = source_keys(group);
    for key in provided.keys() {
        assert!(sources.contains(key), "{}: unknown source {key}", file.display());
    }
    let wrapped: Map<String, Value> = sources
        .iter()
        .map(|source| {
            let part = match provided.get(source) {
                Some(data) => json!({"status": "collected", "data": data}),
                None => json!({"status": "unavailable", "reason": "not provided by this case"}),
            };
            (source.clone(), part)
        })
        .collect();
    Value::Object(wrapped)
}

fn case_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut files = Vec::new();
    for rule_dir in std::fs::read_dir(&root).expect("fixtures/rules exists") {
        let rule_dir = rule_dir.unwrap().path();
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        for file in std::fs::read_dir(&rule_dir).unwrap() {
            files.push((rule.clone(), file.unwrap().path()));
        }
    }
    files.sort();
    files
}

#[test]
fn every_rule_case_gives_the_expected_findings() {
    let files = case_files();
    assert!(!files.is_empty());
    for (rule_id, file) in files {
        let rule = rules::find(&rule_id).unwrap_or_else(|| panic!("{}: no rule {rule_id}", file.display()));
        let case: Case = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let snapshot_json = json!({
            "schema_version": 1,
            "source": case.description,
            "azure": parts(&case.azure, "azure", &file),
            "kubernetes": parts(&case.kubernetes, "kubernetes", &file),
        });
        let snapshot = snapshot_file::parse(&file, &snapshot_json.to_string()).unwrap();
        let mut settings = Settings::default();
        if let Some(now) = &case.now {
            settings.now = now.parse().unwrap_or_else(|err| panic!("{}: now: {err}", file.display()));
        }
        let report = audit::run(&snapshot, &[rule], &settings);
        let mut actual: Vec<Expected> = report
            .findings
            .iter()
            .map(|f| Expected {
                resource: f.resource.to_string(),
                status: f.status.to_string(),
                severity: f.severity.to_string(),
            })
            .collect();
        let mut expected = case.expect;
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "{}: {}", file.display(), report.target.source);
    }
}

#[test]
fn every_rule_has_pass_fail_and_unknown_cases() {
    let files = case_files();
    for rule in rules::ALL {
        for kind in ["pass", "fail", "unknown"] {
            assert!(
                files
                    .iter()
                    .any(|(id, file)| id == rule.id && file.file_name().unwrap().to_string_lossy().starts_with(kind)),
                "fixtures/rules/{}/ has no {kind}*.json case",
                rule.id
            );
        }
    }
}
