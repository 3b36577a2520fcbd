//! Runs every rule case under `fixtures/rules/<rule-id>/*.json`: a small cluster state and the
//! findings the rule must give for it. The cases document the rules (kubescape-style): read one
//! to see what a rule passes, fails and cannot judge.
//!
//! A case lists the snapshot sources it provides under `azure` and `kubernetes` (same keys and
//! object shapes as a snapshot's `data`); every source it leaves out is unavailable. A case may
//! fix the audit's `now`, so rules that judge ages give the same verdict on any day, and give
//! `aksguard.toml` keys under `config` for rules that read settings.
//!
//! Each case is a test of its own, named `<rule-id>/<file>` (libtest-mimic harness), so a failing
//! case names itself and never hides the others: `cargo test --test rule_cases -- node-image-age/`
//! runs one rule's cases.

use aksguard::audit;
use aksguard::collect::snapshot_file;
use aksguard::config::Config;
use aksguard::rules::{self, Settings};
use libtest_mimic::{Arguments, Failed, Trial};
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
    /// `aksguard.toml` keys (as JSON) for rules that read settings (`allowed_service_ports`, ...):
    /// read through the config file's own parser, so a case cannot hold what a file could not.
    #[serde(default)]
    config: Option<Map<String, Value>>,
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
        if !rule_dir.is_dir() {
            continue;
        }
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        for file in std::fs::read_dir(&rule_dir).unwrap() {
            files.push((rule.clone(), file.unwrap().path()));
        }
    }
    files.sort();
    files
}

/// Runs one case: its findings for its rule, compared as (resource, status, severity).
fn run_case(rule_id: &str, file: &Path) -> Result<(), Failed> {
    let rule = rules::find(rule_id).ok_or_else(|| format!("{}: no rule {rule_id}", file.display()))?;
    let text = std::fs::read_to_string(file).map_err(|err| format!("{}: {err}", file.display()))?;
    let case: Case = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", file.display()))?;
    let snapshot_json = json!({
        "schema_version": 1,
        "source": case.description,
        "azure": parts(&case.azure, "azure", file),
        "kubernetes": parts(&case.kubernetes, "kubernetes", file),
    });
    let snapshot = snapshot_file::parse(file, &snapshot_json.to_string()).map_err(|err| format!("{err:#}"))?;
    let mut settings = match &case.config {
        Some(keys) => {
            let text = toml::to_string(keys).map_err(|err| format!("{}: config: {err}", file.display()))?;
            Config::parse(&text, file).map_err(|err| format!("{err:#}"))?.settings()
        }
        None => Settings::default(),
    };
    if let Some(now) = &case.now {
        settings.now = now.parse().map_err(|err| format!("{}: now: {err}", file.display()))?;
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
    if actual != expected {
        return Err(format!(
            "{} ({}):\n  expected {expected:?}\n  actual   {actual:?}",
            file.display(),
            report.target.source
        )
        .into());
    }
    Ok(())
}

/// Every rule documents what it passes, fails and cannot judge.
fn every_rule_has_pass_fail_and_unknown_cases(files: &[(String, PathBuf)]) -> Result<(), Failed> {
    let mut missing = Vec::new();
    for rule in rules::ALL {
        for kind in ["pass", "fail", "unknown"] {
            let has = files
                .iter()
                .any(|(id, file)| id == rule.id && file.file_name().unwrap().to_string_lossy().starts_with(kind));
            if !has {
                missing.push(format!("fixtures/rules/{}/ has no {kind}*.json case", rule.id));
            }
        }
    }
    match missing.is_empty() {
        true => Ok(()),
        false => Err(missing.join("\n").into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let files = case_files();
    let mut trials: Vec<Trial> = files
        .iter()
        .map(|(rule, file)| {
            let name = format!("{rule}/{}", file.file_name().unwrap().to_string_lossy());
            let (rule, file) = (rule.clone(), file.clone());
            Trial::test(name, move || run_case(&rule, &file))
        })
        .collect();
    trials.push(Trial::test("every_rule_has_pass_fail_and_unknown_cases", move || {
        every_rule_has_pass_fail_and_unknown_cases(&files)
    }));
    libtest_mimic::run(&args, trials).exit();
}
