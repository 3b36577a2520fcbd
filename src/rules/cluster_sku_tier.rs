//! `cluster-sku-tier`: a cluster big enough to matter has the uptime SLA of the Standard tier.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "cluster-sku-tier",
    title: "Clusters with more than 3 nodes use the Standard (or Premium) tier",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::NODES],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Free, Standard and Premium pricing tiers for AKS cluster management (uptime SLA)"],
    check,
};

const DOCS: &str = "\
## What it checks
Reads `sku.tier` from the managed cluster (absent means `Free`, the AKS default) and counts the
nodes: the sum of the agent pools' `count`, or the Kubernetes nodes when a pool has no count.
The `Free` tier fails on a cluster with more than 3 nodes; `Standard` and `Premium` pass, and
so does `Free` on a small (dev/test) cluster.

## Why it matters
The Free tier has no financially backed uptime SLA for the API server and is sized for small
clusters. Upgrades, node image rollouts and security patching all go through the control plane:
on a busy cluster a throttled or unavailable API server stalls them, and nobody is accountable.

## How to fix

    az aks update -g RG -n NAME --tier standard
";

/// Above this many nodes the Free tier is not meant for the cluster.
const FREE_TIER_MAX_NODES: u32 = 3;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let resource = ctx.cluster_resource();
    let tier = cluster.sku.as_ref().and_then(|sku| sku.tier.clone());
    let tier_evidence = match &tier {
        Some(tier) => Evidence::arm(format!("sku.tier = \"{tier}\"")),
        None => Evidence::arm("sku.tier is absent: the AKS default, Free"),
    };
    let tier = tier.unwrap_or_else(|| "Free".to_string());
    if !tier.eq_ignore_ascii_case("free") {
        return Ok(vec![
            RULE.pass(resource, format!("the {tier} tier gives the API server an uptime SLA"))
                .with_evidence(tier_evidence),
        ]);
    }
    let Some((nodes, count_evidence)) = node_count(ctx) else {
        return Ok(vec![
            RULE.unknown(
                resource,
                "Free tier, and the node count is unknown: the agent pools have no count and the nodes were not read",
            )
            .with_evidence(tier_evidence),
        ]);
    };
    let finding = if nodes > FREE_TIER_MAX_NODES {
        RULE.fail(resource, format!("the Free tier (no uptime SLA) runs a {nodes}-node cluster"))
            .with_remediation(ctx.az_aks_update("--tier standard"))
    } else {
        RULE.pass(resource, format!("Free tier on a {nodes}-node cluster: acceptable for dev/test"))
    };
    Ok(vec![finding.with_evidence(tier_evidence).with_evidence(count_evidence)])
}

/// The number of nodes: from the pools' counts (ARM), else from the nodes (Kubernetes).
fn node_count(ctx: &Context) -> Option<(u32, Evidence)> {
    let pools = &ctx.cluster().ok()?.properties.agent_pool_profiles;
    let counts: Option<Vec<u32>> = pools.iter().map(|pool| pool.count).collect();
    match counts {
        Some(counts) if !pools.is_empty() => {
            let total = counts.iter().sum();
            Some((
                total,
                Evidence::arm_document(
                    "agentPoolProfiles[].count",
                    format!("{total} nodes in {} agent pool(s)", pools.len()),
                ),
            ))
        }
        _ => {
            let nodes = ctx.nodes().ok()?.len() as u32;
            Some((nodes, Evidence::kubernetes(format!("{nodes} nodes"))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, only, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn cluster(tier: Option<&str>, counts: &[u32]) -> Snapshot {
        let pools: Vec<_> =
            counts.iter().enumerate().map(|(i, n)| json!({"name": format!("pool{i}"), "count": n})).collect();
        let mut doc = json!({"properties": {"agentPoolProfiles": pools}});
        if let Some(tier) = tier {
            doc["sku"] = json!({"name": "Base", "tier": tier});
        }
        with_cluster(doc)
    }

    #[test]
    fn free_tier_on_more_than_three_nodes_fails_with_the_fix() {
        let finding = only(&RULE, &cluster(Some("Free"), &[3, 2]));
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("5-node"), "{}", finding.message);
        assert_eq!(finding.remediation.as_deref(), Some("az aks update -g rg1 -n aks1 --tier standard"));
    }

    #[test]
    fn absent_sku_is_the_free_default() {
        let finding = only(&RULE, &cluster(None, &[4]));
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.evidence[0].contains("AKS default"));
    }

    #[test]
    fn standard_premium_and_small_free_clusters_pass() {
        assert_eq!(only(&RULE, &cluster(Some("Standard"), &[10])).status, Status::Pass);
        assert_eq!(only(&RULE, &cluster(Some("Premium"), &[10])).status, Status::Pass);
        assert_eq!(only(&RULE, &cluster(Some("Free"), &[3])).status, Status::Pass);
    }

    #[test]
    fn without_pool_counts_the_nodes_are_counted_or_it_is_unknown() {
        let mut snapshot =
            with_cluster(json!({"sku": {"tier": "Free"}, "properties": {"agentPoolProfiles": [{"name": "p"}]}}));
        assert_eq!(only(&RULE, &snapshot).status, Status::Unknown, "no counts, no nodes");
        let node = |name: &str| k8s(json!({"metadata": {"name": name}}));
        snapshot.kubernetes.nodes = Part::Collected(vec![node("a"), node("b"), node("c"), node("d")]);
        assert_eq!(only(&RULE, &snapshot).status, Status::Fail);
    }

    #[test]
    fn kubernetes_only_is_unknown() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.nodes = Part::Collected(vec![]);
        let finding = only(&RULE, &snapshot);
        assert_eq!(finding.status, Status::Unknown);
        assert!(finding.message.contains("arm/managedCluster"), "{}", finding.message);
    }
}
