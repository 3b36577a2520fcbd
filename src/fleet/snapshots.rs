//! `aksguard fleet snapshot -o DIR/` writes one snapshot file per cluster plus `index.json`
//! (what Resource Graph said about each cluster: where it lives, its tags, the properties its row
//! lacked, why it or its Kubernetes side could not be read); `fleet audit --snapshots DIR/` audits
//! them offline with the same filters and shards. The Kubernetes side is read as `fleet` reads it
//! (the clusters' own credentials, `--kubeconfig-contexts`, or none with `--skip-kubernetes`). Files are written as each cluster is read, never all held at once.

use super::args::{FleetSnapshotArgs, SelectArgs};
use super::cluster::FleetCluster;
use super::live;
use super::summary::ToolInfo;
use crate::snapshot::arm::ManagedCluster;
use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const INDEX: &str = "index.json";
const KIND: &str = "aksguard-fleet-snapshots";
const MAX_INDEX: u64 = 512 << 20;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    schema_version: u32,
    kind: String,
    tool: ToolInfo,
    clusters: Vec<IndexEntry>,
    warnings: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexEntry {
    id: String,
    name: String,
    subscription: String,
    resource_group: String,
    location: Option<String>,
    /// `null` when Resource Graph's tags could not be read.
    tags: Option<BTreeMap<String, String>>,
    absent: Vec<String>,
    not_read: Option<String>,
    /// Why the cluster's Kubernetes side is unknown, when it was asked for and could not be read
    /// (absent from indexes written before it existed).
    #[serde(default)]
    kubernetes_not_read: Option<String>,
    /// The snapshot file, in the directory.
    file: String,
}

pub fn write(args: FleetSnapshotArgs) -> Result<u8> {
    let dir = &args.output;
    prepare(dir)?;
    let parallel = usize::from(args.read.parallel);
    let (warnings, entries) = crate::collect::live::run(async {
        let clients = live::connect(&args.select, &args.read).await?;
        let fleet = live::read(&clients.graph, &args.select).await?;
        let mut entries = Vec::with_capacity(fleet.clusters.len());
        let warnings = live::each_snapshot(&clients, &fleet, parallel, |cluster, snapshot, kubernetes_not_read| {
            entries.push(write_one(dir, cluster, &snapshot, kubernetes_not_read)?);
            Ok(())
        })
        .await?;
        Ok((warnings, entries))
    })?;
    finish(dir, warnings, entries)
}

/// One cluster's snapshot file, and its index entry.
fn write_one(
    dir: &Path,
    cluster: &FleetCluster,
    snapshot: &crate::snapshot::Snapshot,
    kubernetes_not_read: Option<String>,
) -> Result<IndexEntry> {
    {
        let file = file_name(cluster);
        let text = crate::collect::snapshot_file::to_json(snapshot);
        std::fs::write(dir.join(&file), text).with_context(|| format!("cannot write {}", dir.join(&file).display()))?;
        Ok(IndexEntry {
            id: cluster.id.clone(),
            name: cluster.name.clone(),
            subscription: cluster.subscription.clone(),
            resource_group: cluster.resource_group.clone(),
            location: cluster.location.clone(),
            tags: cluster.tags.as_ref().ok().cloned(),
            absent: cluster.absent.clone(),
            not_read: cluster.unreadable().map(str::to_string),
            kubernetes_not_read,
            file,
        })
    }
}

fn finish(dir: &Path, warnings: Vec<String>, entries: Vec<IndexEntry>) -> Result<u8> {
    let index =
        Index { schema_version: 1, kind: KIND.to_string(), tool: ToolInfo::this(), clusters: entries, warnings };
    let text = serde_json::to_string_pretty(&index).expect("the index serialises") + "\n";
    std::fs::write(dir.join(INDEX), text).with_context(|| format!("cannot write {}", dir.join(INDEX).display()))?;
    for warning in &index.warnings {
        eprintln!("warning: {}", super::render::clean(warning));
    }
    eprintln!("wrote {} cluster snapshots and {INDEX} to {}", index.clusters.len(), dir.display());
    Ok(0)
}

/// The directory, created when missing; one with files in it is refused, so that an old
/// cluster's snapshot cannot be audited as part of this fleet.
fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .map_err(|err| anyhow::anyhow!("cannot read {}: {err}; pass a directory for -o", dir.display()))?;
        if entries.next().is_some() {
            bail!("{} is not empty; pass a new or empty directory for -o", dir.display());
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|err| anyhow::anyhow!("cannot create {}: {err}; check the path", dir.display()))
}

/// `aks-prod-1a2b3c4d5e6f7a8b.json`: the name (safe characters only) and a hash of the id, so two
/// clusters of one name in two resource groups never share a file.
fn file_name(cluster: &FleetCluster) -> String {
    let safe: String =
        cluster.name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).take(63).collect();
    let hash =
        cluster.key().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{safe}-{hash:016x}.json")
}

/// The clusters of the snapshot directory that the selection keeps, each with its file and why
/// its Kubernetes side is unknown, if it is.
pub struct Offline {
    pub clusters: Vec<(FleetCluster, PathBuf, Option<String>)>,
    pub warnings: Vec<String>,
}

pub fn read_index(dir: &Path, select: &SelectArgs) -> Result<Offline> {
    if !select.management_groups.is_empty() {
        bail!(
            "--management-group cannot select from snapshots (the index does not record management groups); use --subscription"
        );
    }
    let path = dir.join(INDEX);
    let file = crate::collect::input::open(&path, "--snapshots")?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) > MAX_INDEX {
        bail!(
            "{} is larger than {} MiB; pass the directory `aksguard fleet snapshot -o DIR` wrote",
            path.display(),
            MAX_INDEX >> 20
        );
    }
    let index: Index = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|err| {
        anyhow::anyhow!(
            "{} is not a fleet snapshot index ({err}); pass the directory `aksguard fleet snapshot -o DIR` wrote",
            path.display()
        )
    })?;
    if index.kind != KIND || index.schema_version != 1 {
        bail!(
            "{} is not a fleet snapshot index of schema 1; pass the directory `aksguard fleet snapshot -o DIR` wrote",
            path.display()
        );
    }
    let filters = live::filters(select);
    let mut clusters = Vec::new();
    for entry in index.clusters {
        if Path::new(&entry.file).file_name().and_then(|n| n.to_str()) != Some(entry.file.as_str())
            || entry.file == INDEX
        {
            bail!(
                "{} names the file '{}', which is not a snapshot in that directory",
                path.display(),
                entry.file.escape_debug()
            );
        }
        let in_subscriptions = select.subscriptions.is_empty()
            || select.subscriptions.iter().any(|s| s.eq_ignore_ascii_case(&entry.subscription));
        let cluster = FleetCluster {
            id: entry.id,
            name: entry.name,
            subscription: entry.subscription,
            resource_group: entry.resource_group,
            location: entry.location,
            tags: entry.tags.ok_or_else(|| "Resource Graph's tags could not be read".to_string()),
            // The managed cluster itself is in the snapshot file; this only says whether it was read.
            cluster: entry.not_read.map_or(Ok(ManagedCluster::default()), Err),
            absent: entry.absent,
        };
        if let Some(cluster) = live::keep(cluster, &filters).filter(|_| in_subscriptions) {
            clusters.push((cluster, dir.join(&entry.file), entry.kubernetes_not_read));
        }
    }
    clusters.sort_by_key(|(cluster, _, _)| cluster.key());
    Ok(Offline { clusters, warnings: index.warnings })
}
