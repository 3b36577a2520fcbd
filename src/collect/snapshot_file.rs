//! Snapshot files written by `aksguard snapshot --output-file FILE`.

use super::input::{invalid_json, read_text};
use crate::snapshot::{SCHEMA_VERSION, Snapshot};
use anyhow::{Result, bail};
use serde::Deserialize;
use std::path::Path;

pub fn read(path: &Path) -> Result<Snapshot> {
    let text = read_text(path, "--snapshot")?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: Option<u32>,
    }
    let hint = "pass a file written by `aksguard snapshot --output-file FILE`";
    let version: Version = serde_json::from_str(text).map_err(|err| invalid_json(path, &err, hint))?;
    match version.schema_version {
        None => bail!(
            "{} is not an aksguard snapshot (no schema_version); {hint}, or raw az/kubectl output with --from-az/--from-kubectl",
            path.display()
        ),
        Some(v) if v > SCHEMA_VERSION => {
            bail!(
                "{} has snapshot schema_version {v}, newer than this aksguard reads ({SCHEMA_VERSION}); upgrade aksguard",
                path.display()
            )
        }
        Some(v) if v < SCHEMA_VERSION => bail!(
            "{} has snapshot schema_version {v}, which this aksguard no longer reads ({SCHEMA_VERSION}); take the snapshot again",
            path.display()
        ),
        Some(_) => {}
    }
    serde_json::from_str(text)
        .map_err(|err| anyhow::anyhow!("{} is not a valid aksguard snapshot ({err}); {hint}", path.display()))
}

/// The snapshot as pretty JSON, ending in a newline.
pub fn to_json(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(snapshot).expect("a snapshot always serialises");
    text.push('\n');
    text
}
