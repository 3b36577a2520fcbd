//! Live collection: the AKS management (ARM) API first — its failures that stop the run (no
//! credentials, no such cluster) come fast — then the Kubernetes API, in one async runtime.

use super::{Collected, arm, kube};
use crate::snapshot::{AzureState, SCHEMA_VERSION, Snapshot};
use anyhow::{Context as _, Result};

#[derive(Debug, Clone)]
pub struct Options {
    pub kube: kube::Options,
    pub arm: arm::Options,
}

/// What a live run read, and from where on the ARM side (`None` with `--skip-azure`).
pub struct Live {
    pub collected: Collected,
    pub arm: Option<arm::Resolved>,
}

/// Collects a snapshot from the cluster `options` point at.
pub fn collect(options: &Options) -> Result<Collected> {
    Ok(run(collect_async(options))?.collected)
}

/// Runs `work` on a one-thread runtime: the requests mostly wait on the network, so more worker
/// threads would only idle.
pub fn run<T>(work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    crate::allocator::give_back_freed_memory_at_once();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(work)
}

/// Each collector returns its own part; this is where they become one snapshot.
pub async fn collect_async(options: &Options) -> Result<Live> {
    let mut azure = AzureState::unavailable(arm::SKIPPED);
    let resolved = read_arm(options, &mut azure).await?;
    let kubernetes = kube::collect(&options.kube).await?;
    let snapshot =
        Snapshot { schema_version: SCHEMA_VERSION, source: kubernetes.source, azure, kubernetes: kubernetes.state };
    let mut collected = Collected { snapshot, notes: Vec::new() };
    if let Some(resolved) = &resolved {
        let cluster = &resolved.cluster;
        collected.snapshot.source.push_str(&format!(
            "; ARM: {} (resource group {}, subscription {})",
            cluster.name, cluster.resource_group, cluster.subscription
        ));
        collected.notes.extend(resolved.discovered.clone());
        if resolved.discovered.is_none() && !options.kube.skip_kubernetes {
            collected.notes.extend(mismatch(options, &collected.snapshot.azure).await);
        }
    }
    Ok(Live { collected, arm: resolved })
}

/// Reads the ARM parts into `azure`, finding the cluster from the kubeconfig when `-g`/`-n`
/// are not given; `None` with `--skip-azure` (the parts say so).
pub async fn read_arm(options: &Options, azure: &mut AzureState) -> Result<Option<arm::Resolved>> {
    if options.arm.skip {
        arm::skip(azure, arm::SKIPPED);
        return Ok(None);
    }
    let kube_server = match options.arm.cluster {
        Some(_) => None,
        None => Some(kube::server(&options.kube).await?),
    };
    Ok(Some(arm::collect(&options.arm, kube_server, azure).await?))
}

/// With `-g`/`-n`, the kubeconfig context may be another cluster's, and the audit would mix two
/// clusters: say so when the context's API server is none of the named cluster's FQDNs. (A
/// private cluster reached through a DNS name of its own can trip this; hence a note.)
async fn mismatch(options: &Options, azure: &AzureState) -> Option<String> {
    let cluster = azure.managed_cluster.collected()?;
    let kube = kube::server(&options.kube).await.ok()?;
    let host = arm::target::host_of(&kube.server);
    (!arm::target::serves(cluster, &host)).then(|| {
        format!(
            "the API server {host} of context '{}' is not an FQDN of ARM cluster {}; check that --context and -g/-n name the same cluster",
            kube.context,
            cluster.name.as_deref().unwrap_or("?")
        )
    })
}
