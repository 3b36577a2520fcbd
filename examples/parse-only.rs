//! The baseline of the benchmark (`bench/run.sh`): the cost of only reading and parsing the input
//! JSON, to compare with a whole `aksguard audit` run.
//!
//! ```sh
//! cargo run --release --example parse-only -- MODE FILE...
//! ```
//!
//! | MODE | what it does with each file |
//! |---|---|
//! | `ignored` | reads it into memory and checks it is JSON (`serde::de::IgnoredAny`): the floor |
//! | `value` | reads it and parses it into a `serde_json::Value`, the way a naive tool would |
//! | `snapshot` | aksguard's own input path: the files become the snapshot, and no rule runs |
//!
//! In `snapshot` mode the first file is read with `--from-az` when its name contains `/az/`, as
//! `gen-cluster` lays them out; every other file with `--from-kubectl`.

use serde::de::IgnoredAny;
use std::path::PathBuf;
use std::process::ExitCode;

/// The allocator `aksguard` itself uses, so `snapshot` mode costs what the audit's reading does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let result = match mode.as_str() {
        "ignored" => each_file(&files, |text| serde_json::from_slice::<IgnoredAny>(text).map(|_| 0)),
        "value" => {
            each_file(&files, |text| serde_json::from_slice::<serde_json::Value>(text).map(|v| v.is_object() as usize))
        }
        "snapshot" => snapshot(&files),
        _ => Err("usage: parse-only ignored|value|snapshot FILE...".to_string()),
    };
    match result {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Reads each file and parses its bytes (the fastest way serde_json offers: no separate UTF-8 pass).
fn each_file(files: &[PathBuf], parse: impl Fn(&[u8]) -> serde_json::Result<usize>) -> Result<String, String> {
    let mut bytes = 0;
    for file in files {
        let text = std::fs::read(file).map_err(|err| format!("{}: {err}", file.display()))?;
        parse(&text).map_err(|err| format!("{}: {err}", file.display()))?;
        bytes += text.len();
    }
    Ok(format!("parsed {} files, {bytes} bytes", files.len()))
}

fn snapshot(files: &[PathBuf]) -> Result<String, String> {
    let (az, kubectl): (Vec<PathBuf>, Vec<PathBuf>) =
        files.iter().cloned().partition(|file| file.to_string_lossy().contains("/az/"));
    let collected = aksguard::collect::from_files(&az, &[], &kubectl, &[]).map_err(|err| format!("{err:#}"))?;
    let pods = collected.snapshot.kubernetes.pods.collected().map_or(0, Vec::len);
    // As `aksguard audit` does: the process ends here, so the snapshot is not freed piece by piece.
    std::mem::forget(collected);
    Ok(format!("read {} files into a snapshot with {pods} pods", files.len()))
}
