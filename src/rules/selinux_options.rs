//! `selinux-options`: no pod or container sets an SELinux user, role or unconfined type.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{Pod, SeLinuxOptions};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "selinux-options",
    title: "Pods and containers use only the container SELinux types",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster pods and containers should follow SELinux security standards (e1e6c427-07d9-46ab-9689-bfa85431e636)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The `seLinuxOptions` of every running pod and of each of its containers (init and ephemeral
included), as the built-in e1e6c427 does with `enforcePSS: true` (the baseline Pod Security
Standard): `type` must be unset or one of `container_t`, `container_init_t`, `container_kvm_t`,
`container_engine_t`; `user` and `role` must be unset. Pods are grouped by workload; system
namespaces go to the platform-managed group.

## Why it matters
On nodes that enforce SELinux (Azure Linux), the label is what confines a container's processes.
A custom user or role, or a type such as `spc_t` (super-privileged container) or
`unconfined_t`, lifts that confinement entirely.

## How to fix
Remove `user` and `role` from `securityContext.seLinuxOptions` in the pod template, and either
drop `type` (the runtime assigns `container_t`) or set one of the container types.
";

const ALLOWED_TYPES: &[&str] = &["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "sets SELinux options outside the container types",
        problems,
        fix: "remove seLinuxOptions user and role, and use type container_t (or leave it unset)",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(options) = pod.spec.security_context.as_ref().and_then(|c| c.se_linux_options.as_deref()) {
        judge("the pod", options, &mut found);
    }
    for container in pod.all_containers() {
        if let Some(options) = container.security_context.as_ref().and_then(|c| c.se_linux_options.as_deref()) {
            judge(&format!("container \"{}\"", container.name), options, &mut found);
        }
    }
    found
}

fn judge(whose: &str, options: &SeLinuxOptions, found: &mut Vec<String>) {
    if let Some(label_type) = options.label_type.as_deref().filter(|t| !t.is_empty() && !ALLOWED_TYPES.contains(t)) {
        found.push(format!("{whose} sets SELinux type {label_type:?}"));
    }
    for (field, value) in [("user", &options.user), ("role", &options.role)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            found.push(format!("{whose} sets SELinux {field} {value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn finding(pod_options: serde_json::Value, container_options: serde_json::Value) -> crate::finding::Finding {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"securityContext": {"seLinuxOptions": pod_options},
            "containers": [{"name": "c", "securityContext": {"seLinuxOptions": container_options}}]}, "status": {"phase": "Running"}});
        run(&RULE, &with_pods(json!([pod]))).remove(0)
    }

    #[test]
    fn container_types_pass() {
        assert_eq!(finding(json!({"type": "container_t", "level": "s0:c1,c2"}), json!({})).status, Status::Pass);
    }

    #[test]
    fn custom_types_users_and_roles_fail() {
        let found = finding(json!({"type": "spc_t"}), json!({"user": "system_u", "role": "system_r"}));
        assert_eq!(found.status, Status::Fail);
        for expected in [
            "the pod sets SELinux type \"spc_t\"",
            "container \"c\" sets SELinux user \"system_u\"",
            "container \"c\" sets SELinux role \"system_r\"",
        ] {
            assert!(found.evidence.iter().any(|e| e.as_str() == expected), "{expected} in {:?}", found.evidence);
        }
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
