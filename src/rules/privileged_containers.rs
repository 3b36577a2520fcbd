//! `privileged-containers`: no container runs privileged or adds the capabilities that amount to it.

use super::windows_container_privileges;
use super::workload_check::{PodFields, WorkloadCheck};
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
        "Azure Policy: Kubernetes cluster should not allow privileged containers (95edb821-ddaf-4404-9732-666045e056b4)",
        "Azure Policy: Kubernetes clusters should not grant CAP_SYS_ADMIN security capabilities (d2e7ea85-6b44-4317-a0be-1b951587f626)",
        "Azure Policy: Kubernetes cluster Windows pods should not run HostProcess containers (077f0ce1-86d6-4058-bc60-de05067e8622)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod's containers (init and ephemeral included): `securityContext.privileged: true`,
a Windows HostProcess container (`windowsOptions.hostProcess: true`, on the container or the pod:
it runs on the node with the node's rights), or added capabilities `SYS_ADMIN`, `NET_ADMIN` or
`ALL`, fail. Pods are grouped by the workload
that owns them. Workloads in system namespaces are reported in the platform-managed group.

Azure Policy 95edb821 (in the baseline, restricted, Safeguards and CIS initiatives) denies only
`privileged: true`; aksguard is stricter and also fails the capabilities that amount to it
(d2e7ea85 forbids `SYS_ADMIN`) and HostProcess containers (077f0ce1). The built-ins' excluded
namespaces (`kube-system`, `gatekeeper-system`, `azure-arc`, ...) are reported as
platform-managed instead of being skipped.

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
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    for container in pod.all_containers() {
        let own_windows = container.security_context.as_ref().and_then(|c| c.windows_options.as_deref());
        if windows_container_privileges::host_process(pod, own_windows) {
            found.push(format!("container \"{}\" is a Windows HostProcess container", container.name));
        }
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
    fn a_windows_host_process_container_is_privileged() {
        let pod = json!({"metadata": {"name": "exporter", "namespace": "monitoring"}, "spec": {"os": {"name": "windows"},
            "securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "exporter"}]},
            "status": {"phase": "Running"}});
        let findings = run(&RULE, &with_pods(json!([pod])));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.as_str() == "container \"exporter\" is a Windows HostProcess container")
        );
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
