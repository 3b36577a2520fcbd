//! Snapshot files written by `aksguard snapshot --output-file FILE`.

use super::input::invalid_json;
use crate::snapshot::{SCHEMA_VERSION, Snapshot, UNREADABLE_DATA};
use crate::text_file::FileKind;
use anyhow::{Result, bail};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::path::Path;

/// Snapshots keep only what rules read: 100,000 pods make about 100 MiB.
const FILE: FileKind = FileKind {
    what: "--snapshot file",
    max_bytes: 1024 * 1024 * 1024,
    hint: "pass a file written by `aksguard snapshot --output-file FILE`",
};

pub fn read(path: &Path) -> Result<Snapshot> {
    let text = crate::text_file::read(path, FILE)?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
    /// What the top level says the file is, read before the whole snapshot.
    #[derive(Deserialize)]
    struct Probe {
        schema_version: Option<u32>,
        findings: Option<IgnoredAny>,
    }
    let hint = FILE.hint;
    match text.trim_start().as_bytes().first() {
        Some(b'{') | None => {}
        Some(b'[') => bail!("{} is a JSON array, not an aksguard snapshot (a JSON object); {hint}", path.display()),
        Some(_) => bail!("{} is not an aksguard snapshot (a JSON object); {hint}", path.display()),
    }
    let version: Probe = crate::strict_json::from_str(text).map_err(|err| invalid_json(path, &err, hint))?;
    if version.findings.is_some() {
        bail!(
            "{} is an aksguard report, not a snapshot; audit it again from its inputs, or write a snapshot with `aksguard snapshot --output-file FILE`",
            path.display()
        );
    }
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
    let mut snapshot: Snapshot = crate::strict_json::from_str(text)
        .map_err(|err| anyhow::anyhow!("{} is not a valid aksguard snapshot ({err}); {hint}", path.display()))?;
    complete_unreadable(path, &mut snapshot);
    Ok(snapshot)
}

/// A part whose data was not of its model is unknown: its reason gets the file and the part's
/// place (`not readable: s.json: kubernetes.pods.data[3].spec: …`), and stderr a warning.
fn complete_unreadable(path: &Path, snapshot: &mut Snapshot) {
    let file = crate::redact::excerpt(&path.display().to_string(), 200);
    let azure = snapshot.azure.reasons_mut().into_iter().map(|reason| ("azure", reason));
    let kubernetes = snapshot.kubernetes.reasons_mut().into_iter().map(|reason| ("kubernetes", reason));
    for (section, (field, source, reason)) in azure.chain(kubernetes) {
        if let Some(rest) = reason.strip_prefix(UNREADABLE_DATA) {
            *reason = format!("not readable: {file}: {section}.{field}.data{rest}");
            super::input::warn_unreadable(reason, source);
        }
    }
}

/// The snapshot as pretty JSON, ending in a newline.
pub fn to_json(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(snapshot).expect("a snapshot always serialises");
    text.push('\n');
    text
}
