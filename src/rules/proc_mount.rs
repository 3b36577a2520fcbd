//! `proc-mount`: containers see the masked `/proc` the runtime gives them.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "proc-mount",
    title: "Containers use the default (masked) /proc mount",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should only use allowed ProcMountType (f85eb0dd-92ee-40e9-8a76-db25a507d6d3)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod (init and ephemeral included): `securityContext.procMount`
must be unset or `Default`, the built-in f85eb0dd's default (`procMountType: Default`) and the
baseline Pod Security Standard. `Unmasked` fails. Pods are grouped by workload; system namespaces
go to the platform-managed group.

## Why it matters
The runtime masks and makes read-only the parts of `/proc` that expose the node (`/proc/kcore`,
`/proc/sys`, `/proc/sysrq-trigger`, ...). An unmasked `/proc` hands them to the container, which
is meant only for nested container runtimes in user-namespaced pods.

## How to fix
Remove `procMount: Unmasked` from the container's `securityContext` in the pod template.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs containers with an unmasked /proc",
        problems,
        fix: "remove securityContext.procMount (or set it to Default)",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    pod.all_containers()
        .filter_map(|container| {
            let mount = container.security_context.as_ref()?.proc_mount.as_deref()?;
            (mount != "Default").then(|| format!("container \"{}\" sets procMount: {mount}", container.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn status(context: serde_json::Value) -> Status {
        let pods = json!([deployment_pod("shop", "web", json!({"name": "web", "securityContext": context}))]);
        run(&RULE, &with_pods(pods))[0].status
    }

    #[test]
    fn unmasked_fails_default_and_unset_pass() {
        assert_eq!(status(json!({"procMount": "Unmasked"})), Status::Fail);
        assert_eq!(status(json!({"procMount": "Default"})), Status::Pass);
        assert_eq!(status(json!({})), Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
