//! `seccomp-profile`: containers run with the runtime's default seccomp filter (or a custom one).

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "seccomp-profile",
    title: "Containers use the RuntimeDefault or a Localhost seccomp profile",
    severity: Severity::Low,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Kubernetes documentation: Restrict a Container's Syscalls with seccomp",
        "Azure Policy: Kubernetes cluster containers should only use allowed seccomp profiles (975ce327-682c-4f2e-aa46-b9598289b86c)",
        "Azure Policy (mutation): [Preview]: Sets Kubernetes cluster containers' secure computing mode profile type to RuntimeDefault if not present. (6f87d474-38a9-46c9-bdfe-d7fa3b9836bf)",
        "Azure Policy (mutation): [Preview]: Sets Kubernetes cluster init containers' secure computing mode profile type to RuntimeDefault if not present. (6bcd4321-fb89-4e3e-bf6c-999c13d47f43)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod must end up with a seccomp profile of type
`RuntimeDefault` or `Localhost`, set on the container or inherited from the pod. `Unconfined`,
or no profile at all, fails. Pods are grouped by workload; system namespaces go to the
platform-managed group.

Azure Policy 975ce327 is assigned by the AKS Deployment Safeguards with `allowedProfiles:
[RuntimeDefault, Localhost]`, which aksguard follows. The restricted initiative's default lists
only the runtime default (`runtime/default`, `docker/default`, the pre-1.19 annotation names);
aksguard accepts `Localhost` there too, as the restricted Pod Security Standard does: a profile
loaded on the node is a deliberate, usually tighter, choice. The seccomp annotations removed in
Kubernetes 1.27 are not read.

## Why it matters
Without a seccomp filter a container can call every system call the kernel offers, including
rarely used ones behind many container escapes. The runtime's default profile blocks them at
almost no cost.

## How to fix
Add to the pod template:

    securityContext:
      seccompProfile:
        type: RuntimeDefault
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs without a seccomp profile",
        problems,
        fix: "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let pod_profile = pod.spec.security_context.as_ref().and_then(|c| c.seccomp_profile.as_ref());
    pod.all_containers()
        .filter_map(|container| {
            let own = container.security_context.as_ref().and_then(|c| c.seccomp_profile.as_ref());
            let effective = own.or(pod_profile).map(|profile| profile.profile_type.as_str());
            match effective {
                Some("RuntimeDefault" | "Localhost") => None,
                Some(other) => Some(format!("container \"{}\" has seccomp profile {other}", container.name)),
                None => Some(format!("container \"{}\" has no seccomp profile", container.name)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn pod(pod_profile: Option<&str>, container_profile: Option<&str>) -> serde_json::Value {
        let profile = |t: Option<&str>| t.map(|t| json!({"seccompProfile": {"type": t}})).unwrap_or(json!({}));
        json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"securityContext": profile(pod_profile),
            "containers": [{"name": "c", "securityContext": profile(container_profile)}]}, "status": {"phase": "Running"}})
    }

    fn status(pod_profile: Option<&str>, container_profile: Option<&str>) -> Status {
        run(&RULE, &with_pods(json!([pod(pod_profile, container_profile)])))[0].status
    }

    #[test]
    fn effective_profile_decides() {
        assert_eq!(status(Some("RuntimeDefault"), None), Status::Pass);
        assert_eq!(status(None, Some("Localhost")), Status::Pass);
        assert_eq!(status(None, None), Status::Fail);
        assert_eq!(status(Some("RuntimeDefault"), Some("Unconfined")), Status::Fail, "the container overrides the pod");
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
