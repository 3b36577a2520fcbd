//! `node-pool-version-skew`: every node pool and every node runs the control plane's minor version.

use super::kube_version::{Minor, control_plane_version, pool_version};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Node;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "node-pool-version-skew",
    title: "Node pools and nodes run the control plane's Kubernetes minor version",
    severity: Severity::Medium,
    area: Area::UpgradesAndPatching,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::NODES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Kubernetes version skew policy: a kubelet may not be newer than kube-apiserver",
        "Microsoft Learn: Upgrade the node pools of an AKS cluster (az aks nodepool upgrade)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The control plane's minor version (`currentKubernetesVersion` from ARM) against:
- every agent pool (`currentOrchestratorVersion`, else `orchestratorVersion`), and
- the kubelet version every Kubernetes node reports (`status.nodeInfo.kubeletVersion`).
A pool or node on another minor fails. Kubernetes-only, the control plane version is unknown,
but a kubelet is never newer than the API server: nodes older than the newest kubelet fail
(inferred), and nodes that all agree are unknown (needs ARM access).

## Why it matters
A control plane upgrade does not upgrade the node pools. Pools left behind keep the older
kubelet and container runtime with their unpatched vulnerabilities, drift towards the edge of
the supported skew, and block the next control plane upgrade (AKS refuses to move the control
plane more than the supported skew ahead of its nodes).

## How to fix

    az aks nodepool upgrade -g RG --cluster-name NAME -n POOL --kubernetes-version <control plane version>
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return kubernetes_only(ctx, missing),
    };
    let resource = ctx.cluster_resource();
    let Some(version) = control_plane_version(cluster) else {
        return Ok(vec![RULE.unknown(resource, "the managed cluster reports no Kubernetes version")]);
    };
    let Some(control_plane) = Minor::parse(version) else {
        return Ok(vec![RULE.unknown(resource, format!("cannot read the control plane version {version:?}"))]);
    };
    let cp_evidence = Evidence::arm_document("currentKubernetesVersion", format!("control plane: {version}"));
    let mut findings = Vec::new();
    let mut agreeing = Vec::new();
    for pool in &cluster.properties.agent_pool_profiles {
        let name = pool.name.as_deref().unwrap_or("<pool>");
        let pool_resource = ctx.pool_resource(name);
        match pool_version(pool).map(|v| (v, Minor::parse(v))) {
            Some((v, Some(minor))) if minor == control_plane => {
                agreeing.push(Evidence::arm(format!("pool {name}: {v}")))
            }
            Some((v, Some(_))) => findings.push(
                RULE.fail(pool_resource, format!("agent pool {name} runs {v}, the control plane {version}"))
                    .with_evidence(cp_evidence.clone())
                    .with_evidence(Evidence::arm(format!("agentPoolProfiles[{name}].currentOrchestratorVersion = {v}")))
                    .with_remediation(upgrade(ctx, name, version)),
            ),
            _ => {
                findings.push(RULE.unknown(pool_resource, format!("agent pool {name}: no readable Kubernetes version")))
            }
        }
    }
    match ctx.nodes() {
        Ok(nodes) => {
            let (skewed, same): (Vec<&Node>, Vec<&Node>) =
                nodes.iter().partition(|node| kubelet_minor(node).is_some_and(|m| m != control_plane));
            findings.extend(skewed.iter().map(|node| node_finding(ctx, node, version, &cp_evidence)));
            findings.extend(nodes.iter().filter(|n| kubelet_minor(n).is_none()).map(|node| {
                RULE.unknown(
                    Resource::cluster_scoped("Node", &node.metadata.name),
                    "the node reports no readable kubelet version",
                )
            }));
            let same = same.iter().filter(|n| kubelet_minor(n).is_some()).count();
            agreeing.push(Evidence::kubernetes(format!("{same} node(s) with kubelet {control_plane}.x")));
        }
        Err(missing) => findings.push(RULE.unknown(
            resource.clone(),
            format!("the pools were compared, but not the kubelets on the nodes: {missing}"),
        )),
    }
    if findings.is_empty() {
        let pass = RULE.pass(resource, format!("every pool and node runs the control plane's minor, {control_plane}"));
        return Ok(vec![agreeing.into_iter().fold(pass.with_evidence(cp_evidence), |f, e| f.with_evidence(e))]);
    }
    Ok(findings)
}

fn kubelet_minor(node: &Node) -> Option<Minor> {
    node.status.node_info.kubelet_version.as_deref().and_then(Minor::parse)
}

fn node_finding(ctx: &Context, node: &Node, version: &str, cp_evidence: &Evidence) -> Finding {
    let kubelet = node.status.node_info.kubelet_version.as_deref().unwrap_or("?");
    let name = &node.metadata.name;
    RULE.fail(
        Resource::cluster_scoped("Node", name),
        format!("node {name} runs kubelet {kubelet}, the control plane {version}"),
    )
    .with_evidence(cp_evidence.clone())
    .with_evidence(Evidence::kubernetes(format!("status.nodeInfo.kubeletVersion = {kubelet}")))
    .with_remediation(upgrade(ctx, node.agent_pool().unwrap_or("<pool>"), version))
}

fn upgrade(ctx: &Context, pool: &str, version: &str) -> String {
    ctx.az_aks_nodepool("upgrade", pool, &format!("--kubernetes-version {version}"))
}

/// No ARM: the API server is at least as new as the newest kubelet, so older nodes are skewed.
fn kubernetes_only(ctx: &Context, missing: Missing) -> Result<Vec<Finding>, Missing> {
    let nodes = ctx.nodes().map_err(|_| missing.clone())?;
    let Some(newest) = nodes.iter().filter_map(kubelet_minor).max() else {
        return Err(missing);
    };
    let inferred = Evidence::detail(
        Source::InferredFromKubernetes,
        format!("inferred: the control plane is at least {newest} (a kubelet is never newer than the API server)"),
    );
    let older: Vec<Finding> = nodes
        .iter()
        .filter(|node| kubelet_minor(node).is_some_and(|m| m < newest))
        .map(|node| {
            let kubelet = node.status.node_info.kubelet_version.as_deref().unwrap_or("?");
            RULE.fail(
                Resource::cluster_scoped("Node", &node.metadata.name),
                format!("node {} runs kubelet {kubelet}, older than other nodes' {newest}", node.metadata.name),
            )
            .with_evidence(Evidence::kubernetes(format!("status.nodeInfo.kubeletVersion = {kubelet}")))
            .with_evidence(inferred.clone())
            .with_remediation(upgrade(
                ctx,
                node.agent_pool().unwrap_or("<pool>"),
                &format!("<control plane version, {newest} or newer>"),
            ))
        })
        .collect();
    if older.is_empty() {
        return Ok(vec![RULE.unknown(
            ctx.cluster_resource(),
            format!(
                "every node runs kubelet {newest}.x; comparing it with the control plane needs ARM access ({missing})"
            ),
        )]);
    }
    Ok(older)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn nodes(kubelets: &[&str]) -> Part<Vec<Node>> {
        Part::Collected(
            kubelets
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    k8s(json!({"metadata": {"name": format!("n{i}"), "labels": {"kubernetes.azure.com/agentpool": "pool1"}},
                               "status": {"nodeInfo": {"kubeletVersion": v}}}))
                })
                .collect(),
        )
    }

    fn cluster(pools: serde_json::Value) -> Snapshot {
        with_cluster(json!({"properties": {"currentKubernetesVersion": "1.36.4", "agentPoolProfiles": pools}}))
    }

    #[test]
    fn pools_and_nodes_on_the_control_plane_minor_pass() {
        let mut snapshot = cluster(json!([{"name": "pool1", "currentOrchestratorVersion": "1.36.3"}]));
        snapshot.kubernetes.nodes = nodes(&["v1.36.3", "v1.36.4"]);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Pass);
    }

    #[test]
    fn every_skewed_pool_and_node_fails() {
        let mut snapshot = cluster(json!([
            {"name": "pool1", "currentOrchestratorVersion": "1.36.4"},
            {"name": "pool2", "orchestratorVersion": "1.35.7"}
        ]));
        snapshot.kubernetes.nodes = nodes(&["v1.36.4", "v1.35.7"]);
        let findings = run(&RULE, &snapshot);
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing.len(), 2, "{findings:#?}");
        assert!(failing[0].ends_with("/agentPools/pool2"));
        assert_eq!(failing[1], "Node/n1");
        let fix = findings[0].remediation.as_deref().unwrap();
        assert_eq!(fix, "az aks nodepool upgrade -g rg1 --cluster-name aks1 -n pool2 --kubernetes-version 1.36.4");
    }

    #[test]
    fn without_nodes_the_kubelets_are_unknown_never_pass() {
        let snapshot = cluster(json!([{"name": "pool1", "currentOrchestratorVersion": "1.36.4"}]));
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Unknown);
        assert!(findings[0].message.contains("kubernetes/nodes"));
    }

    #[test]
    fn kubernetes_only_infers_from_the_newest_kubelet() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.nodes = nodes(&["v1.36.4", "v1.36.4"]);
        let finding = &run(&RULE, &snapshot)[0];
        assert_eq!(finding.status, Status::Unknown);
        assert!(finding.message.contains("needs ARM access"), "{}", finding.message);

        snapshot.kubernetes.nodes = nodes(&["v1.36.4", "v1.34.2"]);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Fail, "Node/n1"));
        assert!(findings[0].evidence.iter().any(|e| e.source == crate::finding::Source::InferredFromKubernetes));
        assert_eq!(findings[0].confidence, crate::finding::Confidence::Medium);
    }

    #[test]
    fn no_data_is_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("test", "not provided"))[0].status, Status::Unknown);
    }
}
