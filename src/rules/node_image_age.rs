//! `node-image-age`: node pools run the newest node image, so OS security patches are applied.

use super::clock::{days_between, utc_date};
use super::node_image::NodeImage;
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity, Source};
use crate::snapshot::arm::{AgentPoolProfile, AgentPoolUpgradeProfile};
use crate::snapshot::kube::{NODE_IMAGE_LABEL, Node};
use crate::snapshot::source;
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "node-image-age",
    title: "Node pools run the latest node image",
    severity: Severity::Medium,
    area: Area::UpgradesAndPatching,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::AGENT_POOL_UPGRADE_PROFILES, source::NODES],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Upgrade Azure Kubernetes Service (AKS) node images"],
    check,
};

const DOCS: &str = "\
## What it checks
With ARM access, every agent pool's `nodeImageVersion` against the `latestNodeImageVersion` of
its upgrade profile (`az aks nodepool get-upgrades`): an older image fails.
Kubernetes-only, the node label `kubernetes.azure.com/node-image-version` of every node, grouped
by agent pool: an image built more than 30 days before the audit fails (inferred from the build
date in the version; the newest image available needs ARM access).
Every AKS format is read: `AKSUbuntu-2204gen2containerd-202411.12.0`,
`AKSAzureLinux-V3gen2-202609.15.0`, the legacy `AKSUbuntu:1604:2020.03.11` and Windows
`AKSWindows-2022-containerd-20348.2762.241009`. A version that cannot be read is unknown.

## Why it matters
Node images carry the node's operating system: kernel, container runtime, OpenSSL. AKS
publishes patched images weekly; a pool on an old image runs with every OS vulnerability fixed
since, even when its Kubernetes version is current.

## How to fix

    az aks nodepool upgrade -g RG --cluster-name NAME -n POOL --node-image-only

and let AKS keep it current: `az aks update -g RG -n NAME --node-os-upgrade-channel NodeImage`.
";

/// Kubernetes-only: an image built longer ago than this is missing patches.
const MAX_AGE_DAYS: i64 = 30;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let arm = ctx.cluster().and_then(|cluster| ctx.agent_pool_upgrade_profiles().map(|profiles| (cluster, profiles)));
    match arm {
        Ok((_, profiles)) => ctx.each_agent_pool(&RULE, |pool| judge_pool(ctx, pool, profiles)),
        Err(missing) => match ctx.nodes() {
            Ok(nodes) => Ok(from_node_labels(ctx, nodes, &missing)),
            Err(_) => Err(missing),
        },
    }
}

fn judge_pool(ctx: &Context, pool: &AgentPoolProfile, profiles: &[AgentPoolUpgradeProfile]) -> Finding {
    let name = pool.name.as_deref().unwrap_or("<pool>");
    let resource = ctx.pool_resource(name);
    let latest = profiles
        .iter()
        .find(|p| p.pool().is_some_and(|p| p.eq_ignore_ascii_case(name)))
        .and_then(|p| p.properties.latest_node_image_version.as_deref());
    let (Some(current), Some(latest)) = (pool.node_image_version.as_deref(), latest) else {
        return RULE.unknown(
            resource,
            format!("agent pool {name}: its nodeImageVersion or its upgrade profile's latestNodeImageVersion is missing (pass `az aks nodepool get-upgrades -n {name}`)"),
        );
    };
    let evidence = [
        Evidence::arm(format!("agentPoolProfiles[{name}].nodeImageVersion = {current}")),
        Evidence::arm(format!("agentPools/{name}/upgradeProfiles/default latestNodeImageVersion = {latest}")),
    ];
    let finding = match (NodeImage::parse(current), NodeImage::parse(latest)) {
        _ if current == latest => RULE.pass(resource.clone(), format!("agent pool {name} runs the latest node image")),
        (Some(image), Some(newest)) if image.age_order(&newest) == Ordering::Less => RULE
            .fail(
                resource.clone(),
                format!(
                    "agent pool {name} runs a node image built {}, {} days older than the latest ({}): OS patches are missing",
                    image.built,
                    days_between(image.built, newest.built),
                    newest.built
                ),
            )
            .with_remediation(ctx.az_aks_nodepool("upgrade", name, "--node-image-only")),
        (Some(_), Some(_)) => RULE.pass(resource.clone(), format!("agent pool {name} runs the latest node image")),
        _ => RULE.unknown(resource.clone(), format!("agent pool {name}: cannot read the node image version {current:?} or {latest:?}")),
    };
    evidence.into_iter().fold(finding, Finding::with_evidence)
}

/// Kubernetes-only: the build date in each node's image label, per agent pool.
fn from_node_labels(ctx: &Context, nodes: &[Node], missing: &Missing) -> Vec<Finding> {
    if nodes.is_empty() {
        return vec![RULE.unknown(ctx.cluster_resource(), format!("no nodes were listed, and {missing}"))];
    }
    let mut pools: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for node in nodes {
        pools.entry(node.agent_pool().unwrap_or("(no agent pool label)")).or_default().push(node);
    }
    let today = utc_date(ctx.now());
    pools.into_iter().map(|(pool, nodes)| judge_labels(ctx, pool, &nodes, today, missing)).collect()
}

fn judge_labels(ctx: &Context, pool: &str, nodes: &[&Node], today: jiff::civil::Date, missing: &Missing) -> Finding {
    let resource = ctx.pool_resource(pool);
    let labels: Vec<(&str, Option<&str>)> =
        nodes.iter().map(|n| (n.metadata.name.as_str(), n.label(NODE_IMAGE_LABEL))).collect();
    let mut images = Vec::new();
    for (node, label) in &labels {
        match label.and_then(NodeImage::parse) {
            Some(image) => images.push((label.unwrap_or_default(), image)),
            None => {
                return RULE.unknown(
                    resource,
                    format!("node {node}: cannot read its {NODE_IMAGE_LABEL} label ({})", label.unwrap_or("absent")),
                );
            }
        }
    }
    let (version, oldest) = images.iter().min_by(|a, b| a.1.age_order(&b.1)).expect("a pool has nodes");
    let age = days_between(oldest.built, today);
    let finding = if age > MAX_AGE_DAYS {
        RULE.fail(
            resource.clone(),
            format!(
                "agent pool {pool} runs a node image built {} ({age} days ago): OS patches are missing",
                oldest.built
            ),
        )
        .with_remediation(ctx.az_aks_nodepool("upgrade", pool, "--node-image-only"))
    } else {
        RULE.pass(resource.clone(), format!("agent pool {pool} runs a node image built {age} days ago"))
    };
    finding
        .with_evidence(Evidence::kubernetes(format!("{NODE_IMAGE_LABEL} = {version} on {} node(s) of the pool", nodes.len())))
        .with_evidence(Evidence::detail(Source::InferredFromKubernetes, format!(
            "inferred from the build date, judged against {today} (over {MAX_AGE_DAYS} days fails); comparing with the latest image needs ARM access ({} is unavailable)",
            missing.source
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run, run_at, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    const OLD: &str = "AKSUbuntu-2204gen2containerd-202409.23.0";
    const LATEST: &str = "AKSUbuntu-2204gen2containerd-202611.03.0";

    fn profile(pool: &str, latest: &str) -> AgentPoolUpgradeProfile {
        AgentPoolUpgradeProfile::from_document(&json!({
            "id": format!("/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1/agentPools/{pool}/upgradeProfiles/default"),
            "properties": {"latestNodeImageVersion": latest}
        }))
        .unwrap()
    }

    fn arm(current: &[(&str, &str)], latest: &str) -> Snapshot {
        let pools: Vec<_> =
            current.iter().map(|(name, image)| json!({"name": name, "nodeImageVersion": image})).collect();
        let mut snapshot = with_cluster(json!({"properties": {"agentPoolProfiles": pools}}));
        snapshot.azure.agent_pool_upgrade_profiles =
            Part::Collected(current.iter().map(|(name, _)| profile(name, latest)).collect());
        snapshot
    }

    fn labelled(images: &[(&str, &str)]) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.nodes = Part::Collected(
            images
                .iter()
                .enumerate()
                .map(|(i, (pool, image))| {
                    k8s(json!({"metadata": {"name": format!("n{i}"), "labels": {"kubernetes.azure.com/agentpool": pool, NODE_IMAGE_LABEL: image}}}))
                })
                .collect(),
        );
        snapshot
    }

    #[test]
    fn with_arm_each_pool_is_compared_with_its_latest_image() {
        let findings = run(&RULE, &arm(&[("system", LATEST), ("user", OLD)], LATEST));
        assert_eq!(findings[0].status, Status::Pass);
        assert_eq!(findings[1].status, Status::Fail);
        assert!(findings[1].message.contains("771 days older"), "{}", findings[1].message);
        assert_eq!(
            findings[1].remediation.as_deref(),
            Some("az aks nodepool upgrade -g rg1 --cluster-name aks1 -n user --node-image-only")
        );
    }

    #[test]
    fn legacy_and_windows_formats_are_compared_too() {
        assert_eq!(
            run(&RULE, &arm(&[("p", "AKSUbuntu:1604:2020.03.11")], "AKSUbuntu:1604:2020.05.13"))[0].status,
            Status::Fail
        );
        let windows = arm(
            &[("win", "AKSWindows-2022-containerd-20348.2762.241009")],
            "AKSWindows-2022-containerd-20348.2849.241106",
        );
        assert_eq!(run(&RULE, &windows)[0].status, Status::Fail);
    }

    #[test]
    fn unreadable_versions_and_missing_profiles_are_unknown() {
        assert_eq!(run(&RULE, &arm(&[("p", "custom-image")], LATEST))[0].status, Status::Unknown);
        let mut snapshot = arm(&[("p", OLD)], LATEST);
        snapshot.azure.agent_pool_upgrade_profiles = Part::Collected(vec![]);
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
    }

    #[test]
    fn kubernetes_only_uses_the_build_date_in_the_node_label() {
        let snapshot = labelled(&[
            ("pool1", "AKSAzureLinux-V3gen2-202611.03.0"),
            ("pool2", "AKSUbuntu-2204gen2containerd-202609.15.0"),
        ]);
        let findings = run_at(&RULE, &snapshot, "2026-11-24T08:00:00Z");
        assert_eq!(findings[0].status, Status::Pass, "21 days old");
        assert_eq!(findings[1].status, Status::Fail, "70 days old");
        assert!(
            findings[1]
                .evidence
                .iter()
                .any(|e| e.source == crate::finding::Source::InferredFromKubernetes && e.contains("needs ARM access"))
        );
        assert_eq!(findings[1].confidence, crate::finding::Confidence::Medium);
    }

    #[test]
    fn kubernetes_only_unreadable_label_is_unknown() {
        let findings = run_at(&RULE, &labelled(&[("pool1", "not-a-version")]), "2026-11-24T08:00:00Z");
        assert_eq!(findings[0].status, Status::Unknown);
    }

    #[test]
    fn nothing_to_read_is_unknown() {
        let finding = &run(&RULE, &Snapshot::empty("test", "not provided"))[0];
        assert_eq!(finding.status, Status::Unknown);
    }
}
