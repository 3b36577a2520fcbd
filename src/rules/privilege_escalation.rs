//! `privilege-escalation`: containers cannot gain privileges and do not run as root.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "privilege-escalation",
    title: "Containers cannot escalate privileges or run as root",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.2.5", "4.6.2"],
    references: &[
        "Azure Policy: Kubernetes clusters should not allow container privilege escalation (1c6e92c9-99f0-4e55-9cf2-0c234dc48f99)",
        "Azure Policy: Kubernetes cluster pods and containers should only run with approved user and group IDs (f06ddb64-5fa3-4b77-b166-acb36f7f6042)",
        "Azure Policy (mutation): [Preview]: Sets Privilege escalation in the Pod spec in init containers to false. (4ee3ee6a-96ea-4d25-9c00-17f11d2e02c8)",
        "Azure Policy (mutation): [Preview]: Sets Privilege escalation in the Pod spec to false. (d77df159-718b-4aca-b94b-8e8890a98231)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod: `allowPrivilegeEscalation` must be `false`, and the
container must not run as root: `runAsNonRoot: true` (on the container or the pod) and no
`runAsUser: 0`. Pods are grouped by workload; system namespaces go to the platform-managed group.

Azure Policy 1c6e92c9 fails a container that does not set `allowPrivilegeEscalation: false`,
as aksguard does. Running as root is the user half of f06ddb64, reported in full (user and group
IDs) by `approved-user-group-ids`.

## Why it matters
`allowPrivilegeEscalation` defaults to true: a setuid binary in the image can make the process
root. A process that is root inside the container is one kernel or runtime bug away from root on
the node, and can modify everything in its own filesystem.

## How to fix
In the pod template set `securityContext.runAsNonRoot: true` (and a non-zero `runAsUser`) for the
pod, and `allowPrivilegeEscalation: false` for each container; rebuild images that need root to
run as a regular user.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "can escalate privileges or runs as root",
        problems,
        fix: "set allowPrivilegeEscalation: false on each container and runAsNonRoot: true on the pod",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let pod_context = pod.spec.security_context.clone().unwrap_or_default();
    let mut found = Vec::new();
    for container in pod.all_containers() {
        let context = container.security_context.clone().unwrap_or_default();
        let name = &container.name;
        if context.allow_privilege_escalation != Some(false) {
            found.push(format!("container \"{name}\" does not set allowPrivilegeEscalation: false"));
        }
        if context.run_as_user.or(pod_context.run_as_user) == Some(0) {
            found.push(format!("container \"{name}\" runs as user 0 (root)"));
        } else if context.run_as_non_root.or(pod_context.run_as_non_root) != Some(true) {
            found.push(format!("container \"{name}\" may run as root (no runAsNonRoot: true)"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn escalation_and_root_fail() {
        let pods = json!([
            deployment_pod("shop", "web", json!({"name": "c"})),
            deployment_pod(
                "shop",
                "root",
                json!({"name": "c", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "runAsUser": 0}})
            ),
        ]);
        let findings = run(&RULE, &with_pods(pods));
        let root = findings.iter().find(|f| f.resource == "Deployment/shop/root").unwrap();
        assert_eq!(root.evidence[1].as_str(), "container \"c\" runs as user 0 (root)");
        assert_eq!(root.evidence.len(), 2);
        let web = findings.iter().find(|f| f.resource == "Deployment/shop/web").unwrap();
        assert_eq!(web.evidence.len(), 3, "{:?}", web.evidence);
    }

    #[test]
    fn pod_level_run_as_non_root_counts() {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": false}}]}, "status": {"phase": "Running"}});
        let findings = run(&RULE, &with_pods(json!([pod])));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
