//! End-to-end tests: run the real binary on the demo clusters and on raw az/kubectl files.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aksguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aksguard")).args(args).env_remove("NO_COLOR").output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json_report(args: &[&str]) -> (Value, i32) {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--show", "all"]);
    let output = aksguard(&all);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
    (serde_json::from_str(&stdout(&output)).expect("JSON report"), output.status.code().unwrap())
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path).display().to_string()
}

/// The `--from-az`/`--from-kubectl` arguments for a cluster under fixtures/inputs/.
fn raw_inputs(cluster: &str, aks_show: &str) -> Vec<String> {
    let file = |name: &str| fixture(&format!("inputs/{cluster}/{name}"));
    vec![
        "--from-az".into(),
        file(aks_show),
        file("maintenanceconfiguration-list.json"),
        file("get-upgrades.json"),
        file("security-pricing-containers.json"),
        file("diagnostic-settings-list.json"),
        file("aks-get-versions.json"),
        file("nodepool-get-upgrades-nodepool1.json"),
        file("nodepool-get-upgrades-userpool1.json"),
        // Defender, Azure Policy and Azure RBAC (issue 13): what az prints for them.
        file("security-pricing-containers-cluster.json"),
        file("security-alert-list.json"),
        file("security-assessment-list.json"),
        file("security-sub-assessment-list.json"),
        file("policy-assignment-list.json"),
        file("policy-state-list.json"),
        file("component-policy-states.json"),
        file("role-assignment-list.json"),
        "--az-lists".into(),
        "maintenanceconfigurations,diagnosticsettings,componentpolicystates".into(),
        "--from-kubectl".into(),
        file("kubectl-get.json"),
        "--kubectl-kinds".into(),
        "networkpolicies,jobs,validatingwebhookconfigurations,constraints".into(),
    ]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn rule_ids() -> BTreeSet<String> {
    let rules: Value = serde_json::from_str(&stdout(&aksguard(&["rules", "--format", "json"]))).unwrap();
    rules.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

/// The rules with a finding of `status` about the cluster's own resources (not platform-managed).
fn rules_with(report: &Value, status: &str) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == status && f.get("platform_managed").is_none())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

const CORE_RULES: [&str; 8] = [
    "auto-upgrade-channel",
    "node-os-upgrade-channel",
    "maintenance-window",
    "defender-enabled",
    "api-server-access",
    "local-accounts",
    "pod-security-labels",
    "network-policy-default-deny",
];

#[test]
fn demo_insecure_fails_every_core_rule() {
    let (report, code) = json_report(&["audit", "--demo", "insecure"]);
    assert_eq!(code, 0, "without --fail-on the run never fails");
    let failing = rules_with(&report, "fail");
    for id in CORE_RULES {
        assert!(failing.contains(id), "{id} should fail on the insecure demo");
    }
    assert_eq!(report["target"]["cluster"], "aks-contoso-prod");
    assert_eq!(report["schema_version"], 2);
}

#[test]
fn demo_hardened_fails_nothing_and_knows_everything() {
    let (report, _) = json_report(&["audit", "--demo", "hardened"]);
    assert_eq!(rules_with(&report, "fail"), BTreeSet::new());
    assert_eq!(rules_with(&report, "unknown"), BTreeSet::new());
    assert_eq!(rules_with(&report, "pass"), rule_ids(), "every rule passes");
    assert_eq!(report["unavailable"], Value::Array(vec![]));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let code = |args: &[&str]| aksguard(args).status.code();
    assert_eq!(code(&["audit", "--demo", "insecure", "--fail-on", "high"]), Some(1));
    assert_eq!(code(&["audit", "--demo", "insecure", "--fail-on", "critical"]), Some(0), "nothing is critical");
    assert_eq!(code(&["audit", "--demo", "hardened", "--fail-on", "info"]), Some(0));
    let pods_only = fixture("inputs/contoso-hardened/kubectl-get.json");
    assert_eq!(code(&["audit", "--from-kubectl", &pods_only]), Some(0));
    assert_eq!(code(&["audit", "--from-kubectl", &pods_only, "--fail-on-unknown"]), Some(1), "ARM rules are unknown");
}

#[test]
fn raw_files_give_the_same_findings_as_the_demo_in_az_and_arm_shape() {
    for cluster in ["insecure", "hardened"] {
        let (demo, _) = json_report(&["audit", "--demo", cluster]);
        for aks_show in ["aks-show.json", "aks-show.arm.json"] {
            let args = [vec!["audit".to_string()], raw_inputs(&format!("contoso-{cluster}"), aks_show)].concat();
            let (files, _) = json_report(&strs(&args));
            assert_eq!(files["findings"], demo["findings"], "{cluster} from {aks_show}");
        }
    }
}

#[test]
fn a_saved_snapshot_audits_exactly_like_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let snapshot = snapshot.to_str().unwrap();
    let inputs = raw_inputs("contoso-insecure", "aks-show.json");
    let write = aksguard(&strs(
        &[vec!["snapshot".into()], inputs.clone(), vec!["--output-file".into(), snapshot.into()]].concat(),
    ));
    assert!(write.status.success(), "{}", stderr(&write));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(snapshot).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 1);

    let (direct, _) = json_report(&strs(&[vec!["audit".into()], inputs].concat()));
    let (from_snapshot, _) = json_report(&["audit", "--snapshot", snapshot]);
    assert_eq!(from_snapshot["findings"], direct["findings"]);
    assert_eq!(from_snapshot["unavailable"], direct["unavailable"]);
}

#[test]
fn secrets_in_the_input_never_reach_a_report_or_a_snapshot() {
    let inputs = raw_inputs("contoso-insecure", "aks-show.json");
    let raw = std::fs::read_to_string(fixture("inputs/contoso-insecure/kubectl-get.json")).unwrap();
    assert!(
        raw.contains("CANARY-ENV-VALUE") && raw.contains("Q0FOQVJZLVNFQ1JFVA=="),
        "the fixture carries the canaries"
    );
    for (command, extra) in
        [("audit", vec!["--format", "json", "--show", "all"]), ("audit", vec!["--show", "all"]), ("snapshot", vec![])]
    {
        let args = [vec![command.to_string()], inputs.clone(), extra.iter().map(|s| s.to_string()).collect()].concat();
        let output = aksguard(&strs(&args));
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output) + &stderr(&output);
        for canary in ["CANARY", "Q0FOQVJZ", "DB_PASSWORD", "last-applied-configuration"] {
            assert!(!text.contains(canary), "{command} {extra:?} leaked {canary}");
        }
    }
}

#[test]
fn a_kind_that_was_not_given_is_unknown_never_pass() {
    let dir = tempfile::tempdir().unwrap();
    let pods = dir.path().join("pods.json");
    std::fs::write(&pods, r#"{"apiVersion":"v1","kind":"List","items":[
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"c","image":"nginx"}]},"status":{"phase":"Running"}}]}"#).unwrap();
    let (report, _) = json_report(&[
        "audit",
        "--from-kubectl",
        pods.to_str().unwrap(),
        "--rules",
        "network-policy-default-deny,pod-security-labels",
    ]);
    assert_eq!(rules_with(&report, "pass"), BTreeSet::new());
    assert_eq!(
        rules_with(&report, "unknown"),
        ["network-policy-default-deny", "pod-security-labels"].map(String::from).into()
    );
    let unavailable: Vec<&str> =
        report["unavailable"].as_array().unwrap().iter().map(|u| u["source"].as_str().unwrap()).collect();
    assert!(
        unavailable.contains(&"kubernetes/networkpolicies") && unavailable.contains(&"arm/managedCluster"),
        "{unavailable:?}"
    );
}

#[test]
fn rules_and_skip_rules_select() {
    let (report, _) = json_report(&["audit", "--demo", "insecure", "--rules", "local-accounts,api-server-access"]);
    let rules: BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["api-server-access", "local-accounts"].into());
    let (report, _) = json_report(&["audit", "--demo", "insecure", "--skip-rules", "local-accounts"]);
    assert!(!report["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "local-accounts"));
}

#[test]
fn allowed_registries_replace_the_default_list() {
    let trusted = |extra: &[&str]| {
        let mut args = vec!["audit", "--demo", "insecure", "--rules", "trusted-registries"];
        args.extend(extra);
        rules_with(&json_report(&args).0, "fail")
    };
    assert_eq!(trusted(&[]), ["trusted-registries".to_string()].into());
    assert_eq!(trusted(&["--allowed-registry", "docker.io", "--allowed-registry", "*.azurecr.io"]), BTreeSet::new());
    assert_bad_input(
        &["audit", "--demo", "insecure", "--allowed-registry", "docker.io/library"],
        "not a registry host pattern",
    );
}

#[test]
fn show_failed_lists_only_failing_and_unknown_but_counts_everything() {
    let output = aksguard(&["audit", "--demo", "hardened", "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["shown"], "failed");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["platform_managed"] == true), "only AKS-managed components fail: {findings:#?}");
    assert!(findings.iter().all(|f| f["status"] == "fail" || f["status"] == "unknown"));
    assert!(report["summary"]["by_status"]["pass"].as_u64().unwrap() > 0);
}

#[test]
fn table_is_grouped_by_severity_and_plain_when_piped() {
    let output = aksguard(&["audit", "--demo", "insecure"]);
    let table = stdout(&output);
    assert!(!table.contains('\x1b'), "no colour when stdout is not a terminal");
    let high = table.find("\nhigh     ").expect("high rules in the overview");
    let medium = table.find("\nmedium   ").expect("medium rules in the overview");
    assert!(high < medium, "most severe first");
    assert!(table.contains("139 failing (30 high, 71 medium, 37 low, 1 info)"), "{table}");
    assert!(table.contains("--disable-local-accounts"), "the fix is in the table");
    let platform = table.find("\nplatform-managed: 18 findings in system namespaces").expect("a section of their own");
    assert!(table[platform..].contains("DaemonSet/kube-system/kube-proxy"), "{table}");
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let output =
        aksguard(&["audit", "--demo", "insecure", "--format", "json", "--output-file", path.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());
}

#[test]
fn rules_lists_and_explain_teaches() {
    let listing = stdout(&aksguard(&["rules"]));
    for id in CORE_RULES {
        assert!(listing.contains(id), "{id} missing from `aksguard rules`");
    }
    let explained = aksguard(&["explain", "network-policy-default-deny"]);
    assert!(explained.status.success());
    let text = stdout(&explained);
    for part in ["## What it checks", "## Why it matters", "## How to fix", "## References", "CIS AKS Benchmark"] {
        assert!(text.contains(part), "explain lacks {part}");
    }
}

#[test]
fn the_cis_framework_lists_every_control_with_its_rules_or_why_it_is_manual() {
    let output = aksguard(&["rules", "--framework", "cis-aks-1.8", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let controls: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let controls = controls.as_array().unwrap();
    let find = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("control {id}"));
    assert_eq!(find("4.2.1")["rules"], serde_json::json!(["pod-security-labels", "privileged-containers"]));
    assert!(find("3.2.1")["manual"].as_str().unwrap().contains("nodes"), "node checks are manual, with the reason");
    let table = stdout(&aksguard(&["rules", "--framework", "cis-aks-1.8"]));
    assert!(table.contains("controls automated") && table.contains("4.4.2"));
    let explained = stdout(&aksguard(&["explain", "privileged-containers"]));
    assert!(explained.contains("CIS AKS Benchmark v1.8 4.2.1: Minimize the admission of privileged containers"));
}

#[test]
fn the_azure_policy_framework_maps_every_built_in_and_findings_carry_definition_ids() {
    let output = aksguard(&["rules", "--framework", "azure-policy", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let definitions: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let definitions = definitions.as_array().unwrap();
    assert_eq!(definitions.len(), 121);
    for definition in definitions {
        let answered = !definition["rules"].as_array().unwrap().is_empty();
        let reasons = ["planned", "no_rule", "set_aside"].iter().filter(|key| !definition[**key].is_null()).count();
        assert_eq!(usize::from(answered) + reasons, 1, "exactly one answer: {definition}");
    }
    let table = stdout(&aksguard(&["rules", "--framework", "azure-policy:baseline"]));
    assert!(
        table.contains("a8640138-9b0a-4a28-b8cb-1666c838647d") && table.contains("5 of 5 answered by a rule"),
        "{table}"
    );
    let safeguards = stdout(&aksguard(&["rules", "--framework", "azure-policy:safeguards", "--format", "json"]));
    let safeguards: Value = serde_json::from_str(&safeguards).unwrap();
    let find = |id: &str| safeguards.as_array().unwrap().iter().find(|d| d["id"] == id).unwrap().clone();
    assert_eq!(find("53a4a537-990c-495a-92e0-7c21a465442c")["no_rule"], "admission-only: judges edits, not state");
    let selectors = find("b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01");
    assert_eq!(selectors["rules"], serde_json::json!(["service-selector-collisions"]), "{selectors}");

    let (report, _) = json_report(&["audit", "--demo", "insecure"]);
    let findings = report["findings"].as_array().unwrap();
    let privileged = findings.iter().find(|f| f["rule"] == "privileged-containers").unwrap();
    assert!(
        privileged["azure_policy"].as_array().unwrap().contains(&Value::from("95edb821-ddaf-4404-9732-666045e056b4"))
    );
    let sarif: Value =
        serde_json::from_str(&stdout(&aksguard(&["audit", "--demo", "insecure", "--format", "sarif"]))).unwrap();
    let result = sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "host-ports").unwrap();
    assert_eq!(result["properties"]["azure-policy"], serde_json::json!(["82985f06-dc18-4a48-bc1c-b9f4f0098cfe"]));
}

/// Bad input: exit 2, one line on stderr that names the problem.
fn assert_bad_input(args: &[&str], expected: &str) {
    let output = aksguard(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: one line, got {message}");
    assert!(message.starts_with("error: "), "{message}");
    assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message}");
    assert_eq!(stdout(&output), "", "no partial report");
}

/// A usage error: exit 2 and clap's whole message (the problem, the usage line, where help is).
fn assert_usage_error(args: &[&str], expected: &str) {
    let output = aksguard(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(
        message.starts_with("error: ") && message.contains(expected),
        "{args:?}: expected {expected:?} in {message}"
    );
    assert!(message.contains("--help"), "{message}");
    assert_eq!(stdout(&output), "", "no partial report");
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write_temp(&dir, "broken.json", "{\n  \"kind\": \"List\",\n  \"items\": [,]\n}");
    let unknown = write_temp(&dir, "unknown.json", r#"{"type": "Microsoft.Storage/storageAccounts", "name": "x"}"#);
    let configmaps =
        write_temp(&dir, "cm.json", r#"{"kind": "List", "items": [{"kind": "ConfigMap", "metadata": {"name": "x"}}]}"#);
    let deprecated = write_temp(
        &dir,
        "kubernetes-service.json",
        r#"{"type": "Microsoft.Security/pricings", "name": "KubernetesService", "pricingTier": "Free"}"#,
    );
    let newer = write_temp(&dir, "snapshot.json", r#"{"schema_version": 99}"#);
    let kubectl = fixture("inputs/contoso-insecure/kubectl-get.json");
    let az = fixture("inputs/contoso-insecure/aks-show.json");
    let p = |path: &PathBuf| path.to_str().unwrap().to_string();

    assert_bad_input(
        &["audit", "--from-az", "/nonexistent/aks.json"],
        "/nonexistent/aks.json: the file does not exist",
    );
    assert_bad_input(
        &["audit", "--from-kubectl", &p(&broken)],
        "broken.json is not valid JSON (expected value at line 3 column 13)",
    );
    assert_bad_input(
        &["audit", "--from-az", &p(&unknown)],
        "Microsoft.Storage/storageAccounts document, which aksguard does not read",
    );
    assert_bad_input(&["audit", "--from-kubectl", &p(&configmaps)], "holds no kind aksguard reads (found ConfigMap)");
    assert_bad_input(&["audit", "--from-az", &p(&deprecated)], "deprecated KubernetesService Defender plan");
    assert_bad_input(&["audit", "--from-az", &kubectl], "looks like kubectl output; pass it with --from-kubectl");
    assert_bad_input(&["audit", "--from-kubectl", &az], "looks like az output: pass it with --from-az");
    assert_bad_input(&["audit", "--from-az", &az, &az], "both hold a managed cluster");
    assert_bad_input(&["audit", "--snapshot", &p(&newer)], "schema_version 99, newer than this aksguard reads");
    assert_bad_input(
        &["audit", "--demo", "insecure", "--rules", "local-acounts"],
        "unknown rule id 'local-acounts' (did you mean 'local-accounts'?)",
    );
    assert_bad_input(&["explain", "nope"], "unknown rule id 'nope'");
    assert_bad_input(&["audit", "--demo", "staging"], "unknown demo 'staging': choose one of insecure, hardened");
    assert_usage_error(
        &["audit", "--demo", "insecure", "--format", "xml"],
        "invalid value 'xml' for '--output <FORMAT>'",
    );
    assert_usage_error(&["audit", "--demo", "insecure", "--from-az", &az], "cannot be used with");
    assert_bad_input(
        &["audit", "--from-kubectl", &kubectl, "--kubectl-kinds", "secrets"],
        "'secrets' is not a kind aksguard reads",
    );
    assert_bad_input(
        &["audit", "--demo", "insecure", "--kubectl-kinds", "pods"],
        "--kubectl-kinds describes the --from-kubectl files",
    );
    assert_bad_input(&["audit", "--demo", "insecure", "--az-lists", "x"], "--az-lists describes the --from-az files");
    assert_bad_input(
        &["audit", "--demo", "insecure", "--output-file", "/nonexistent/dir/report.txt"],
        "cannot write /nonexistent/dir/report.txt",
    );
}

#[test]
fn an_empty_az_list_counts_only_for_the_lists_named_by_az_lists() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_temp(&dir, "empty.json", "[]");
    let cluster = fixture("inputs/contoso-hardened/aks-show.json");
    let run = |extra: &[&str]| {
        let mut args =
            vec!["audit", "--from-az", &cluster, empty.to_str().unwrap(), "--rules", "maintenance-window,audit-logs"];
        args.extend(extra);
        args.extend(["--format", "json"]);
        let output = aksguard(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        (serde_json::from_str::<Value>(&stdout(&output)).unwrap(), stderr(&output))
    };
    let (report, notes) = run(&[]);
    assert!(notes.contains("note: ") && notes.contains("--az-lists"), "{notes}");
    assert_eq!(rules_with(&report, "unknown"), ["audit-logs", "maintenance-window"].map(String::from).into());
    let (report, _) = run(&["--az-lists", "maintenanceconfigurations"]);
    assert_eq!(rules_with(&report, "fail"), ["maintenance-window".to_string()].into(), "declared and empty: no window");
    assert_eq!(rules_with(&report, "unknown"), ["audit-logs".to_string()].into(), "not declared: still unknown");
    assert_bad_input(
        &["audit", "--from-az", &cluster, "--az-lists", "pricings"],
        "'pricings' is not an az list aksguard reads",
    );
}

#[test]
fn an_empty_kubectl_list_is_a_note_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_temp(
        &dir,
        "empty.json",
        r#"{"apiVersion": "v1", "kind": "List", "items": [], "metadata": {"resourceVersion": ""}}"#,
    );
    let output = aksguard(&["audit", "--from-kubectl", empty.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("note: "), "{}", stderr(&output));
    let with_kinds = aksguard(&[
        "audit",
        "--from-kubectl",
        empty.to_str().unwrap(),
        "--kubectl-kinds",
        "ns,pods,netpol",
        "--format",
        "json",
        "--show",
        "all",
    ]);
    let report: Value = serde_json::from_str(&stdout(&with_kinds)).unwrap();
    let unavailable: Vec<&str> =
        report["unavailable"].as_array().unwrap().iter().map(|u| u["source"].as_str().unwrap()).collect();
    assert!(
        !unavailable.contains(&"kubernetes/networkpolicies"),
        "declared kinds are collected, empty: {unavailable:?}"
    );
}

/// The patching and upgrade-readiness rules, each shown failing by the insecure demo.
const UPGRADE_RULES: [&str; 5] =
    ["upgrade-surge", "pdb-blocks-drain", "nodes-not-ready", "node-ssh-access", "cluster-sku-tier"];

#[test]
fn demo_insecure_fails_every_upgrade_readiness_rule() {
    let (report, _) = json_report(&["audit", "--demo", "insecure"]);
    let failing = rules_with(&report, "fail");
    for id in UPGRADE_RULES {
        assert!(failing.contains(id), "{id} should fail on the insecure demo");
    }
}

#[test]
fn a_snapshot_from_before_the_upgrade_sources_reads_them_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("demo/hardened.json")).unwrap()).unwrap();
    for (side, key) in [
        ("azure", "agent_pool_upgrade_profiles"),
        ("azure", "kubernetes_versions"),
        ("kubernetes", "nodes"),
        ("kubernetes", "pod_disruption_budgets"),
    ] {
        old[side].as_object_mut().unwrap().remove(key);
    }
    let path = write_temp(&dir, "old.snapshot.json", &old.to_string());
    let (report, _) =
        json_report(&["audit", "--snapshot", path.to_str().unwrap(), "--rules", "nodes-not-ready,pdb-blocks-drain"]);
    assert_eq!(rules_with(&report, "unknown"), ["nodes-not-ready", "pdb-blocks-drain"].map(String::from).into());
    let reasons: Vec<&str> =
        report["unavailable"].as_array().unwrap().iter().map(|u| u["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons.iter().all(|r| r.starts_with("not in this snapshot")), "{reasons:?}");
}

#[test]
fn another_clusters_pool_upgrade_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = write_temp(
        &dir,
        "pool.json",
        r#"{"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-other/agentPools/nodepool1/upgradeProfiles/default",
            "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles", "latestNodeImageVersion": "AKSUbuntu-2204gen2containerd-202611.03.0"}"#,
    );
    let az = fixture("inputs/contoso-insecure/aks-show.json");
    assert_bad_input(
        &["audit", "--from-az", &az, other.to_str().unwrap()],
        "the upgrade profile of agent pool nodepool1 belongs to cluster aks-other",
    );
}

#[test]
fn the_legacy_get_versions_shape_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    // What `az aks get-versions` printed before it returned the ARM version list.
    let legacy = write_temp(
        &dir,
        "versions.json",
        r#"{"id": "/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/orchestrators", "name": "default",
            "type": "Microsoft.ContainerService/locations/orchestrators", "orchestrators": []}"#,
    );
    assert_bad_input(
        &["audit", "--from-az", legacy.to_str().unwrap()],
        "Microsoft.ContainerService/locations/orchestrators document, which aksguard does not read",
    );
}
