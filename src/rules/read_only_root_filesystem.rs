//! `read-only-root-filesystem`: containers cannot write to the filesystem of their image.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "read-only-root-filesystem",
    title: "Containers run with a read-only root filesystem",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should run with a read only root file system (df49d893-a74c-421d-bc95-c663042e5b80)",
        "Azure Policy (mutation): Sets readOnlyRootFileSystem in the Pod spec to true if it is not set (8e875f96-2c56-40ca-86db-b9f6a0be7347)",
        "Azure Policy (mutation): Sets readOnlyRootFileSystem in the Pod spec in init containers to true if it is not set (2ae2f266-ecc3-4d26-82c5-8c3cb7774f45)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod (init and ephemeral containers included) must set
`securityContext.readOnlyRootFilesystem: true`; unset counts as writable, as it is at run time.
Pods are grouped by workload; system namespaces go to the platform-managed group. This is the
Azure Policy built-in df49d893 (also in the AKS Deployment Safeguards' spirit) with its default
of no excluded containers; the built-in's excluded namespaces (`kube-system`,
`gatekeeper-system`, `azure-arc`, `azure-extensions-usage-system`) are reported as
platform-managed instead of being hidden.

## Why it matters
An attacker who gets code execution in a container with a writable root filesystem can drop
tools, replace binaries the application later runs, or persist until the pod is replaced. A
read-only root makes the image the only code that can run.

## How to fix
Set, for each container of the pod template:

    securityContext:
      readOnlyRootFilesystem: true

and mount an `emptyDir` where the application must write (`/tmp`, caches).
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs containers with a writable root filesystem",
        problems,
        fix: "set securityContext.readOnlyRootFilesystem: true on each container; mount an emptyDir where it writes",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    pod.all_containers()
        .filter(|container| container.security_context.as_ref().and_then(|c| c.read_only_root_filesystem) != Some(true))
        .map(|container| format!("container \"{}\" does not set readOnlyRootFilesystem: true", container.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn writable_or_unset_root_fails_read_only_passes() {
        let pods = json!([
            deployment_pod("shop", "web", json!({"name": "web", "securityContext": {"readOnlyRootFilesystem": false}})),
            deployment_pod("shop", "api", json!({"name": "api"})),
            deployment_pod("shop", "ok", json!({"name": "ok", "securityContext": {"readOnlyRootFilesystem": true}})),
        ]);
        let findings = run(&RULE, &with_pods(pods));
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Deployment/shop/api", "Deployment/shop/web"]);
        assert!(findings[0].evidence.iter().any(|e| e.contains("\"api\" does not set readOnlyRootFilesystem")));
        let ok = json!([deployment_pod(
            "shop",
            "ok",
            json!({"name": "ok", "securityContext": {"readOnlyRootFilesystem": true}})
        )]);
        assert_eq!(run(&RULE, &with_pods(ok))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
