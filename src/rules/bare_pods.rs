//! `bare-pods`: every pod is managed by a controller that replaces it.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "bare-pods",
    title: "No bare pods (every pod has a controller)",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/deployment-safeguards",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &["Azure Policy: Kubernetes cluster should not use naked pods (65280eef-c8b4-425e-9aec-af55e55bf581)"],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod must have an owner (`metadata.ownerReferences`: a ReplicaSet, StatefulSet,
DaemonSet, Job, or a custom controller); a pod created on its own fails, as the built-in
65280eef would deny it. Static (mirror) pods are owned by their Node and pass. System namespaces
go to the platform-managed group.

## Why it matters
A bare pod is not recreated when its node fails or is drained for an upgrade, is not rolled out
through a reviewed template, and escapes the controls (image policy, replicas, disruption
budgets) that apply to managed workloads. It is also how a quick `kubectl run` debugging session
with extra privileges stays behind unnoticed.

## How to fix
Delete the pod if it was temporary, or run it as a Deployment (or Job):

    kubectl -n NAMESPACE create deployment NAME --image=IMAGE
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "is a bare pod, with no controller",
        problems,
        fix: "run it as a Deployment or Job, or delete it if it was temporary",
        reads: PodFields::Whole,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    match pod.metadata.owner_references.is_empty() {
        true => vec![format!("pod \"{}\" has no ownerReferences", pod.metadata.name)],
        false => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, pod_in, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn a_pod_without_owner_fails_owned_pods_pass() {
        let bare = serde_json::to_value(pod_in("shop", "debug")).unwrap();
        let findings = run(&RULE, &with_pods(json!([bare])));
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Fail, "Pod/shop/debug"));
        let owned = json!([deployment_pod("shop", "web", json!({"name": "web"}))]);
        assert_eq!(run(&RULE, &with_pods(owned))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
