//! `apparmor-profile`: no container runs without AppArmor confinement.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{APPARMOR_ANNOTATION_PREFIX, Container, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "apparmor-profile",
    title: "Containers keep an AppArmor profile (never unconfined)",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should only use allowed AppArmor profiles (511f5417-5d12-434d-ab2e-816901e72a5e)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod: its AppArmor profile — `securityContext.appArmorProfile`
of the container, else the `container.apparmor.security.beta.kubernetes.io/<container>`
annotation of the pod (before Kubernetes 1.30), else the pod's `securityContext.appArmorProfile`
— must be the runtime's default (`RuntimeDefault`, `runtime/default`) or a profile loaded on the
node (`Localhost`, `localhost/<name>`). `Unconfined` (`unconfined`), or a value Kubernetes does
not know, fails. Pods are grouped by workload; system namespaces go to the platform-managed group.

aksguard differs from the built-in's AKS Deployment Safeguards default (`allowedProfiles:
[runtime/default]`) in two ways, both following the baseline Pod Security Standard: a container
with no profile set passes, because containerd on AKS's Ubuntu nodes applies its default profile
to it (so the built-in's failure would be about the manifest, not the state of the cluster); and
`Localhost` profiles pass, as a custom profile loaded on the node is a deliberate hardening.

## Why it matters
AppArmor is the mandatory access control that keeps a container's processes from writing to
`/proc` and `/sys` files, mounting filesystems or using raw sockets even as root. An unconfined
container loses that layer at once.

## How to fix
Remove `appArmorProfile: {type: Unconfined}` (or the `unconfined` annotation) from the pod
template, or set it explicitly:

    securityContext:
      appArmorProfile:
        type: RuntimeDefault
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs containers without AppArmor confinement",
        problems,
        fix: "set securityContext.appArmorProfile.type: RuntimeDefault and remove unconfined profiles",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    pod.all_containers().filter_map(|container| unconfined(pod, container)).collect()
}

/// What is wrong with the container's effective profile, if anything.
fn unconfined(pod: &Pod, container: &Container) -> Option<String> {
    let name = &container.name;
    if let Some(profile) = container.security_context.as_ref().and_then(|c| c.app_armor_profile.as_deref()) {
        return field_problem(name, &profile.profile_type);
    }
    let annotation = format!("{APPARMOR_ANNOTATION_PREFIX}{name}");
    if let Some(value) = pod.metadata.annotations.get(annotation.as_str()) {
        return match value.as_str() {
            "runtime/default" => None,
            value if value.starts_with("localhost/") => None,
            value => Some(format!("container \"{name}\" has AppArmor annotation {value:?}")),
        };
    }
    let inherited = pod.spec.security_context.as_ref().and_then(|c| c.app_armor_profile.as_deref());
    inherited.and_then(|profile| field_problem(name, &profile.profile_type))
}

fn field_problem(container: &str, profile_type: &str) -> Option<String> {
    match profile_type {
        "RuntimeDefault" | "Localhost" => None,
        other => Some(format!("container \"{container}\" has AppArmor profile type {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn status(
        annotations: serde_json::Value,
        pod_context: serde_json::Value,
        container_context: serde_json::Value,
    ) -> Status {
        let pod = json!({"metadata": {"name": "p", "namespace": "shop", "annotations": annotations},
            "spec": {"securityContext": pod_context, "containers": [{"name": "web", "securityContext": container_context}]},
            "status": {"phase": "Running"}});
        run(&RULE, &with_pods(json!([pod])))[0].status
    }

    #[test]
    fn unconfined_fails_in_each_place_it_can_be_set() {
        let key = "container.apparmor.security.beta.kubernetes.io/web";
        assert_eq!(status(json!({key: "unconfined"}), json!({}), json!({})), Status::Fail);
        assert_eq!(status(json!({}), json!({"appArmorProfile": {"type": "Unconfined"}}), json!({})), Status::Fail);
        assert_eq!(status(json!({}), json!({}), json!({"appArmorProfile": {"type": "Unconfined"}})), Status::Fail);
    }

    #[test]
    fn default_localhost_and_unset_pass_and_the_container_field_wins() {
        let key = "container.apparmor.security.beta.kubernetes.io/web";
        assert_eq!(status(json!({}), json!({}), json!({})), Status::Pass);
        assert_eq!(status(json!({key: "localhost/k8s-nginx"}), json!({}), json!({})), Status::Pass);
        let own = json!({"appArmorProfile": {"type": "RuntimeDefault"}});
        assert_eq!(
            status(json!({key: "unconfined"}), json!({"appArmorProfile": {"type": "Unconfined"}}), own),
            Status::Pass
        );
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
