//! `automount-service-account-token`: pods do not get a Kubernetes API token they did not ask for.

use super::workload_check::WorkloadCheck;
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{Pod, SERVICE_ACCOUNT_TOKEN_PATH};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "automount-service-account-token",
    title: "Pods do not automount a service account token",
    severity: Severity::Low,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.1.6"],
    references: &[
        "Azure Policy: Kubernetes clusters should disable automounting API credentials (423dd1ba-798e-40e4-9c4d-b6902674b423)",
        "Azure Policy (mutation): Sets automountServiceAccountToken in the Pod spec in containers to false (57f274ef-580a-4ed2-bcf8-5c6fa3775253)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod: `spec.automountServiceAccountToken: true` fails; `false` passes. When the pod
does not set it, its ServiceAccount decides, and the running pod shows what was decided: the
ServiceAccount admission controller mounts the token at
`/var/run/secrets/kubernetes.io/serviceaccount` in every container. A pod with such a mount
fails; one without passes (its ServiceAccount has automounting off). Pods are grouped by
workload; system namespaces go to the platform-managed group.

The built-in 423dd1ba also judges ServiceAccounts themselves; aksguard does not read
ServiceAccounts yet, so it judges the pods they are used by (what the token exposure actually
is). Workloads that call the Kubernetes API (operators, controllers) need the token: waive the
finding for them in `aksguard.toml`, with the reason.

## Why it matters
The token is a credential for the Kubernetes API, readable by any process in the container. An
attacker who gets code execution uses it at once to explore the cluster, and with RBAC as it
often is (a ServiceAccount bound more widely than intended), to go further.

## How to fix
For a workload that does not call the API, set it off in the pod template:

    kubectl -n NAMESPACE patch deployment NAME -p '{\"spec\":{\"template\":{\"spec\":{\"automountServiceAccountToken\":false}}}}'

or set `automountServiceAccountToken: false` on its ServiceAccount.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let findings = WorkloadCheck {
        rule: &RULE,
        problem: "automounts a service account token",
        problems,
        fix: "set spec.template.spec.automountServiceAccountToken: false",
    }
    .run(ctx)?;
    Ok(findings.into_iter().map(with_patch).collect())
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    match pod.spec.automount_service_account_token {
        Some(false) => Vec::new(),
        Some(true) => vec!["sets automountServiceAccountToken: true".to_string()],
        None => pod
            .all_containers()
            .filter(|container| {
                container.volume_mounts.iter().any(|m| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_TOKEN_PATH)
            })
            .map(|container| format!("container \"{}\" mounts the service account token", container.name))
            .collect(),
    }
}

/// Where the pod template lives in each controller, for a strategic merge patch.
fn template_path(kind: &str) -> Option<&'static str> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => Some("{\"spec\":{\"template\":{\"spec\":%}}}"),
        "CronJob" => Some("{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":%}}}}}"),
        _ => None,
    }
}

/// The setting is pod-level and needs no container names, so a patch is safe: it replaces the
/// `kubectl edit` of controllers whose pod template can be patched (not Jobs or bare pods).
fn with_patch(finding: Finding) -> Finding {
    let parts: Vec<&str> = finding.resource.splitn(3, '/').collect();
    let patchable = finding.remediation.is_some() && parts.len() == 3;
    match (patchable, parts.first().copied().and_then(template_path)) {
        (true, Some(template)) => {
            let body = template.replace('%', "{\"automountServiceAccountToken\":false}");
            let command =
                format!("kubectl -n {} patch {} {} -p '{body}'", parts[1], parts[0].to_ascii_lowercase(), parts[2]);
            finding.with_remediation(command)
        }
        _ => finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn token_mount() -> serde_json::Value {
        json!({"name": "web", "volumeMounts": [{"name": "kube-api-access-x", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]})
    }

    #[test]
    fn a_mounted_token_fails_with_a_patch() {
        let findings = run(&RULE, &with_pods(json!([deployment_pod("shop", "web", token_mount())])));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].evidence.iter().any(|e| e.as_str() == "container \"web\" mounts the service account token")
        );
        assert_eq!(
            findings[0].remediation.as_deref(),
            Some(
                "kubectl -n shop patch deployment web -p '{\"spec\":{\"template\":{\"spec\":{\"automountServiceAccountToken\":false}}}}'"
            )
        );
    }

    #[test]
    fn explicit_settings_decide() {
        let mut off = deployment_pod("shop", "web", token_mount());
        off["spec"]["automountServiceAccountToken"] = json!(false);
        assert_eq!(run(&RULE, &with_pods(json!([off])))[0].status, Status::Pass);
        let mut on = deployment_pod("shop", "web", json!({"name": "web"}));
        on["spec"]["automountServiceAccountToken"] = json!(true);
        assert_eq!(run(&RULE, &with_pods(json!([on])))[0].status, Status::Fail);
        let no_mount = deployment_pod("shop", "web", json!({"name": "web"}));
        assert_eq!(run(&RULE, &with_pods(json!([no_mount])))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
