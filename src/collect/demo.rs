//! The embedded demo clusters (`--demo NAME`), modelled on the Contoso AKS hardening challenge:
//! `insecure` is the cluster as found, `hardened` the same cluster after the hardening steps.

use super::snapshot_file;
use crate::snapshot::Snapshot;
use anyhow::{Result, bail};
use std::path::Path;

pub const DEMOS: &[(&str, &str)] = &[
    ("insecure", include_str!("../../fixtures/demo/insecure.json")),
    ("hardened", include_str!("../../fixtures/demo/hardened.json")),
];

pub fn names() -> Vec<&'static str> {
    DEMOS.iter().map(|(name, _)| *name).collect()
}

pub fn load(name: &str) -> Result<Snapshot> {
    let Some((_, text)) = DEMOS.iter().find(|(demo, _)| *demo == name) else {
        bail!("unknown demo '{name}': choose one of {}", names().join(", "));
    };
    snapshot_file::parse(Path::new(&format!("fixtures/demo/{name}.json")), text)
}
