//! The bytes `aksguard snapshot` writes, pinned: a change to the snapshot's JSON form is always a
//! visible diff of `tests/golden/` (and, if incompatible, a `schema_version` bump).
//!
//! To accept an intended change: `AKSGUARD_BLESS=1 cargo test --test golden_snapshot`, then review the diff.

use std::path::Path;
use std::process::Command;

fn check(args: &[&str], golden: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard")).args(args).output().expect("the binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(golden);
    if std::env::var_os("AKSGUARD_BLESS").is_some() {
        std::fs::write(&path, &output.stdout).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert!(
        output.stdout == expected,
        "`aksguard {}` no longer writes {} byte for byte; if the change is meant, bless it (see tests/golden.rs)",
        args.join(" "),
        path.display()
    );
}

#[test]
fn the_insecure_demo_snapshot_is_written_byte_for_byte() {
    check(&["snapshot", "--demo", "insecure"], "snapshot-demo-insecure.json");
}

#[test]
fn the_hardened_demo_snapshot_is_written_byte_for_byte() {
    check(&["snapshot", "--demo", "hardened"], "snapshot-demo-hardened.json");
}
