//! `windows-container-privileges`: no Windows container runs as a HostProcess container or as
//! ContainerAdministrator.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{Pod, WindowsOptions};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "windows-container-privileges",
    title: "Windows containers are neither HostProcess nor ContainerAdministrator",
    severity: Severity::High,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes cluster Windows containers should not run as ContainerAdministrator (5485eac0-7e8f-4964-998b-a44f4f0c1e75)",
        "Azure Policy: Kubernetes cluster Windows pods should not run HostProcess containers (077f0ce1-86d6-4058-bc60-de05067e8622)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod and each of its containers (the container's `securityContext.windowsOptions`
wins over the pod's): `hostProcess: true` fails, and so does `runAsUserName:
ContainerAdministrator` (in any case). Pods without `windowsOptions` pass, Linux pods among
them. Pods are grouped by workload; system namespaces go to the platform-managed group.
`privileged-containers` reports HostProcess containers too, as they are privileged.

The related built-in 57dde185 (approved Windows users and groups) needs an organisation's list of
approved accounts and has no default, so aksguard does not answer it.

## Why it matters
A HostProcess container runs directly on the Windows node, in its network and filesystem, with
the rights of a node account: it is the Windows equivalent of a privileged container.
`ContainerAdministrator` is the administrator of the container; a process running as it can
change everything in the container and is a kernel bug away from the node.

## How to fix
In the pod template remove `windowsOptions.hostProcess: true` and set

    securityContext:
      windowsOptions:
        runAsUserName: ContainerUser
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs Windows containers as HostProcess or ContainerAdministrator",
        problems,
        fix: "remove windowsOptions.hostProcess and set windowsOptions.runAsUserName: ContainerUser",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let inherited = pod.spec.security_context.as_ref().and_then(|c| c.windows_options.as_deref());
    let mut found = Vec::new();
    for container in pod.all_containers() {
        let own = container.security_context.as_ref().and_then(|c| c.windows_options.as_deref());
        let pick = |field: fn(&WindowsOptions) -> Option<&str>| own.and_then(field).or(inherited.and_then(field));
        if host_process(pod, own) {
            found.push(format!("container \"{}\" is a HostProcess container", container.name));
        }
        if let Some(user) = pick(|o| o.run_as_user_name.as_deref()) {
            if user.eq_ignore_ascii_case("ContainerAdministrator") {
                found.push(format!("container \"{}\" runs as {user}", container.name));
            }
        }
    }
    found
}

/// Whether a container of the pod runs as a HostProcess container (for `privileged-containers`).
pub(super) fn host_process(pod: &Pod, own: Option<&WindowsOptions>) -> bool {
    let inherited = pod.spec.security_context.as_ref().and_then(|c| c.windows_options.as_deref());
    own.and_then(|o| o.host_process).or(inherited.and_then(|o| o.host_process)) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn finding(pod_options: serde_json::Value, container_options: serde_json::Value) -> crate::finding::Finding {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"os": {"name": "windows"},
            "securityContext": {"windowsOptions": pod_options},
            "containers": [{"name": "iis", "securityContext": {"windowsOptions": container_options}}]}, "status": {"phase": "Running"}});
        run(&RULE, &with_pods(json!([pod]))).remove(0)
    }

    #[test]
    fn host_process_and_container_administrator_fail() {
        let found = finding(json!({"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}), json!({}));
        assert_eq!(found.status, Status::Fail);
        assert!(found.evidence.iter().any(|e| e.as_str() == "container \"iis\" is a HostProcess container"));
        let found = finding(json!({}), json!({"runAsUserName": "containeradministrator"}));
        assert!(found.evidence.iter().any(|e| e.as_str() == "container \"iis\" runs as containeradministrator"));
    }

    #[test]
    fn container_user_passes_and_the_container_setting_wins() {
        assert_eq!(
            finding(json!({"runAsUserName": "ContainerAdministrator"}), json!({"runAsUserName": "ContainerUser"}))
                .status,
            Status::Pass
        );
        assert_eq!(finding(json!({"hostProcess": true}), json!({"hostProcess": false})).status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
