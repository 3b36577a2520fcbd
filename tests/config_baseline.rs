//! `aksguard.toml` and `--baseline` end to end: waivers (active, expired, stale), severity
//! overrides, disabled rules, namespaces, `fail_on`, config errors, and new/fixed/unchanged.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aksguard_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aksguard")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The JSON report (all findings) and the exit code.
fn report_in(dir: &Path, args: &[&str]) -> (Value, i32) {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--show", "all"]);
    let output = aksguard_in(dir, &all);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
    (serde_json::from_slice(&output.stdout).expect("JSON report"), output.status.code().unwrap())
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

const WAIVERS: &str = r#"
[[waiver]]
rule = "local-accounts"
resource = "aks-contoso-*"
reason = "break-glass admin until Entra ID groups are set up (CHG-42)"
expires = 2999-12-31

[[waiver]]
rule = "api-server-access"
resource = "*"
reason = "public API server during the migration"
expires = 2020-01-31

[[waiver]]
rule = "pod-security-labels"
resource = "Namespace/legacy-*"
reason = "no such namespace any more"
expires = 2999-12-31
"#;

#[test]
fn waivers_waive_expire_and_go_stale() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "aksguard.toml", WAIVERS);
    let (report, _) = report_in(dir.path(), &["audit", "--demo", "insecure"]);

    let local = findings(&report, "local-accounts");
    assert_eq!(local[0]["status"], "waived", "found in the working directory and applied");
    let evidence = local[0]["evidence"].to_string();
    assert!(evidence.contains("waived until 2999-12-31: break-glass admin until Entra ID groups are set up (CHG-42) (aksguard.toml line 2)"), "{evidence}");
    assert_eq!(findings(&report, "api-server-access")[0]["status"], "fail", "an expired waiver no longer applies");
    assert_eq!(report["summary"]["by_status"]["waived"], 1);

    let states: Vec<(&str, &str)> = report["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["rule"].as_str().unwrap(), w["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [("local-accounts", "active"), ("api-server-access", "expired"), ("pod-security-labels", "stale")]
    );

    let output = aksguard_in(dir.path(), &["audit", "--demo", "insecure"]);
    let warnings = stderr(&output);
    assert!(warnings.contains("warning: waiver for api-server-access on * expired on 2020-01-31"), "{warnings}");
    assert!(warnings.contains("warning: waiver for pod-security-labels on Namespace/legacy-* matches no finding"));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("waivers needing attention:") && table.contains("expired on 2020-01-31"), "{table}");
    for format in ["markdown", "html", "junit", "sarif"] {
        let out = aksguard_in(dir.path(), &["audit", "--demo", "insecure", "--format", format]);
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("expired on 2020-01-31"),
            "{format} reports the expired waiver"
        );
    }
}

#[test]
fn a_waived_finding_no_longer_trips_the_gate_but_an_expired_one_does() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "aksguard.toml", WAIVERS);
    let code = |rules: &str| {
        aksguard_in(dir.path(), &["audit", "--demo", "insecure", "--rules", rules, "--fail-on", "high"]).status.code()
    };
    assert_eq!(code("local-accounts"), Some(0), "waived");
    assert_eq!(code("api-server-access"), Some(1), "expired waiver");
    let waivers = |rules: &str| {
        let (report, _) = report_in(dir.path(), &["audit", "--demo", "insecure", "--rules", rules]);
        report["waivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["state"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        waivers("local-accounts"),
        ["active", "rule-not-run", "rule-not-run"],
        "not judged stale when its rule did not run"
    );
}

#[test]
fn config_overrides_severity_disables_rules_and_scopes_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        &dir,
        "team.toml",
        r#"
fail_on = "critical"
disabled_rules = ["defender-enabled"]
namespaces = ["contoso-web"]
system_namespaces = ["default"]

[severity]
maintenance-window = "critical"
"#,
    );
    let config = config.to_str().unwrap();
    let (report, code) = report_in(dir.path(), &["audit", "--demo", "insecure", "--config", config]);
    assert_eq!(code, 1, "fail_on from the config: the now-critical maintenance window trips it");
    assert!(findings(&report, "maintenance-window").iter().all(|f| f["severity"] == "critical"));
    assert!(findings(&report, "defender-enabled").is_empty(), "disabled");
    let namespaces: Vec<&str> =
        findings(&report, "pod-security-labels").iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(namespaces, ["Namespace/contoso-web"], "only the audited namespace; default is a system namespace now");
    assert!(!findings(&report, "local-accounts").is_empty(), "cluster findings stay");

    let flag_wins = aksguard_in(
        dir.path(),
        &["audit", "--demo", "insecure", "--config", config, "--fail-on", "info", "--rules", "auto-upgrade-channel"],
    );
    assert_eq!(flag_wins.status.code(), Some(1));
    let named =
        report_in(dir.path(), &["audit", "--demo", "insecure", "--config", config, "--rules", "defender-enabled"]).0;
    assert!(!findings(&named, "defender-enabled").is_empty(), "--rules runs a disabled rule");
}

#[test]
fn config_errors_exit_2_naming_the_file_the_line_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "fail_on = \"high\"\nfial_on = \"low\"\n",
            "aksguard.toml line 2 (`fial_on = \"low\"`): unknown field `fial_on`",
        ),
        (
            "[severity]\nlocal-accounts = \"severe\"\n",
            "aksguard.toml line 2 (`local-accounts = \"severe\"`): unknown variant `severe`",
        ),
        (
            "disabled_rules = [\"local-acounts\"]\n",
            "aksguard.toml line 1 (`disabled_rules = [\"local-acounts\"]`): unknown rule id 'local-acounts' (did you mean 'local-accounts'?)",
        ),
        (
            "[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"31/12/2026\"\n",
            "aksguard.toml line 5 (`expires = \"31/12/2026\"`): waiver `expires` must be a date",
        ),
        (
            "[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"  \"\nexpires = 2030-01-01\n",
            "aksguard.toml line 1 (`[[waiver]]`): waiver `reason` is empty",
        ),
        (
            "namespaces = \"shop\"\n",
            "aksguard.toml line 1 (`namespaces = \"shop\"`): invalid type: string \"shop\", expected a sequence",
        ),
        ("fail_on = high\n", "aksguard.toml line 1"),
    ];
    for (text, expected) in cases {
        write(&dir, "aksguard.toml", text);
        let output = aksguard_in(dir.path(), &["audit", "--demo", "insecure"]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}: {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
        assert!(message.starts_with(&format!("error: {expected}")), "expected {expected:?}, got {message}");
        assert!(output.stdout.is_empty(), "no partial report");
    }
    let missing = aksguard_in(dir.path(), &["audit", "--demo", "insecure", "--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).starts_with("error: cannot read config file nope.toml"), "{}", stderr(&missing));
}

fn baseline_from(dir: &tempfile::TempDir, demo: &str) -> String {
    let path = dir.path().join(format!("{demo}.json"));
    let output = aksguard_in(
        dir.path(),
        &["audit", "--demo", demo, "--format", "json", "--output-file", path.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    path.display().to_string()
}

#[test]
fn baseline_counts_new_fixed_unchanged_and_gates_on_new_only() {
    let dir = tempfile::tempdir().unwrap();
    let insecure = baseline_from(&dir, "insecure");
    let hardened = baseline_from(&dir, "hardened");
    let summary = |demo: &str, baseline: &str| {
        let (report, code) =
            report_in(dir.path(), &["audit", "--demo", demo, "--baseline", baseline, "--fail-on", "high"]);
        (report["summary"]["baseline"].clone(), code, report)
    };

    // The cluster's own failing and unknown findings (AKS's components are never compared).
    let (plain, _) = report_in(dir.path(), &["audit", "--demo", "insecure"]);
    let open = plain["summary"]["by_status"]["fail"].as_u64().unwrap()
        + plain["summary"]["by_status"]["unknown"].as_u64().unwrap();
    let (same, code, report) = summary("insecure", &insecure);
    assert_eq!(same, serde_json::json!({"new": 0, "fixed": 0, "unchanged": open}));
    assert_eq!(code, 0, "nothing new: the gate stays open");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "fail" && f.get("platform_managed").is_none())
            .all(|f| f["baseline"] == "unchanged")
    );

    let (worse, code, _) = summary("insecure", &hardened);
    assert_eq!(worse, serde_json::json!({"new": open, "fixed": 0, "unchanged": 0}));
    assert_eq!(code, 1, "new high findings trip it");

    let (better, code, _) = summary("hardened", &insecure);
    assert_eq!(better, serde_json::json!({"new": 0, "fixed": open, "unchanged": 0}));
    assert_eq!(code, 0);

    let table = aksguard_in(dir.path(), &["audit", "--demo", "insecure", "--baseline", &insecure]);
    let expected = format!("baseline: 0 new (marked new), 0 fixed, {open} unchanged");
    assert!(String::from_utf8(table.stdout).unwrap().contains(&expected));
    let (without, _) = report_in(dir.path(), &["audit", "--demo", "insecure"]);
    assert!(without["summary"].get("baseline").is_none(), "the JSON schema only gains the field with --baseline");
}

#[test]
fn a_bad_baseline_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    aksguard_in(dir.path(), &["snapshot", "--demo", "insecure", "--output-file", snapshot.to_str().unwrap()]);
    write(&dir, "broken.json", "{");
    for (file, expected) in [
        ("missing.json", "cannot read baseline missing.json"),
        ("broken.json", "baseline broken.json is not valid JSON"),
        (
            "snapshot.json",
            "baseline snapshot.json is an aksguard snapshot (from `aksguard snapshot`), not an aksguard JSON report",
        ),
    ] {
        let output = aksguard_in(dir.path(), &["audit", "--demo", "insecure", "--baseline", file]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).starts_with(&format!("error: {expected}")), "{}", stderr(&output));
        assert_eq!(stderr(&output).trim_end().lines().count(), 1);
    }
}
