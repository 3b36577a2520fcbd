//! Hostile input, end to end: the binary is run over malformed, oversized, mislabelled and
//! tampered files on every offline path (config, baseline, `--snapshot`, `--from-kubectl`,
//! `--from-az`). Each run must end in one of two ways: exit 2 with one short sentence on stderr
//! (no panic, no internal error chain, no more than an excerpt of the input), or a report where
//! what could not be read is `unknown` with a reason. Never a panic, never a pass on tampered
//! data, never a canary value in any output. Black-box on purpose: it only knows the CLI.
//!
//! Tests marked `#[ignore = "phase 2: …"]` attack defects of the readers still to be fixed;
//! run them with `cargo test --test hostile -- --ignored`.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Planted in inputs; must never appear in any output.
const CANARY: &str = "CANARY-7f3e9a";

/// The longest error line a user should ever get.
const MAX_ERROR_CHARS: usize = 600;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    /// A sparse file of `bytes` zeros: huge on paper, nothing on disk.
    fn sparse(&self, name: &str, bytes: u64) -> String {
        let path = self.0.path().join(name);
        std::fs::File::create(&path).unwrap().set_len(bytes).unwrap();
        path.display().to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

fn aksguard(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aksguard"));
    // No aksguard.toml of the developer's may be picked up.
    command.args(args).current_dir(std::env::temp_dir()).env("RUST_BACKTRACE", "1");
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Nothing that must not leak, and no sign of a panic, in stdout or stderr.
fn assert_clean(output: &Output, what: &str) {
    for stream in [text(&output.stdout), text(&output.stderr)] {
        assert!(!stream.contains(CANARY), "{what}: a canary leaked: {}", excerpt(&stream));
        assert!(!stream.contains("panicked") && !stream.contains("stack backtrace"), "{what}: {}", excerpt(&stream));
        assert!(!stream.contains('\u{1b}'), "{what}: a raw escape character reached the output");
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(2000).collect()
}

/// Exit 2, nothing on stdout, one short line on stderr that contains `expected`.
fn assert_refused(output: &Output, expected: &str) {
    let stderr = text(&output.stderr);
    assert_clean(output, expected);
    assert_eq!(output.status.code(), Some(2), "expected exit 2 ({expected}): {}", excerpt(&stderr));
    assert!(output.stdout.is_empty(), "no partial report: {}", excerpt(&text(&output.stdout)));
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {}", excerpt(&stderr));
    assert!(stderr.starts_with("error: "), "{}", excerpt(&stderr));
    assert!(stderr.chars().count() <= MAX_ERROR_CHARS, "{} chars: {}", stderr.chars().count(), excerpt(&stderr));
    assert!(stderr.contains(expected), "expected {expected:?} in {stderr}");
}

/// Each file's text, written as `name` and given to `run`, is refused with its message.
fn assert_each_refused<const N: usize>(dir: &Dir, name: &str, cases: [(String, &str); N], run: fn(&str) -> Output) {
    for (text, expected) in cases {
        assert_refused(&run(&dir.write(name, &text)), expected);
    }
}

/// A report was written (exit 0 or 1) and is clean; returns it parsed.
fn assert_report(output: &Output, what: &str) -> Value {
    assert_clean(output, what);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{what}: {}", excerpt(&text(&output.stderr)));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{what}: not a JSON report: {err}"))
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule).expect("the rule reported")
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path).display().to_string()
}

fn fixture_text(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).unwrap()
}

/// A UTF-16LE copy of `text`, with its byte-order mark, as PowerShell's `>` writes it.
fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn with_bom(text: &str) -> Vec<u8> {
    [&[0xef, 0xbb, 0xbf][..], text.as_bytes()].concat()
}

/// A value of a credential's shape, a megabyte of one line, and a terminal escape, together.
fn poisoned_value(bytes: usize) -> String {
    format!("\u{1b}]0;owned\u{7}Bearer {CANARY} {}", "x".repeat(bytes))
}

// ---------------------------------------------------------------- config

fn audit_with_config(config: &str) -> Output {
    aksguard(&["audit", "--demo", "insecure", "--config", config])
}

#[test]
fn an_oversized_config_is_refused_before_it_is_read() {
    let dir = Dir::new();
    let huge = dir.sparse("aksguard.toml", 2 * 1024 * 1024 * 1024);
    assert_refused(&audit_with_config(&huge), "is larger than the 1 MiB aksguard reads");
    let just_over = dir.write("over.toml", format!("# {}\n", "x".repeat(1024 * 1024)));
    assert_refused(&audit_with_config(&just_over), "is larger than the 1 MiB aksguard reads");
}

#[test]
fn a_fifo_config_cannot_bypass_the_size_limit() {
    let dir = Dir::new();
    let fifo = dir.path("fifo.toml");
    if !Command::new("mkfifo").arg(&fifo).status().is_ok_and(|status| status.success()) {
        return; // no mkfifo on this system
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
        let line = format!("# {}\n", "x".repeat(1023));
        while pipe.write_all(line.as_bytes()).is_ok() {}
    });
    assert_refused(&audit_with_config(&fifo.display().to_string()), "is larger than the 1 MiB aksguard reads");
    drop(writer.join());
}

#[test]
fn a_config_in_the_wrong_encoding_says_so() {
    let dir = Dir::new();
    let config = "fail_on = \"high\"\n";
    assert_refused(&audit_with_config(&dir.write("bom.toml", with_bom(config))), "UTF-8 byte-order mark");
    assert_refused(&audit_with_config(&dir.write("utf16.toml", utf16(config))), "is UTF-16 text");
    assert_refused(&audit_with_config(&dir.write("latin1.toml", b"fail_on = \"h\xe9\"\n")), "is not UTF-8 text");
    assert_refused(&audit_with_config(&dir.write("binary.toml", b"\x7fELF\x02\x01\x01\0\0\0")), "is not text");
}

#[test]
fn bad_config_values_are_quoted_short_escaped_and_redacted() {
    let dir = Dir::new();
    let poisoned = poisoned_value(256 * 1024).replace('\u{1b}', "\\u001b").replace('\u{7}', "\\u0007");
    let cases = [
        (format!("fail_on = \"{poisoned}\"\n"), "aksguard.toml line 1"),
        (format!("password = \"{CANARY}\"\n"), "unknown field `password`"),
        (format!("client_secret = \"{CANARY}\"\n"), "unknown field `client_secret`"),
        (format!("disabled_rules = [\"{poisoned}\"]\n"), "unknown rule id"),
        (
            format!(
                "[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"{poisoned}\"\n"
            ),
            "YYYY-MM-DD",
        ),
        (format!("fail_on = \"high\"\n{}", "x".repeat(500_000)), "aksguard.toml line 2"),
        ("{\"fail_on\": \"high\"}\n".to_string(), "aksguard.toml line 1"),
        ("[]\n".to_string(), "aksguard.toml"),
    ];
    assert_each_refused(&dir, "aksguard.toml", cases, audit_with_config);
}

#[test]
fn a_namespaces_filter_that_matches_nothing_is_announced() {
    let dir = Dir::new();
    let config = dir.write("aksguard.toml", "namespaces = [\"contoso-prodution\"]\n");
    let output = aksguard(&["audit", "--demo", "insecure", "--config", &config, "--format", "json"]);
    let report = assert_report(&output, "namespaces filter");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("warning: `namespaces` in") && stderr.contains("(contoso-prodution)"), "stderr: {stderr}");
    let reasons: Vec<&Value> =
        report["unavailable"].as_array().unwrap().iter().filter(|u| u["source"] == "config/namespaces").collect();
    assert_eq!(reasons.len(), 1, "{}", report["unavailable"]);
    // JUnit has no place for sources that were not read (phase 2 may give it one).
    for format in ["table", "markdown", "sarif", "html"] {
        let output = aksguard(&["audit", "--demo", "insecure", "--config", &config, "--format", format]);
        assert!(text(&output.stdout).contains("contoso-prodution"), "{format} does not say it");
    }
    let matching = dir.write("ok.toml", "namespaces = [\"contoso-production\"]\n");
    let quiet = aksguard(&["audit", "--demo", "insecure", "--config", &matching]);
    assert!(!text(&quiet.stderr).contains("warning"), "{}", text(&quiet.stderr));
}

// ---------------------------------------------------------------- baseline

fn demo_report(dir: &Dir) -> Value {
    let path = dir.path("report.json").display().to_string();
    let output = aksguard(&["audit", "--demo", "insecure", "-o", "json", "--output-file", &path]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn audit_with_baseline(baseline: &str, extra: &[&str]) -> Output {
    let mut args = vec!["audit", "--demo", "insecure", "--fail-on", "high", "--baseline", baseline];
    args.extend(extra);
    aksguard(&args)
}

#[test]
fn an_oversized_baseline_is_refused_before_it_is_read() {
    let dir = Dir::new();
    let huge = dir.sparse("base.json", 4 * 1024 * 1024 * 1024);
    assert_refused(&audit_with_baseline(&huge, &[]), "is larger than the 256 MiB aksguard reads");
}

#[test]
fn a_baseline_of_another_cluster_is_refused_unless_meant() {
    let dir = Dir::new();
    let mut report = demo_report(&dir);
    report["target"]["cluster"] = json!("aks-contoso-staging");
    let other = dir.write("other.json", report.to_string());
    let refused = audit_with_baseline(&other, &[]);
    assert_refused(&refused, "the baseline is of cluster aks-contoso-staging");
    assert!(text(&refused.stderr).contains("this run audits cluster aks-contoso-prod"), "names both");
    assert!(text(&refused.stderr).contains("--baseline-any-cluster"), "says how to mean it");

    let meant = audit_with_baseline(&other, &["--baseline-any-cluster", "--format", "json"]);
    let compared = assert_report(&meant, "--baseline-any-cluster");
    assert_eq!(meant.status.code(), Some(0), "the same findings: nothing new");
    assert_eq!(compared["summary"]["baseline"]["new"], 0);

    report["target"] = json!({"cluster": null, "resource_group": null, "subscription": null, "source": "files"});
    let unnamed = dir.write("unnamed.json", report.to_string());
    assert_refused(&audit_with_baseline(&unnamed, &[]), "the baseline is of no named cluster");
    let flag_alone = aksguard(&["audit", "--demo", "insecure", "--baseline-any-cluster"]);
    assert_eq!(flag_alone.status.code(), Some(2), "the flag means nothing without --baseline");
}

#[test]
fn the_wrong_kind_of_baseline_file_is_named() {
    let dir = Dir::new();
    let snapshot = dir.path("snapshot.json").display().to_string();
    assert!(aksguard(&["snapshot", "--demo", "insecure", "--output-file", &snapshot]).status.success());
    let sarif = aksguard(&["audit", "--demo", "insecure", "--format", "sarif"]).stdout;
    let junit = aksguard(&["audit", "--demo", "insecure", "--format", "junit"]).stdout;
    let markdown = aksguard(&["audit", "--demo", "insecure", "--format", "markdown"]).stdout;
    let report = demo_report(&dir).to_string();
    let cases: Vec<(String, &str)> = vec![
        (snapshot, "is an aksguard snapshot (from `aksguard snapshot`), not an aksguard JSON report"),
        (dir.write("sarif.json", sarif), "is a SARIF report"),
        (dir.write("junit.xml", junit), "is XML or HTML"),
        (dir.write("summary.md", markdown), "is Markdown, not JSON"),
        (dir.write("empty.json", "[]"), "is an empty JSON array `[]`, not a report"),
        (fixture("inputs/contoso-insecure/kubectl-get.json"), "is Kubernetes (kubectl) output"),
        (fixture("inputs/contoso-insecure/aks-show.arm.json"), "is an Azure (az) document"),
        (dir.write("bom.json", with_bom(&report)), "UTF-8 byte-order mark"),
        (dir.write("utf16.json", utf16(&report)), "is UTF-16 text"),
        (dir.write("truncated.json", &report[..report.len() / 2]), "is not valid JSON"),
        (dir.write("empty-file.json", ""), "is not valid JSON"),
    ];
    for (file, expected) in cases {
        let output = audit_with_baseline(&file, &[]);
        assert_refused(&output, expected);
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("invalid type") && !stderr.contains("expected struct"), "serde internals: {stderr}");
    }
}

#[test]
fn a_tampered_baseline_is_refused_with_an_excerpt() {
    let dir = Dir::new();
    let report = demo_report(&dir).to_string();
    let status = poisoned_value(1024 * 1024).replace('\u{1b}', "\\u001b").replace('\u{7}', "\\u0007");
    let cases = [
        (report.replacen("\"status\":\"fail\"", &format!("\"status\":\"{status}\""), 1), "unknown variant"),
        (
            report.replacen("\"status\":\"fail\"", "\"status\":\"fail\",\"status\":\"pass\"", 1),
            "duplicate field `status`",
        ),
        (report.replacen("\"schema_version\":2", "\"schema_version\":\"1\"", 1), "not an aksguard JSON report"),
        (report.replacen("\"schema_version\":2", "\"schema_version\":99", 1), "newer than this aksguard reads"),
        (format!("{}{report}", "[".repeat(100_000)), "is not valid JSON"),
    ];
    for (tampered, expected) in cases {
        assert_ne!(tampered, report, "the tampering applied ({expected})");
        assert_refused(&audit_with_baseline(&dir.write("base.json", &tampered), &[]), expected);
    }
}

#[test]
#[ignore = "phase 2: derived Deserialize reads a JSON array into a struct by position (wrong JSON types read leniently)"]
fn a_baseline_finding_written_as_an_array_is_refused() {
    let dir = Dir::new();
    let mut report = demo_report(&dir);
    let first = report["findings"][0].clone();
    report["findings"][0] = json!([first["rule"], first["resource"], first["status"]]);
    assert_refused(&audit_with_baseline(&dir.write("base.json", report.to_string()), &[]), "findings");
}

// ---------------------------------------------------------------- snapshot

fn audit_snapshot(path: &str) -> Output {
    aksguard(&["audit", "--snapshot", path, "--format", "json", "--show", "all"])
}

fn demo_snapshot() -> Value {
    serde_json::from_slice(&aksguard(&["snapshot", "--demo", "insecure"]).stdout).unwrap()
}

#[test]
fn malformed_snapshots_are_refused_in_one_line() {
    let dir = Dir::new();
    let snapshot = demo_snapshot().to_string();
    let cases = [
        (String::new(), "is not valid JSON"),
        (snapshot[..snapshot.len() / 3].to_string(), "is not valid JSON"),
        (format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)), "is not valid JSON"),
        (snapshot.replacen("\"schema_version\":1", "\"schema_version\":9", 1), "newer than this aksguard reads"),
        ("{\"kind\": \"List\", \"items\": []}".to_string(), "is not an aksguard snapshot"),
    ];
    assert_each_refused(&dir, "s.json", cases, audit_snapshot);
}

#[test]
fn truncated_inputs_are_refused_on_every_offline_path() {
    let dir = Dir::new();
    let snapshot = demo_snapshot().to_string();
    let kubectl = fixture_text("inputs/contoso-insecure/kubectl-get.json");
    let az = fixture_text("inputs/contoso-insecure/aks-show.json");
    let paths: [(&str, &String); 3] = [("--snapshot", &snapshot), ("--from-kubectl", &kubectl), ("--from-az", &az)];
    for (flag, full) in paths {
        let last = full.trim_end().len() - 1;
        for cut in (1..10).map(|tenth| last * tenth / 10).chain([1, last]) {
            let cut = (0..=cut).rev().find(|at| full.is_char_boundary(*at)).unwrap();
            let file = dir.write("cut.json", &full[..cut]);
            let output = match flag {
                "--snapshot" => aksguard(&["audit", "--snapshot", &file]),
                _ => aksguard(&["audit", flag, &file]),
            };
            assert_refused(&output, "");
        }
    }
}

#[test]
#[ignore = "phase 2: a report given as --snapshot, or `[]`, fails with serde's message (missing field, expected struct Version)"]
fn a_report_or_an_array_given_as_a_snapshot_is_named() {
    let dir = Dir::new();
    let report = demo_report(&dir).to_string();
    assert_refused(&audit_snapshot(&dir.write("r.json", report)), "is an aksguard report, not a snapshot");
    let array = audit_snapshot(&dir.write("a.json", "[]"));
    assert_refused(&array, "array");
    assert!(!text(&array.stderr).contains("expected struct"), "{}", text(&array.stderr));
}

#[test]
#[ignore = "phase 2: the snapshot reader reads the whole file into memory before checking it (bounded reads)"]
fn an_oversized_snapshot_is_refused_before_it_is_read() {
    let dir = Dir::new();
    let huge = dir.sparse("s.json", 4 * 1024 * 1024 * 1024);
    assert_refused(&audit_snapshot(&huge), "larger than");
}

#[test]
#[ignore = "phase 2: a UTF-8 BOM or UTF-16 snapshot fails as invalid JSON without saying why"]
fn a_snapshot_in_the_wrong_encoding_says_so() {
    let dir = Dir::new();
    let snapshot = demo_snapshot().to_string();
    assert_refused(&audit_snapshot(&dir.write("bom.json", with_bom(&snapshot))), "byte-order mark");
    assert_refused(&audit_snapshot(&dir.write("utf16.json", utf16(&snapshot))), "UTF-16");
}

/// Tampering that once made a rule pass: the snapshot must be refused or the rule `unknown`.
fn assert_not_passed(output: &Output, rule: &str, what: &str) {
    if output.status.code() == Some(2) {
        return assert_refused(output, "");
    }
    let report = assert_report(output, what);
    let found = finding(&report, rule);
    assert_ne!(found["status"], "pass", "{what}: tampered data passed {rule}: {found}");
}

#[test]
#[ignore = "phase 2: wrong JSON types are read leniently (an array read into a struct by position)"]
fn a_snapshot_with_wrong_json_types_never_passes() {
    let dir = Dir::new();
    let mut snapshot = demo_snapshot();
    let cluster = &mut snapshot["azure"]["managed_cluster"]["data"]["properties"];
    cluster["apiServerAccessProfile"] = json!([[], true]);
    let file = dir.write("s.json", snapshot.to_string());
    assert_not_passed(&audit_snapshot(&file), "api-server-access", "apiServerAccessProfile as an array");
}

#[test]
fn a_snapshot_with_a_duplicate_field_is_refused() {
    let dir = Dir::new();
    let snapshot = demo_snapshot().to_string();
    let tampered = snapshot.replacen("\"schema_version\":1", "\"schema_version\":1,\"schema_version\":1", 1);
    assert_refused(&audit_snapshot(&dir.write("s.json", tampered)), "duplicate field `schema_version`");
}

#[test]
#[ignore = "phase 2: duplicate keys in maps (labels) are read last-key-wins instead of refused"]
fn a_snapshot_with_a_duplicate_label_key_is_refused() {
    let dir = Dir::new();
    let mut snapshot = demo_snapshot();
    let namespace = &mut snapshot["kubernetes"]["namespaces"]["data"][0]["metadata"];
    namespace["labels"] = json!({"pod-security.kubernetes.io/enforce": "privileged"});
    let text = snapshot.to_string().replacen(
        "\"pod-security.kubernetes.io/enforce\":\"privileged\"",
        "\"pod-security.kubernetes.io/enforce\":\"privileged\",\"pod-security.kubernetes.io/enforce\":\"restricted\"",
        1,
    );
    assert_refused(&audit_snapshot(&dir.write("s.json", text)), "duplicate");
}

// ---------------------------------------------------------------- --from-kubectl and --from-az

#[test]
fn malformed_kubectl_files_are_refused_in_one_line() {
    let dir = Dir::new();
    let cases: [(&str, &[u8]); 6] = [
        ("[]", b"[]"),
        ("empty", b""),
        ("garbage", b"\x00\x01\x02 not json"),
        ("deep", &[b'['; 100_000]),
        ("items as a string", b"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":\"CANARY-7f3e9a\"}"),
        (
            "a secret's value in a syntax error",
            b"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\" CANARY-7f3e9a",
        ),
    ];
    for (what, bytes) in cases {
        let output = aksguard(&["audit", "--from-kubectl", &dir.write("k.json", bytes)]);
        assert_eq!(output.status.code(), Some(2), "{what}: {}", text(&output.stderr));
        assert_refused(&output, "");
    }
}

#[test]
fn secrets_in_kubectl_files_never_reach_any_output() {
    let dir = Dir::new();
    let mut list: Value = serde_json::from_str(&fixture_text("inputs/contoso-insecure/kubectl-get.json")).unwrap();
    list["items"].as_array_mut().unwrap().push(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default", "annotations": {"note": CANARY}},
        "data": {"password": CANARY},
    }));
    let file = dir.write("k.json", list.to_string());
    for format in ["table", "json", "sarif", "junit", "markdown", "html"] {
        let output = aksguard(&["audit", "--from-kubectl", &file, "--format", format, "--show", "all"]);
        assert_clean(&output, format);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{format}: {}", text(&output.stderr));
    }
    let snapshot = aksguard(&["snapshot", "--from-kubectl", &file]);
    assert_clean(&snapshot, "snapshot");
}

#[test]
#[ignore = "phase 2: duplicate keys in a kubectl stream are read first-key-wins, so a pod can hide as a Secret"]
fn a_kubectl_object_with_duplicate_keys_is_refused() {
    let dir = Dir::new();
    let list = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Secret","kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"nginx","securityContext":{"privileged":true}}]}}]}"#;
    assert_refused(&aksguard(&["audit", "--from-kubectl", &dir.write("k.json", list)]), "duplicate");
}

#[test]
#[ignore = "phase 2: a pod whose spec is [] or whose containers are null passes every container rule"]
fn a_pod_with_wrong_json_types_never_passes() {
    let dir = Dir::new();
    let list = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"default"},"spec":[]}]}"#;
    let output =
        aksguard(&["audit", "--from-kubectl", &dir.write("k.json", list), "--format", "json", "--show", "all"]);
    assert_not_passed(&output, "privileged-containers", "spec as []");
}

#[test]
#[ignore = "phase 2: names from the cluster reach the table output with their control characters"]
fn control_characters_in_cluster_names_are_escaped_in_the_table() {
    let dir = Dir::new();
    let list = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"evil\u001b]0;owned\u0007"}}]}"#;
    let output = aksguard(&["audit", "--from-kubectl", &dir.write("k.json", list), "--show", "all"]);
    assert_clean(&output, "table");
}

#[test]
fn malformed_az_files_are_refused_in_one_line() {
    let dir = Dir::new();
    let cases: [(&str, &[u8]); 5] = [
        ("empty", b""),
        ("garbage", b"\xff\xfe\x00\x01"),
        ("a number", b"42"),
        ("deep", &[b'{'; 50_000]),
        ("a secret's value in a syntax error", b"{\"id\": \"/subscriptions/s\", \"properties\": {\"x\": CANARY-7f3e9a"),
    ];
    for (what, bytes) in cases {
        let output = aksguard(&["audit", "--from-az", &dir.write("a.json", bytes)]);
        assert_eq!(output.status.code(), Some(2), "{what}: {}", text(&output.stderr));
        assert_refused(&output, "");
    }
}

fn az_show_with_ranges(ranges: Value) -> String {
    let mut show: Value = serde_json::from_str(&fixture_text("inputs/contoso-insecure/aks-show.json")).unwrap();
    show["apiServerAccessProfile"] = json!({"authorizedIpRanges": ranges, "enablePrivateCluster": false});
    show.to_string()
}

#[test]
fn ipv6_and_mapped_ranges_never_pass_as_authorized() {
    let dir = Dir::new();
    for wide in ["::ffff:0.0.0.0/96", "2000::/8", "2000::/16", "64:ff9b::/96", "::/80"] {
        let file = dir.write("show.json", az_show_with_ranges(json!(["203.0.113.0/24", wide])));
        let output = aksguard(&["audit", "--from-az", &file, "--format", "json", "--show", "all"]);
        let report = assert_report(&output, wide);
        let found = finding(&report, "api-server-access");
        assert_eq!(found["status"], "fail", "{wide}: {found}");
        assert!(found["message"].as_str().unwrap().contains(wide), "{found}");
    }
    let narrow = dir.write("show.json", az_show_with_ranges(json!(["2001:db8:1234::/48", "::ffff:203.0.113.0/120"])));
    let report =
        assert_report(&aksguard(&["audit", "--from-az", &narrow, "--format", "json", "--show", "all"]), "narrow");
    assert_eq!(finding(&report, "api-server-access")["status"], "pass");
}

#[test]
#[ignore = "phase 2: apiServerAccessProfile as an array is read by position and passes"]
fn an_az_document_with_wrong_json_types_never_passes() {
    let dir = Dir::new();
    let mut show: Value = serde_json::from_str(&fixture_text("inputs/contoso-insecure/aks-show.json")).unwrap();
    show["apiServerAccessProfile"] = json!([[], true]);
    let file = dir.write("show.json", show.to_string());
    let output = aksguard(&["audit", "--from-az", &file, "--format", "json", "--show", "all"]);
    assert_not_passed(&output, "api-server-access", "apiServerAccessProfile as an array");
}

/// Byte-level mutations of real inputs on each offline path: whatever they do to the file, the
/// run ends with a report or one clean line, never a panic or a leak.
#[test]
fn mutated_inputs_never_panic_or_leak() {
    let dir = Dir::new();
    let snapshot = demo_snapshot().to_string().into_bytes();
    let kubectl = fixture_text("inputs/contoso-insecure/kubectl-get.json").into_bytes();
    let az = fixture_text("inputs/contoso-insecure/aks-show.json").into_bytes();
    let replacements: [&[u8]; 6] = [b"null", b"[]", b"{}", b"\"\"", b"-1e999", b"\"\\u0000\""];
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % bound as u64) as usize
    };
    for (flag, original) in [("--snapshot", &snapshot), ("--from-kubectl", &kubectl), ("--from-az", &az)] {
        for round in 0..12 {
            let mut bytes = original.clone();
            let at = next(bytes.len());
            let end = (at + next(16)).min(bytes.len());
            bytes.splice(at..end, replacements[round % replacements.len()].iter().copied());
            let output = aksguard(&["audit", flag, &dir.write("m.json", &bytes), "--format", "json"]);
            let what = format!("{flag} round {round}");
            match output.status.code() {
                Some(2) => assert_refused(&output, ""),
                _ => drop(assert_report(&output, &what)),
            }
        }
    }
}
