//! The JSON report of each demo cluster, compared byte for byte with `tests/golden/`, so that any
//! change to the report format or to a verdict shows as a diff in review.
//!
//! The audit's clock is fixed and the tool version replaced by a placeholder, so the files only
//! change when the report does. After an intended change, rewrite them and review the diff:
//!
//!     UPDATE_GOLDEN=1 cargo test --test golden

use aksguard::audit::{self, Show};
use aksguard::collect::demo;
use aksguard::report::{self, Format, Style};
use aksguard::rules::{self, Settings};
use std::path::Path;

/// A fixed "now" for rules that judge ages and deadlines (node images, version support).
const NOW: &str = "2026-12-01T00:00:00Z";

fn json_report(demo_name: &str) -> String {
    let snapshot = demo::load(demo_name).unwrap();
    let settings = Settings { now: NOW.parse().unwrap(), ..Settings::default() };
    let report = audit::run(&snapshot, rules::ALL, &settings);
    let style = Style { show: Show::All, colour: false, width: 120 };
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    report::render(&report, Format::Json, style).replacen(&version, "\"version\": \"VERSION\"", 1)
}

fn check(demo_name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/demo-{demo_name}.json"));
    let actual = json_report(demo_name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; write it with UPDATE_GOLDEN=1", path.display()));
    if actual != expected {
        let line = actual.lines().zip(expected.lines()).position(|(a, e)| a != e).unwrap_or(0);
        panic!(
            "{} differs from the report, first at line {}:\n  golden: {}\n  actual: {}\n\
             review the change, then UPDATE_GOLDEN=1 cargo test --test golden",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn insecure_demo_json_report() {
    check("insecure");
}

#[test]
fn hardened_demo_json_report() {
    check("hardened");
}
