//! The fleet's clusters, live: one paged Resource Graph query over the chosen scope, each row
//! read as a [`FleetCluster`] and filtered as it arrives; then, per cluster, the ARM reads
//! Resource Graph lacks.

use super::args::{ReadArgs, SelectArgs};
use super::cluster::FleetCluster;
use super::joined::Given;
use super::kubernetes::{Access, KubernetesSide, Own};
use super::select::Filters;
use crate::collect::arm::client::Arm;
use crate::collect::arm::resource_graph::{self as arg, Graph, Scope};
use crate::collect::arm::target::ClusterId;
use crate::collect::arm::{credential, read_around, target};
use crate::collect::http::Policy;
use crate::snapshot::{Part, Snapshot};
use anyhow::{Result, anyhow};
use std::collections::HashSet;

/// The clusters in scope, sorted by lowercased id, and the warnings about completeness.
pub struct Fleet {
    pub clusters: Vec<FleetCluster>,
    pub warnings: Vec<String>,
    pub outcome: arg::Outcome,
}

pub fn filters(select: &SelectArgs) -> Filters {
    Filters {
        resource_groups: select.resource_groups.clone(),
        tags: select.tags.clone(),
        names: select.clusters.clone(),
        shard: select.shard,
    }
}

pub fn scope(select: &SelectArgs) -> Scope {
    match (&select.subscriptions[..], &select.management_groups[..]) {
        ([], []) => Scope::Tenant,
        ([], groups) => Scope::ManagementGroups(groups.to_vec()),
        (ids, _) => Scope::Subscriptions(ids.to_vec()),
    }
}

/// The clients a live fleet run uses: Resource Graph, ARM (for the per-cluster reads Resource
/// Graph lacks, unless `--resource-graph-only`, and for `listClusterUserCredential`), and the
/// way to each cluster's Kubernetes API (`None` with `--skip-kubernetes`).
pub struct Clients {
    pub graph: Graph,
    pub arm: Arm,
    /// `false` with `--resource-graph-only`.
    pub arm_reads: bool,
    pub kubernetes: Option<KubernetesSide>,
}

impl Clients {
    /// ARM for the per-cluster reads, unless `--resource-graph-only`.
    pub fn arm_reads(&self) -> Option<&Arm> {
        self.arm_reads.then_some(&self.arm)
    }
}

/// The clients, with the credential the chain picks.
pub async fn connect(select: &SelectArgs, read: &ReadArgs) -> Result<Clients> {
    // Before any HTTPS client is built: azure_identity's and ours.
    crate::collect::tls::use_aws_lc_rs();
    // The Azure CLI signs in to the tenant of a subscription; any of the fleet's will do.
    let subscription =
        target::subscription(select.subscriptions.first().map(String::as_str), read.timeout).await.unwrap_or_default();
    let credential = credential::choose(read.auth, read.cloud, &subscription).map_err(anyhow::Error::msg)?;
    let token = || credential.token(read.cloud, read.timeout);
    let endpoint = read.arm_endpoint.as_deref().unwrap_or(read.cloud.arm_endpoint());
    let graph = Graph::new(endpoint, token().await.map_err(anyhow::Error::msg)?, Policy::new(read.timeout))
        .map_err(anyhow::Error::msg)?;
    let arm = Arm::new(endpoint, &credential, token().await.map_err(anyhow::Error::msg)?, Policy::new(read.timeout))?;
    let access = match (read.skip_kubernetes, read.kubeconfig_contexts) {
        (true, _) => None,
        (false, true) => Some(Access::Contexts(super::kubernetes::Contexts::read(read.kubeconfig.clone())?)),
        (false, false) => Some(Access::Own(Own::new(credential))),
    };
    let kubernetes =
        access.map(|access| KubernetesSide { access, timeout: read.timeout, deadline: read.cluster_deadline });
    Ok(Clients { graph, arm, arm_reads: !read.resource_graph_only, kubernetes })
}

/// The clusters in scope, from one paged query.
pub async fn read(graph: &Graph, select: &SelectArgs) -> Result<Fleet> {
    let filters = filters(select);
    let mut clusters = Vec::new();
    let mut warnings = Vec::new();
    let outcome =
        arg::query_all(graph, &scope(select), arg::CLUSTERS_QUERY, |row| match FleetCluster::from_row(&row) {
            Ok(cluster) => {
                if let Some(cluster) = keep(cluster, &filters) {
                    clusters.push(cluster);
                }
            }
            Err(why) => warnings.push(why),
        })
        .await
        .map_err(|err| anyhow!("{err}"))?;
    warnings.extend(outcome.warnings.iter().cloned());
    Ok(Fleet { clusters: sorted(clusters, &mut warnings), warnings: dedup(warnings), outcome })
}

/// The fleet subscriptions' Defender for Containers plans in one paged Resource Graph query
/// instead of one ARM read per subscription: each subscription's row goes through the same
/// parsing as ARM's answer. A subscription Resource Graph has no plan for, or a query that fails,
/// is read from ARM as before (a debug line says why). Returns the (lowercased) subscriptions it
/// had a plan for, `None` when the query failed: where Resource Graph shows the plan, it shows
/// the subscription's other Defender rows too (see `joined`).
pub async fn defender_plans(clients: &Clients, clusters: &[FleetCluster]) -> Option<HashSet<String>> {
    let mut subscriptions: Vec<String> = clusters.iter().map(|c| c.subscription.to_ascii_lowercase()).collect();
    subscriptions.sort();
    subscriptions.dedup();
    if subscriptions.is_empty() {
        return Some(HashSet::new());
    }
    let mut plans: std::collections::BTreeMap<String, serde_json::Value> = Default::default();
    let scope = Scope::Subscriptions(subscriptions.clone());
    let outcome = arg::query_all(&clients.graph, &scope, arg::DEFENDER_PLANS_QUERY, |row| {
        let id = row.get("id").and_then(serde_json::Value::as_str).unwrap_or_default().to_ascii_lowercase();
        // The subscription's own plan: `/subscriptions/S/providers/microsoft.security/pricings/containers`.
        let subscription = id.strip_prefix("/subscriptions/").and_then(|rest| rest.split_once('/'));
        if let Some((subscription, "providers/microsoft.security/pricings/containers")) = subscription {
            plans.insert(subscription.to_string(), row);
        }
    })
    .await;
    if let Err(err) = outcome {
        tracing::debug!(error = %err, "the Defender plans were not read from Resource Graph; ARM is read per subscription");
        return None;
    }
    let seen = plans.keys().cloned().collect();
    if let Some(arm) = clients.arm_reads() {
        let read = &crate::collect::arm::reads::DEFENDER_PRICING;
        for (subscription, plan) in plans {
            crate::collect::arm::seed_subscription_read(arm, read, &subscription, vec![plan]);
        }
    }
    Some(seen)
}

/// The cluster's snapshot: the managed cluster from its row, the Defender and Policy parts
/// Resource Graph gave (`given`) and, with an ARM client, the rest read from ARM (maintenance
/// configurations, upgrade profiles, Defender plan, diagnostic settings, the region's versions,
/// and what `given` lacks). A refused token stops the fleet; any other failure is that part's
/// reason.
pub async fn snapshot(arm: Option<&Arm>, cluster: &FleetCluster, given: Given) -> Result<Snapshot> {
    let mut snapshot = cluster.snapshot();
    let Ok(managed) = &cluster.cluster else { return Ok(snapshot) };
    if let Some(arm) = arm {
        read_arm(arm, cluster, managed, &given.sources(), &mut snapshot).await?;
    }
    given.fill(&mut snapshot.azure, arm.is_some());
    Ok(snapshot)
}

/// The cluster's snapshot with its Kubernetes side too (unless `--skip-kubernetes`); the
/// `String` says why the Kubernetes side is unknown.
pub async fn snapshot_with_kubernetes(
    clients: &Clients,
    cluster: &FleetCluster,
    given: Given,
) -> Result<(Snapshot, Option<String>)> {
    let mut snapshot = snapshot(clients.arm_reads(), cluster, given).await?;
    let Some(kubernetes) = &clients.kubernetes else { return Ok((snapshot, None)) };
    if cluster.unreadable().is_some() {
        return Ok((snapshot, None));
    }
    match kubernetes.read(&clients.arm, cluster).await? {
        Ok(state) => {
            snapshot.kubernetes = state;
            Ok((snapshot, None))
        }
        Err(why) => {
            snapshot.kubernetes = crate::snapshot::KubernetesState::unavailable(&why);
            Ok((snapshot, Some(why)))
        }
    }
}

/// Every cluster's snapshot, handed to `on` in id order: a batch of clusters at a time, its
/// Defender and Policy rows read from Resource Graph first, then its clusters, `parallel` in
/// flight, each handed over as soon as it and those before it are read. Returns the fleet's
/// warnings with those of the batches' queries.
pub async fn each_snapshot(
    clients: &Clients,
    fleet: &Fleet,
    parallel: usize,
    mut on: impl FnMut(&FleetCluster, Snapshot, Option<String>) -> Result<()>,
) -> Result<Vec<String>> {
    use futures::StreamExt as _;
    let defender_seen = defender_plans(clients, &fleet.clusters).await;
    let mut warnings = fleet.warnings.clone();
    for batch in super::joined::batches(&fleet.clusters) {
        let rows =
            super::joined::read(&clients.graph, batch, defender_seen.clone(), clients.kubernetes.is_some()).await;
        warnings.extend(rows.warnings());
        let rows = &rows;
        let mut snapshots =
            futures::stream::iter(batch)
                .map(|cluster| async move {
                    (cluster, snapshot_with_kubernetes(clients, cluster, rows.given(cluster)).await)
                })
                .buffered(parallel);
        while let Some((cluster, snapshot)) = snapshots.next().await {
            let (snapshot, kubernetes_unknown) = snapshot?;
            on(cluster, snapshot, kubernetes_unknown)?;
        }
    }
    Ok(dedup(warnings))
}

async fn read_arm(
    arm: &Arm,
    cluster: &FleetCluster,
    managed: &crate::snapshot::arm::ManagedCluster,
    given: &[&str],
    snapshot: &mut Snapshot,
) -> Result<()> {
    match ClusterId::new(&cluster.subscription, &cluster.resource_group, &cluster.name) {
        Ok(id) => {
            let azure =
                read_around(arm, &id, Part::Collected(managed.clone()), given).await.map_err(|r| arm.refused(&r))?;
            snapshot.azure = azure;
        }
        Err(why) => {
            let reason = format!("not read: {why}");
            let cluster = std::mem::replace(&mut snapshot.azure.managed_cluster, Part::unavailable(""));
            snapshot.azure = crate::snapshot::AzureState::unavailable(&reason);
            snapshot.azure.managed_cluster = cluster;
        }
    }
    Ok(())
}

/// The cluster if the filters keep it. A cluster whose tags cannot be read is kept, as not
/// read, when a tag filter must decide: it is never silently dropped.
pub fn keep(mut cluster: FleetCluster, filters: &Filters) -> Option<FleetCluster> {
    let tags = match &cluster.tags {
        Ok(tags) => tags.clone(),
        Err(why) if !filters.tags.is_empty() => {
            cluster.cluster =
                Err(format!("its tags cannot be read ({why}), so --tag cannot tell whether it is in scope"));
            Default::default()
        }
        Err(_) => Default::default(),
    };
    let unfiltered = Filters { tags: Vec::new(), ..filters.clone() };
    let in_scope = match cluster.unreadable().is_some() && cluster.tags.is_err() {
        true => unfiltered.keeps(&cluster.key(), &cluster.name, &cluster.resource_group, &tags),
        false => filters.keeps(&cluster.key(), &cluster.name, &cluster.resource_group, &tags),
    };
    in_scope.then_some(cluster)
}

/// Sorted by lowercased id, each cluster once.
pub fn sorted(mut clusters: Vec<FleetCluster>, warnings: &mut Vec<String>) -> Vec<FleetCluster> {
    clusters.sort_by_key(FleetCluster::key);
    let before = clusters.len();
    clusters.dedup_by(|a, b| a.key() == b.key());
    if clusters.len() != before {
        warnings
            .push(format!("Resource Graph returned {} clusters twice; each is audited once", before - clusters.len()));
    }
    clusters
}

pub fn dedup(warnings: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    for warning in warnings {
        if !seen.contains(&warning) {
            seen.push(warning);
        }
    }
    seen
}
