//! `allowed-sysctls`: pods set only the sysctls that are safe to namespace per pod.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "allowed-sysctls",
    title: "Pods set only safe sysctls",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should not use forbidden sysctl interfaces (56d0a13f-712f-466b-8416-56fb354fb823)",
        "Azure Policy (preview): Kubernetes cluster containers should use only allowed sysctl interfaces (5e5a0673-649e-4d50-bf9d-5a387a4e2081)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod's `securityContext.sysctls` must name only sysctls of the AKS Deployment
Safeguards' `allowedSysctls` default, which is the baseline Pod Security Standard's safe set:
`kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_local_reserved_ports`,
`net.ipv4.ip_unprivileged_port_start`, `net.ipv4.ping_group_range`, `net.ipv4.tcp_syncookies`,
`net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`,
`net.ipv4.tcp_keepalive_probes`. Any other sysctl fails; this also answers the forbidden-sysctls
built-in 56d0a13f, whose default forbids none, with the safe set as the boundary. Pods are
grouped by workload; system namespaces go to the platform-managed group.

## Why it matters
Sysctls outside the safe set are not isolated per pod: they change the kernel of the node, for
every pod on it (memory overcommit, network stack, kernel messages). A kubelet refuses them
unless its `allowedUnsafeSysctls` lists them, so a running pod with one shows a node pool opened
up for it.

## How to fix
Remove the sysctl from the pod template's `securityContext.sysctls`, or, if a workload truly
needs it, run it on a dedicated node pool (`az aks nodepool add --kubelet-config` with
`allowedUnsafeSysctls`) and waive this finding for it.
";

/// The AKS Deployment Safeguards' `allowedSysctls` default.
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "sets unsafe sysctls",
        problems,
        fix: "remove the unsafe sysctls from securityContext.sysctls",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let sysctls = pod.spec.security_context.as_ref().map_or(&[][..], |c| &c.sysctls[..]);
    sysctls
        .iter()
        .filter(|sysctl| !SAFE_SYSCTLS.contains(&sysctl.name.as_str()))
        .map(|sysctl| format!("sets sysctl {} = {:?}, not in the safe set", sysctl.name, sysctl.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn pod(sysctls: serde_json::Value) -> serde_json::Value {
        json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"securityContext": {"sysctls": sysctls},
            "containers": [{"name": "c"}]}, "status": {"phase": "Running"}})
    }

    #[test]
    fn safe_sysctls_pass_others_fail() {
        let safe = json!([{"name": "net.ipv4.tcp_syncookies", "value": "1"}]);
        assert_eq!(run(&RULE, &with_pods(json!([pod(safe)])))[0].status, Status::Pass);
        let unsafe_ =
            json!([{"name": "kernel.msgmax", "value": "65536"}, {"name": "net.ipv4.tcp_syncookies", "value": "1"}]);
        let finding = &run(&RULE, &with_pods(json!([pod(unsafe_)])))[0];
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding.evidence.iter().any(|e| e.as_str() == "sets sysctl kernel.msgmax = \"65536\", not in the safe set")
        );
        assert_eq!(finding.evidence.len(), 2, "{:?}", finding.evidence);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
