//! `approved-user-group-ids`: containers run as a non-root user and with approved group IDs.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{Container, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "approved-user-group-ids",
    title: "Containers run with approved (non-root) user and group IDs",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster pods and containers should only run with approved user and group IDs (f06ddb64-5fa3-4b77-b166-acb36f7f6042)",
        "Azure Policy (mutation, preview): Prevents containers from being ran as root by setting runAsNotRoot to true (2fe7ba7d-f670-41f5-8b70-b61dc7dfbe18)",
        "Azure Policy (mutation, preview): Prevents init containers from being ran as root by setting runAsNotRoot to true (fed6510d-00b9-40db-a347-933125a6a327)",
        "Azure Policy (mutation, preview): Sets Kubernetes cluster Pod securityContext.runAsUser fields to 1000 (fe74a23d-79e4-401c-bd0d-fd7a5b35af32)",
        "Azure Policy (mutation, preview): Sets Kubernetes cluster container securityContext.runAsUser fields to 1000 (a8e3ce3c-cac3-4402-a28a-03ee3ede9790)",
        "Azure Policy (mutation, preview): Sets Kubernetes cluster init containers securityContext.runAsUser fields to 1000 (97de439f-fd35-4d43-a693-3644f51a51fd)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The built-in f06ddb64 with the restricted initiative's parameters, for every container of every
running Linux pod (init and ephemeral containers included; the container's `securityContext`
wins over the pod's):
- user (`runAsUserRule: MustRunAsNonRoot`): an explicit `runAsUser: 0` fails, even next to
  `runAsNonRoot: true` (the kubelet would refuse to start it); with neither a non-zero
  `runAsUser` nor `runAsNonRoot: true` the image's user decides, which is root for most images,
  and that fails too;
- group (`runAsGroupRule: MustRunAs`, 1–65535): `runAsGroup` must be set and in range;
- filesystem group (`fsGroupRule: MustRunAs`, 1–65535): the pod's `fsGroup` must be set and in
  range;
- supplemental groups (`MustRunAs`, 1–65535): every listed group must be in range. aksguard does
  not require the list to be set, unlike the built-in: an empty list adds no group, so there is
  nothing to approve.

Pods that declare `spec.os.name: windows` are not judged here (Windows uses `runAsUserName`,
see `windows-container-privileges`). Pods are grouped by workload; system namespaces go to the
platform-managed group. `privilege-escalation` reports running as root as well, next to
`allowPrivilegeEscalation`.

## Why it matters
Root in a container is root on the node's kernel, held back only by namespaces and capabilities;
group 0 owns many files of the node that a container escape reaches first. Pinning the IDs makes
file ownership on shared volumes predictable too.

## How to fix
In the pod template:

    securityContext:
      runAsNonRoot: true
      runAsUser: 10001
      runAsGroup: 10001
      fsGroup: 10001
";

const ALLOWED_GROUPS: std::ops::RangeInclusive<i64> = 1..=65535;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs with unapproved user or group IDs",
        problems,
        fix: "set runAsNonRoot: true, a non-zero runAsUser, and runAsGroup and fsGroup between 1 and 65535",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    if pod.spec.os.as_deref().is_some_and(|os| os.name.eq_ignore_ascii_case("windows")) {
        return Vec::new();
    }
    let pod_context = pod.spec.security_context.as_ref();
    let mut found = Vec::new();
    for container in pod.all_containers() {
        user_and_group(pod, container, &mut found);
    }
    match pod_context.and_then(|c| c.fs_group) {
        None => found.push("the pod sets no fsGroup".to_string()),
        Some(group) if !ALLOWED_GROUPS.contains(&group) => found.push(format!("the pod's fsGroup is {group}")),
        Some(_) => {}
    }
    let supplemental = pod_context.map_or(&[][..], |c| &c.supplemental_groups[..]);
    for group in supplemental.iter().filter(|group| !ALLOWED_GROUPS.contains(group)) {
        found.push(format!("the pod's supplementalGroups include {group}"));
    }
    found
}

fn user_and_group(pod: &Pod, container: &Container, found: &mut Vec<String>) {
    let own = container.security_context.as_ref();
    let inherited = pod.spec.security_context.as_ref();
    let name = &container.name;
    let user = own.and_then(|c| c.run_as_user).or(inherited.and_then(|c| c.run_as_user));
    let non_root = own.and_then(|c| c.run_as_non_root).or(inherited.and_then(|c| c.run_as_non_root));
    match user {
        Some(0) => found.push(format!("container \"{name}\" sets runAsUser: 0 (root)")),
        Some(_) => {}
        None if non_root == Some(true) => {}
        None => found.push(format!("container \"{name}\" may run as root (no runAsUser, no runAsNonRoot: true)")),
    }
    match own.and_then(|c| c.run_as_group).or(inherited.and_then(|c| c.run_as_group)) {
        None => found.push(format!("container \"{name}\" sets no runAsGroup")),
        Some(group) if !ALLOWED_GROUPS.contains(&group) => {
            found.push(format!("container \"{name}\" runs as group {group}"))
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn verdict(pod_context: serde_json::Value, container_context: serde_json::Value) -> (Status, Vec<String>) {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"securityContext": pod_context,
            "containers": [{"name": "c", "securityContext": container_context}]}, "status": {"phase": "Running"}});
        let finding = run(&RULE, &with_pods(json!([pod]))).remove(0);
        (
            finding.status,
            finding.evidence.into_iter().filter(|e| !e.starts_with("pods ")).map(|e| e.to_string()).collect(),
        )
    }

    #[test]
    fn approved_ids_pass() {
        let context = json!({"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001, "supplementalGroups": [2000]});
        assert_eq!(verdict(context, json!({})).0, Status::Pass);
    }

    #[test]
    fn explicit_root_fails_even_with_run_as_non_root() {
        let pod_context = json!({"runAsNonRoot": true, "runAsGroup": 1000, "fsGroup": 1000});
        let (status, evidence) = verdict(pod_context, json!({"runAsUser": 0}));
        assert_eq!((status, evidence), (Status::Fail, vec!["container \"c\" sets runAsUser: 0 (root)".to_string()]));
    }

    #[test]
    fn missing_or_root_groups_fail() {
        let (status, evidence) =
            verdict(json!({"runAsUser": 1000, "fsGroup": 0, "supplementalGroups": [0, 5]}), json!({}));
        assert_eq!(status, Status::Fail);
        assert_eq!(
            evidence,
            ["container \"c\" sets no runAsGroup", "the pod's fsGroup is 0", "the pod's supplementalGroups include 0"]
        );
    }

    #[test]
    fn windows_pods_are_not_judged_here() {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"os": {"name": "windows"},
            "containers": [{"name": "c"}]}, "status": {"phase": "Running"}});
        assert_eq!(run(&RULE, &with_pods(json!([pod])))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
