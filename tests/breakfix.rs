//! The Break & Fix demos, `aksguard diff` and `aksguard plan`, end to end: each demo fails exactly
//! the rules its story is about, the diff of the insecure and hardened demos, a diff across two
//! clusters refused, the plan's ordering rules, and the plan never disagreeing with the audit.

use aksguard::audit::{self, Report};
use aksguard::collect::demo;
use aksguard::finding::{Severity, Status};
use aksguard::plan;
use aksguard::rules::{self, Settings};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

fn aksguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aksguard")).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn audit_demo(name: &str) -> Report {
    audit::run(&demo::load(name).unwrap(), rules::ALL, &Settings::default())
}

/// The rules with a failing or unknown finding the cluster's owners must act on.
fn failing_rules(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown) && !f.platform_managed)
        .map(|f| f.rule.to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aksguard-breakfix-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_hardened_demo_is_the_target_state() {
    assert_eq!(failing_rules(&audit_demo("hardened")), set(&[]));
}

#[test]
fn pss_outage_fails_the_rules_of_a_root_workload_under_enforced_restricted() {
    let report = audit_demo("pss-outage");
    assert_eq!(
        failing_rules(&report),
        set(&["pod-security-rejected-workloads", "privilege-escalation", "seccomp-profile"])
    );
    let rejected = report.findings.iter().find(|f| f.rule == "pod-security-rejected-workloads").unwrap();
    assert_eq!(rejected.resource.to_string(), "Deployment/contoso-production/backend-api");
    assert_eq!(rejected.severity, Severity::High);
    let evidence: Vec<String> = rejected.evidence.iter().map(|e| e.to_string()).collect();
    let evidence = evidence.join("\n");
    for why in
        ["runs as user 0 (root)", "does not drop ALL capabilities", "no RuntimeDefault or Localhost seccomp profile"]
    {
        assert!(evidence.contains(why), "{why}: {evidence}");
    }
    let fix = rejected.remediation.as_ref().unwrap().to_string();
    assert!(fix.contains("kubectl patch deployment backend-api -n contoso-production --type strategic"), "{fix}");
    assert!(fix.contains("pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted"));
}

#[test]
fn defender_silent_fails_only_the_sensor_cross_check() {
    let report = audit_demo("defender-silent");
    assert_eq!(failing_rules(&report), set(&["defender-enabled"]));
    let failing: Vec<_> =
        report.findings.iter().filter(|f| f.rule == "defender-enabled" && f.status == Status::Fail).collect();
    assert_eq!(failing.len(), 1, "the plan and the profile still pass: {failing:#?}");
    assert!(failing[0].message.to_string().contains("sensor not healthy"), "{}", failing[0].message);
    let evidence: Vec<String> = failing[0].evidence.iter().map(|e| e.to_string()).collect();
    assert!(evidence.iter().any(|e| e.contains("ready 1/3")), "{evidence:?}");
}

#[test]
fn dns_blocked_fails_the_namespace_and_gives_the_dns_policy() {
    let report = audit_demo("dns-blocked");
    assert_eq!(failing_rules(&report), set(&["network-policy-default-deny"]));
    let failing: Vec<_> = report.findings.iter().filter(|f| f.status == Status::Fail && !f.platform_managed).collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].resource.to_string(), "Namespace/contoso-production");
    assert_eq!(failing[0].severity, Severity::High);
    let fix = failing[0].remediation.as_ref().unwrap().to_string();
    assert!(
        fix.contains("name: allow-dns-egress") && fix.contains("k8s-app: kube-dns") && !fix.contains("default-deny")
    );
}

#[test]
fn demos_lists_every_demo_with_its_story() {
    let output = aksguard(&["demos"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for name in demo::names() {
        assert!(text.lines().any(|line| line == name), "{name} missing: {text}");
    }
    assert!(text.contains("Break & Fix 3"), "{text}");
    assert!(text.lines().all(|line| line.chars().count() <= 110), "{text}");
}

fn diff_json(before: &str, after: &str, extra: &[&str]) -> (Value, Output) {
    let mut args = vec!["diff", before, after, "-o", "json"];
    args.extend(extra);
    let output = aksguard(&args);
    let json = serde_json::from_str(&stdout(&output)).unwrap_or(Value::Null);
    (json, output)
}

#[test]
fn diff_of_insecure_and_hardened_lists_everything_fixed_and_nothing_new() {
    let open = audit_demo("insecure")
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown) && !f.platform_managed)
        .count();
    let (diff, output) = diff_json("demo:insecure", "demo:hardened", &["--fail-on", "info"]);
    assert_eq!(output.status.code(), Some(0), "nothing new fails: {}", stderr(&output));
    assert_eq!(diff["summary"]["fixed"], open as u64, "{}", diff["summary"]);
    assert_eq!(diff["summary"]["new"], 0);
    assert_eq!(diff["summary"]["changed"], 0);
    assert_eq!(diff["summary"]["unchanged"], 0);
    let entries = diff["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["change"] == "fixed" && e["before"]["status"] != "pass"));
    let identities: BTreeSet<&str> = entries.iter().map(|e| e["identity"].as_str().unwrap()).collect();
    assert!(identities.contains("network-policy-default-deny|Namespace/contoso-production"), "{identities:?}");
}

#[test]
fn diff_reads_reports_and_snapshots_and_fails_on_what_newly_fails() {
    let dir = scratch("files");
    let report = dir.join("hardened-report.json");
    std::fs::write(&report, serde_json::to_string(&audit_demo("hardened")).unwrap()).unwrap();
    let snapshot = dir.join("dns-blocked-snapshot.json");
    let written = aksguard(&["snapshot", "--demo", "dns-blocked", "--output-file", snapshot.to_str().unwrap()]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let (report, snapshot) = (report.to_str().unwrap(), snapshot.to_str().unwrap());

    let (diff, output) = diff_json(report, snapshot, &["--fail-on", "high"]);
    assert_eq!(output.status.code(), Some(1), "a new high failure trips --fail-on high");
    assert_eq!(diff["summary"]["new"], 1);
    assert_eq!(diff["entries"][0]["resource"], "Namespace/contoso-production");
    assert_eq!(diff_json(report, snapshot, &["--fail-on", "critical"]).1.status.code(), Some(0));
    assert_eq!(diff_json(snapshot, report, &["--fail-on", "info"]).1.status.code(), Some(0), "only fixed");

    let table = stdout(&aksguard(&["diff", report, snapshot]));
    assert!(table.contains("\nNEW ") && table.contains("\n0 fixed · 1 new · 0 changed · 0 unchanged\n"), "{table}");
    let markdown = stdout(&aksguard(&["diff", report, snapshot, "-o", "markdown"]));
    assert!(
        markdown.contains("### New (1)\n\n| Severity |") && markdown.contains("### Fixed (0)\n\nNone."),
        "{markdown}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_of_two_clusters_is_refused_unless_meant() {
    let dir = scratch("clusters");
    let mut other: Value = serde_json::to_value(audit_demo("hardened")).unwrap();
    other["target"]["cluster"] = "aks-contoso-staging".into();
    let other_path = dir.join("staging.json");
    std::fs::write(&other_path, other.to_string()).unwrap();
    let other_path = other_path.to_str().unwrap();

    let output = aksguard(&["diff", "demo:insecure", other_path]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("rg-contoso-containers/aks-contoso-prod")
            && err.contains("rg-contoso-containers/aks-contoso-staging"),
        "{err}"
    );
    assert!(err.contains("--allow-different-clusters") && err.lines().count() == 1, "{err}");
    assert!(stdout(&output).is_empty());

    let output = aksguard(&["diff", "demo:insecure", other_path, "--allow-different-clusters"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_of_unreadable_input_exits_2_with_one_sentence() {
    let output = aksguard(&["diff", "demo:insecure", "/nonexistent/after.json"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("error: cannot read AFTER /nonexistent/after.json") && err.lines().count() == 1, "{err}");
}

/// The shell plan of a demo, from the binary.
fn shell_plan(demo: &str) -> String {
    let output = aksguard(&["plan", "--demo", demo]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or_else(|| panic!("{needle} not in the plan"))
}

#[test]
fn plan_puts_dry_runs_and_allow_rules_before_enforcement() {
    let plan = shell_plan("insecure");
    for namespace in ["contoso-production", "contoso-web", "default"] {
        let allow = position(&plan, &format!("name: allow-dns-egress\n  namespace: {namespace}\n"));
        let deny = position(&plan, &format!("name: default-deny-all\n  namespace: {namespace}\n"));
        assert!(allow < deny, "DNS allow before default deny in {namespace}");
        let warn = position(
            &plan,
            &format!(
                "kubectl label namespace {namespace} pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted"
            ),
        );
        let enforce = position(
            &plan,
            &format!("kubectl label namespace {namespace} pod-security.kubernetes.io/enforce=restricted"),
        );
        assert!(warn < enforce, "warn before enforce in {namespace}");
        let dry_run = position(&plan, "# dry run: restricted would reject Deployment/contoso-production/backend-api");
        assert!(dry_run < enforce, "the dry-run list before the enforce label");
    }
    let workload_fix = position(&plan, "kubectl -n contoso-web edit deployment/frontend");
    assert!(
        workload_fix
            < position(&plan, "kubectl label namespace contoso-web pod-security.kubernetes.io/enforce=restricted")
    );
}

#[test]
fn plan_puts_disruptive_changes_last_with_their_cost() {
    let plan = shell_plan("insecure");
    let disruptive = position(&plan, "# ==== Disruptive changes");
    for command in
        ["--enable-defender", "--auto-upgrade-channel patch", "--enable-image-integrity", "--addons azure-policy"]
    {
        assert!(position(&plan, command) < disruptive, "{command} is not disruptive");
    }
    let costs = [
        ("--node-os-upgrade-channel NodeImage", "reimage nodes"),
        ("-n nodepool1 --node-image-only", "reimages every node"),
        ("--network-policy azure", "network policy engine reimages every node"),
        ("--enable-aad --enable-azure-rbac", "cannot be turned off"),
        ("--disable-local-accounts", "breaks every static admin kubeconfig"),
        ("--kubernetes-version 1.35", "every node is drained and replaced"),
    ];
    for (command, cost) in costs {
        let at = position(&plan, command);
        assert!(at > disruptive, "{command} comes last");
        let step = &plan[plan[..at].rfind("# Step ").unwrap()..at];
        assert!(step.contains("# cost: ") && step.contains(cost), "{command}: {step}");
    }
    let after = &plan[disruptive..];
    assert!(!after.contains("kubectl label") && !after.contains("kubectl apply"), "enforcement comes before");
}

#[test]
fn plan_holds_commands_with_placeholders() {
    let plan = shell_plan("insecure");
    assert!(plan.contains("# HELD: fill in the <placeholder> first\n# az aks update -g rg-contoso-containers -n aks-contoso-prod --api-server-authorized-ip-ranges <your CIDRs>\n"), "{plan}");
    assert!(!plan.lines().any(|line| line.starts_with("az ") && line.contains("<your")), "never runnable as is");
}

/// Every command of every failing finding's remediation is in the plan, verbatim (commented out
/// when held), and the plan has no command that is not one of them: the plan and the audit never
/// disagree. Checked on every demo.
#[test]
fn plan_commands_are_the_audits_remediations_and_nothing_else() {
    for name in demo::names() {
        let report = audit_demo(name);
        let shell = shell_plan(name);
        let mut remediation_lines = BTreeSet::new();
        for finding in report.findings.iter().filter(|f| f.status == Status::Fail && !f.platform_managed) {
            let Some(remediation) = &finding.remediation else { continue };
            let remediation = remediation.to_string();
            remediation_lines.extend(remediation.lines().map(str::to_string));
            for command in plan::commands(&remediation).into_iter().filter(|c| !c.text.is_empty()) {
                let held: String = command.text.lines().map(|line| format!("# {line}\n")).collect();
                assert!(
                    shell.contains(&format!("{}\n", command.text)) || shell.contains(&held),
                    "{name}: {} is missing from the plan",
                    command.text
                );
            }
        }
        let body = &shell[shell.find("set -eu\n").unwrap() + "set -eu\n".len()..];
        for line in body.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
            assert!(remediation_lines.contains(line), "{name}: the plan line {line:?} is no remediation's");
        }
    }
}

#[test]
fn plan_reads_a_report_and_writes_markdown() {
    let dir = scratch("plan");
    let report = dir.join("pss-outage.json");
    std::fs::write(&report, serde_json::to_string(&audit_demo("pss-outage")).unwrap()).unwrap();
    let output = aksguard(&["plan", "--report", report.to_str().unwrap(), "-o", "markdown"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let stop =
        position(&text, "kubectl label namespace contoso-production pod-security.kubernetes.io/enforce=baseline");
    let patch = position(&text, "kubectl patch deployment backend-api -n contoso-production");
    let enforce =
        position(&text, "kubectl label namespace contoso-production pod-security.kubernetes.io/enforce=restricted");
    assert!(stop < patch && patch < enforce, "stop the outage, fix, enforce again: {text}");
    assert!(text.contains("## 1. Warnings, dry runs and allow rules") && text.contains("```sh\n"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every `az` command of a plan is one its rule's `explain` shows: the same sub-command and
/// flags, with the real names filled in. And where `explain` says a command reimages nodes, the
/// plan puts it with the disruptive changes.
#[test]
fn plan_commands_are_the_ones_explain_shows() {
    let mut reimaging = 0;
    for name in demo::names() {
        let findings = aksguard::report_file::Findings::of_report(&audit_demo(name));
        for step in plan::build(&findings).steps {
            let text = &step.command.text;
            let docs: Vec<&str> =
                step.fixes.iter().map(|(_, rule, _)| rules::find(rule).expect("a known rule").docs).collect();
            if text.starts_with("az ") {
                let words: Vec<&str> = text.split_whitespace().take_while(|word| !word.starts_with('-')).collect();
                let sub_command = words.join(" ");
                let flags: Vec<&str> = text.split_whitespace().filter(|word| word.starts_with("--")).collect();
                let shown = |doc: &&str| doc.contains(&sub_command) && flags.iter().all(|flag| doc.contains(flag));
                assert!(docs.iter().any(shown), "{name}: `{text}` is not what explain shows for {:?}", step.fixes);
            }
            if docs.iter().any(|doc| explain_says_it_reimages(doc, text)) {
                reimaging += 1;
                assert_eq!(step.phase, plan::Phase::Disruptive, "{name}: `{text}` reimages nodes");
            }
        }
    }
    assert!(reimaging > 0, "the check found no command explain says reimages nodes");
}

/// The docs show the command (its sub-command and first flag after the names) and say, on its
/// line or the two lines before it, that it reimages nodes.
fn explain_says_it_reimages(docs: &str, command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().take_while(|word| !word.starts_with('-')).collect();
    let sub_command = words.join(" ");
    let Some(flag) =
        command.split_whitespace().filter(|word| word.starts_with("--")).find(|flag| *flag != "--cluster-name")
    else {
        return false;
    };
    let lines: Vec<&str> = docs.lines().filter(|line| !line.trim().is_empty()).collect();
    (0..lines.len()).any(|at| {
        lines[at].contains(&sub_command)
            && lines[at].contains(flag)
            && lines[at.saturating_sub(2)..=at].iter().any(|line| line.contains("reimage"))
    })
}

/// The README's samples of `demos`, `diff` and `plan` are what the binary prints.
#[test]
fn readme_samples_are_the_binarys_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let samples: [(&[&str], &str); 4] = [
        (&["demos"], "```text\n"),
        (&["diff", "demo:hardened", "demo:dns-blocked"], "```text\n$ aksguard diff demo:hardened demo:dns-blocked\n"),
        (&["diff", "demo:hardened", "demo:pss-outage", "-o", "markdown"], "````markdown\n"),
        (&["plan", "--demo", "pss-outage"], "```sh\n$ aksguard plan --demo pss-outage\n"),
    ];
    for (args, opening) in samples {
        let printed = stdout(&aksguard(args));
        assert!(
            readme.contains(&format!("{opening}{printed}`")),
            "the README's sample of `aksguard {}` is stale",
            args.join(" ")
        );
    }
}
