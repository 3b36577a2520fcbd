//! Fills a [`Snapshot`](crate::snapshot::Snapshot) from a source: the embedded demo clusters, a
//! saved snapshot file, raw `az`/`kubectl` JSON files, or live (`live`) from the AKS management API
//! (`arm`) and the Kubernetes API (`kube`).

pub mod arm;
pub mod az_files;
mod chunks;
pub mod demo;
pub mod http;
mod indentation;
pub mod input;
pub mod kube;
pub mod kubectl_files;
mod kubectl_parallel;
mod kubectl_stream;
pub mod live;
pub mod snapshot_file;
pub mod tls;

use crate::snapshot::Snapshot;
use std::path::PathBuf;

/// The kubeconfig context and its API server URL: what ARM discovery matches the managed
/// clusters' FQDNs against (read on the Kubernetes side, used on the ARM side).
pub struct KubeServer {
    pub context: String,
    pub server: String,
}

/// A snapshot plus notes for the user (printed on stderr), such as an empty kubectl List.
pub struct Collected {
    pub snapshot: Snapshot,
    pub notes: Vec<String>,
}

/// Builds a snapshot from `--from-az` and `--from-kubectl` files.
pub fn from_files(
    az: &[PathBuf],
    az_lists: &[az_files::AzList],
    kubectl: &[PathBuf],
    complete_kinds: &[kubectl_files::Kind],
) -> anyhow::Result<Collected> {
    let names: Vec<String> = az.iter().chain(kubectl).map(|p| p.display().to_string()).collect();
    let mut snapshot = Snapshot::empty(format!("files: {}", names.join(", ")), "not provided");
    let mut notes = Vec::new();
    az_files::read_into(az, az_lists, &mut snapshot, &mut notes)?;
    kubectl_files::read_into(kubectl, complete_kinds, &mut snapshot, &mut notes)?;
    Ok(Collected { snapshot, notes })
}
