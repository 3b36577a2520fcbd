//! `azure-cni`: the cluster's pod network is Azure CNI (not kubenet).

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "azure-cni",
    title: "The cluster uses Azure CNI networking",
    severity: Severity::Low,
    area: Area::Network,
    help_uri: "https://learn.microsoft.com/azure/aks/concepts-network-cni-overview",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Azure Kubernetes Clusters should use Azure CNI (46238e2f-3f6f-4589-9f3f-77bed4116e67)",
        "Microsoft Learn: Upgrade Azure CNI (kubenet retirement)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
`networkProfile.networkPlugin` on the managed cluster must be `azure` (in any mode: overlay,
pod subnet, or with the Cilium dataplane). `kubenet` fails, and so does `none` (bring your own
CNI), as the built-in 46238e2f does; a cluster running its own Cilium by choice can waive it.
A cluster without a network profile in the ARM data is `unknown`. Needs ARM access.

## Why it matters
kubenet is retired on AKS and gets no new features; network policies on it need Calico and
route tables, and several security features (Cilium network policies, Azure network policy
manager, Windows node pools, pod-level network security) need Azure CNI.

## How to fix
Migrate in place to Azure CNI Overlay:

    az aks update -g RG -n NAME --network-plugin azure --network-plugin-mode overlay
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let resource = ctx.cluster_resource();
    let network = ctx.cluster()?.properties.network_profile.as_ref();
    let Some(plugin) = network.and_then(|n| n.network_plugin.as_deref()) else {
        return Ok(vec![RULE.unknown(resource, "ARM returned no networkProfile.networkPlugin")]);
    };
    let mode = network.and_then(|n| n.network_plugin_mode.as_deref());
    let evidence = Evidence::arm(format!("properties.networkProfile.networkPlugin = {plugin:?}"));
    let finding = match plugin.eq_ignore_ascii_case("azure") {
        true => RULE.pass(resource, format!("Azure CNI{}", mode.map(|m| format!(" ({m})")).unwrap_or_default())),
        false => RULE
            .fail(resource, format!("the network plugin is {plugin}, not Azure CNI"))
            .with_remediation(ctx.az_aks_update("--network-plugin azure --network-plugin-mode overlay")),
    };
    Ok(vec![finding.with_evidence(evidence)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn status(network: serde_json::Value) -> Status {
        only(&RULE, &with_cluster(json!({"properties": {"networkProfile": network}}))).status
    }

    #[test]
    fn azure_passes_kubenet_and_none_fail() {
        assert_eq!(status(json!({"networkPlugin": "azure", "networkPluginMode": "overlay"})), Status::Pass);
        assert_eq!(status(json!({"networkPlugin": "kubenet"})), Status::Fail);
        assert_eq!(status(json!({"networkPlugin": "none"})), Status::Fail);
    }

    #[test]
    fn no_plugin_or_no_cluster_is_unknown() {
        assert_eq!(status(json!({})), Status::Unknown);
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
