//! `privileged-containers`: no container runs privileged or adds the capabilities that amount to it.

use super::workload_check::WorkloadCheck;
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "privileged-containers",
    title: "No privileged containers",
    severity: Severity::High,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.2.1"],
    references: &[
        "Azure Policy: Kubernetes cluster should not allow privileged containers (95edb821-ddaf-4404-9ab7-b5e48dd6d8e0)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod's containers (init and ephemeral included): `securityContext.privileged: true`,
or added capabilities `SYS_ADMIN`, `NET_ADMIN` or `ALL`, fail. Pods are grouped by the workload
that owns them. Workloads in system namespaces are reported in the platform-managed group.

## Why it matters
A privileged container has every capability and access to the host's devices: escaping to the
node, and from there to every pod on it, is a matter of commands. `SYS_ADMIN` is nearly the same.

## How to fix
Remove `privileged: true` and the added capabilities from the workload's pod template; grant the
one narrow capability the process needs, if any. Enforce it with the `baseline` or `restricted`
Pod Security Standard (`aksguard explain pod-security-labels`).
";

/// Capabilities that make a container as good as privileged.
const DANGEROUS_CAPABILITIES: &[&str] = &["SYS_ADMIN", "NET_ADMIN", "ALL"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs privileged containers",
        problems,
        fix: "remove securityContext.privileged and capabilities.add SYS_ADMIN/NET_ADMIN/ALL",
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    for container in pod.all_containers() {
        let Some(context) = &container.security_context else { continue };
        if context.privileged == Some(true) {
            found.push(format!("container \"{}\" is privileged", container.name));
        }
        let added = context.capabilities.iter().flat_map(|caps| &caps.add);
        for capability in added {
            let name = capability.to_ascii_uppercase();
            if DANGEROUS_CAPABILITIES.contains(&name.trim_start_matches("CAP_")) {
                found.push(format!("container \"{}\" adds capability {capability}", container.name));
            }
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
    fn privileged_or_sys_admin_fails_one_finding_per_workload() {
        let pods = json!([
            deployment_pod("shop", "web", json!({"name": "nginx", "securityContext": {"privileged": true}})),
            deployment_pod(
                "shop",
                "tools",
                json!({"name": "t", "securityContext": {"capabilities": {"add": ["CAP_SYS_ADMIN"]}}})
            ),
            deployment_pod(
                "shop",
                "ok",
                json!({"name": "o", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}})
            ),
        ]);
        let findings = run(&RULE, &with_pods(pods));
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Deployment/shop/tools", "Deployment/shop/web"]);
        assert!(findings[1].evidence.iter().any(|e| e.contains("\"nginx\" is privileged")));
        assert_eq!(
            findings[1].remediation.as_deref().unwrap().lines().next().unwrap().split("  #").next(),
            Some("kubectl -n shop edit deployment/web")
        );
    }

    #[test]
    fn system_namespaces_are_platform_managed_and_the_rule_still_passes() {
        let pods = json!([{"metadata": {"name": "kube-proxy-x", "namespace": "kube-system",
            "ownerReferences": [{"kind": "DaemonSet", "name": "kube-proxy", "controller": true}]},
            "spec": {"containers": [{"name": "kube-proxy", "securityContext": {"privileged": true}}]}, "status": {"phase": "Running"}}]);
        let findings = run(&RULE, &with_pods(pods));
        assert_eq!(findings.len(), 2);
        assert!(findings[0].platform_managed && findings[0].status == Status::Fail);
        assert_eq!(findings[1].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
