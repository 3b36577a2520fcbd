//! `pod-anti-affinity`: the replicas of a workload are spread over nodes, so one node failing or
//! draining does not take them all.

use super::workloads::{WorkloadRef, pod_names};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "pod-anti-affinity",
    title: "Multi-replica workloads set pod anti-affinity or topology spread",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/deployment-safeguards",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Must Have Anti Affinity Rules or Topology Spread Constraints Set (34c88cd4-5d72-4dbb-bf77-12c3cafe8791)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every Deployment, StatefulSet and ReplicaSet with two or more running pods: each pod must have
`affinity.podAntiAffinity` terms (required or preferred) or `topologySpreadConstraints`, as the
AKS Deployment Safeguards' 34c88cd4 demands of workloads with more than one replica. The replica
count is the number of running pods aksguard sees (the workload objects themselves are not
read), so a Deployment scaled to one is not judged. DaemonSets (one pod per node by
construction), Jobs and bare pods are not judged. System namespaces go to the platform-managed
group.

## Why it matters
Without spreading, the scheduler may place every replica on the same node: the node failing, or
being drained for an upgrade, then stops the whole workload at once, and the redundancy the
replicas were meant to give is not there.

## How to fix
Add to the pod template, with the workload's own labels:

    topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels: {app: NAME}
";

/// Kinds whose pods are interchangeable replicas.
const REPLICATED: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let groups = ctx.running_workloads()?;
    let mut findings = Vec::new();
    let mut judged = 0;
    for (workload, pods) in groups.iter().filter(|(w, pods)| REPLICATED.contains(&w.kind) && pods.len() > 1) {
        let system = ctx.is_system_namespace(workload.namespace);
        judged += usize::from(!system);
        if pods.iter().any(|pod| !spreads(pod)) {
            findings.push(fail(workload, pods, system));
        }
    }
    if !findings.iter().any(|f| !f.platform_managed) {
        let message =
            format!("all {judged} multi-replica workloads outside system namespaces spread their replicas over nodes");
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every running pod")),
        );
    }
    Ok(findings)
}

fn spreads(pod: &Pod) -> bool {
    let anti_affinity = pod.spec.affinity.as_deref().and_then(|a| a.pod_anti_affinity.as_ref());
    anti_affinity.is_some_and(|a| a.has_terms()) || !pod.spec.topology_spread_constraints.is_empty()
}

fn fail(workload: &WorkloadRef, pods: &[&Pod], platform: bool) -> Finding {
    let (kind, namespace, name) = (workload.kind, workload.namespace, workload.name);
    let finding = RULE
        .fail(
            Resource::namespaced(kind, namespace, name),
            format!("{kind} {namespace}/{name} runs {} replicas without anti-affinity or topology spread", pods.len()),
        )
        .with_evidence(Evidence::kubernetes(format!("pods {}", pod_names(pods))))
        .with_evidence(Evidence::detail(
            Source::Kubernetes,
            "no affinity.podAntiAffinity terms and no topologySpreadConstraints",
        ))
        .platform_managed(platform);
    match platform {
        true => finding,
        false => finding.with_remediation(format!(
            "kubectl -n {namespace} edit {}/{name}  # add topologySpreadConstraints (topologyKey kubernetes.io/hostname) to the pod template",
            kind.to_ascii_lowercase()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn replicas(count: usize, spec_extra: serde_json::Value) -> serde_json::Value {
        let pods: Vec<serde_json::Value> = (0..count)
            .map(|i| {
                let mut pod = deployment_pod("shop", "web", json!({"name": "web"}));
                pod["metadata"]["name"] = json!(format!("web-5d8f-{i}"));
                for (key, value) in spec_extra.as_object().unwrap() {
                    pod["spec"][key] = value.clone();
                }
                pod
            })
            .collect();
        json!(pods)
    }

    #[test]
    fn replicas_without_spreading_fail() {
        let findings = run(&RULE, &with_pods(replicas(3, json!({}))));
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Fail, "Deployment/shop/web"));
        assert!(findings[0].message.contains("3 replicas"));
        assert!(findings[0].remediation.as_deref().unwrap().starts_with("kubectl -n shop edit deployment/web"));
    }

    #[test]
    fn spread_or_anti_affinity_passes_and_single_replicas_are_not_judged() {
        let spread = json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}]});
        assert_eq!(run(&RULE, &with_pods(replicas(2, spread)))[0].status, Status::Pass);
        let anti = json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {}}]}}});
        assert_eq!(run(&RULE, &with_pods(replicas(2, anti)))[0].status, Status::Pass);
        let empty = json!({"affinity": {"podAntiAffinity": {}}});
        assert_eq!(run(&RULE, &with_pods(replicas(2, empty)))[0].status, Status::Fail);
        assert_eq!(run(&RULE, &with_pods(replicas(1, json!({}))))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
