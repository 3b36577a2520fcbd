//! The JSON report of each demo cluster, and of the insecure one seen with Kubernetes access only
//! (inferred verdicts, `medium` confidence), compared byte for byte with `tests/golden/`, so that
//! any change to the report format or to a verdict shows as a diff in review.
//!
//! The audit's clock is fixed and the tool version replaced by a placeholder, so the files only
//! change when the report does. After an intended change, rewrite them and review the diff:
//!
//!     AKSGUARD_BLESS=1 cargo test --test golden

use aksguard::audit::{self, Show};
use aksguard::collect::{self, demo};
use aksguard::report::{self, Format, Style};
use aksguard::rules::{self, Settings};
use aksguard::snapshot::Snapshot;
use std::path::Path;

/// A fixed "now" for rules that judge ages and deadlines (node images, version support).
const NOW: &str = "2026-12-01T00:00:00Z";

fn json_report(snapshot: &Snapshot) -> String {
    let settings = Settings { now: NOW.parse().unwrap(), ..Settings::default() };
    let report = audit::run(snapshot, rules::ALL, &settings);
    let style = Style { show: Show::All, ..Style::default() };
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    report::render(&report, Format::Json, &style).replacen(&version, "\"version\": \"VERSION\"", 1)
}

fn check(name: &str, snapshot: &Snapshot) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.json"));
    let actual = json_report(snapshot);
    if std::env::var_os("AKSGUARD_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; write it with AKSGUARD_BLESS=1", path.display()));
    if actual != expected {
        let line = actual.lines().zip(expected.lines()).position(|(a, e)| a != e).unwrap_or(0);
        panic!(
            "{} differs from the report, first at line {}:\n  golden: {}\n  actual: {}\n\
             review the change, then AKSGUARD_BLESS=1 cargo test --test golden",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn insecure_demo_json_report() {
    check("demo-insecure", &demo::load("insecure").unwrap());
}

#[test]
fn hardened_demo_json_report() {
    check("demo-hardened", &demo::load("hardened").unwrap());
}

/// Relative to the package root (where cargo runs tests), so the report's `source` is the same
/// on every machine.
#[test]
fn insecure_cluster_with_kubernetes_access_only_json_report() {
    let kubectl = std::path::PathBuf::from("fixtures/inputs/contoso-insecure/kubectl-get.json");
    let collected = collect::from_files(&[], &[], &[kubectl], &[]).unwrap();
    check("kubernetes-only-insecure", &collected.snapshot);
}
