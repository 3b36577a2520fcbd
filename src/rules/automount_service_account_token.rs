//! `automount-service-account-token`: pods do not get a Kubernetes API token they did not ask for.

use super::workload_check::union;
use super::workloads::{WorkloadRef, pod_names};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{Pod, SERVICE_ACCOUNT_TOKEN_PATH};
use crate::snapshot::source;
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    id: "automount-service-account-token",
    title: "Pods do not automount a service account token",
    severity: Severity::Low,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS, source::SERVICE_ACCOUNTS],
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
Every running pod, as Kubernetes decides whether to mount the token:
- the pod's `spec.automountServiceAccountToken` wins: `true` fails, `false` passes;
- left unset, its ServiceAccount's (`spec.serviceAccountName`, `default` when absent)
  `automountServiceAccountToken` decides: `false` passes; unset or `true` fails, since Kubernetes
  mounts the token by default;
- a container that mounts the token at `/var/run/secrets/kubernetes.io/serviceaccount` fails
  whatever the ServiceAccount says now: the running pod has the token.

When the pod leaves it unset, shows no mount and the ServiceAccounts could not be read (or its
ServiceAccount is not among them), the workload is `unknown`, never passed: one finding names
them. Pods are grouped by workload; system namespaces go to the platform-managed group. The
built-in 423dd1ba judges pods at admission (its default `excludedImages` is empty, as here);
aksguard judges the pods running now and the ServiceAccounts they inherit from. Workloads that
call the Kubernetes API (operators, controllers) need the token: waive the finding for them in
`aksguard.toml`, with the reason.

## Why it matters
The token is a credential for the Kubernetes API, readable by any process in the container. An
attacker who gets code execution uses it at once to explore the cluster, and with RBAC as it
often is (a ServiceAccount bound more widely than intended), to go further.

## How to fix
For a workload that does not call the API, set it off in the pod template:

    kubectl -n NAMESPACE patch deployment NAME -p '{\"spec\":{\"template\":{\"spec\":{\"automountServiceAccountToken\":false}}}}'

or on its ServiceAccount, for every pod that runs as it and leaves the field unset (new pods
only: running ones keep their token until they are recreated):

    kubectl -n NAMESPACE patch serviceaccount SERVICE_ACCOUNT -p '{\"automountServiceAccountToken\":false}'
";

/// The most workloads an `unknown` finding names; the count says how many there are.
const NAMED: usize = 5;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let groups = ctx.running_workloads()?;
    let accounts = ServiceAccounts::read(ctx);
    let mut findings = Vec::new();
    let (mut user_workloads, mut undecided) = (0, Vec::new());
    for (workload, pods) in groups {
        let system = ctx.is_system_namespace(workload.namespace);
        user_workloads += usize::from(!system);
        let mut problems = Vec::new();
        let mut why_unknown = None;
        for pod in pods {
            match judge(pod, &accounts) {
                Verdict::Mounted(found) => problems.extend(found),
                Verdict::Off => {}
                Verdict::Unknown(reason) => why_unknown = why_unknown.or(Some(reason)),
            }
        }
        let problems = union(problems.into_iter());
        if !problems.is_empty() {
            findings.push(fail(workload, pods, problems, system));
        } else if let (Some(reason), false) = (why_unknown, system) {
            undecided.push((workload, reason));
        }
    }
    if !undecided.is_empty() {
        findings.push(unknown(ctx, &undecided));
    } else if !findings.iter().any(|f| !f.platform_managed) {
        let message = format!(
            "none of the {user_workloads} running workloads outside system namespaces automounts a service account token"
        );
        findings.push(RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes(
            "checked every running pod and the ServiceAccounts of those that leave the setting unset",
        )));
    }
    Ok(findings)
}

/// Each ServiceAccount's own `automountServiceAccountToken`, by namespace and name; or why the
/// ServiceAccounts could not be read.
struct ServiceAccounts<'a>(Result<HashMap<(&'a str, &'a str), Option<bool>>, Missing>);

impl<'a> ServiceAccounts<'a> {
    fn read(ctx: &Context<'a>) -> Self {
        let index = ctx.service_accounts().map(|accounts| {
            accounts
                .iter()
                .map(|sa| ((sa.metadata.namespace(), sa.metadata.name.as_str()), sa.automount_service_account_token))
                .collect()
        });
        ServiceAccounts(index)
    }
}

enum Verdict {
    /// The token is (or will be) mounted, with the reasons in words.
    Mounted(Vec<String>),
    Off,
    /// Nothing decides: the pod leaves it unset, shows no mount, and its ServiceAccount is unknown.
    Unknown(String),
}

fn judge(pod: &Pod, accounts: &ServiceAccounts) -> Verdict {
    match pod.spec.automount_service_account_token {
        Some(false) => return Verdict::Off,
        Some(true) => return Verdict::Mounted(vec!["sets automountServiceAccountToken: true".to_string()]),
        None => {}
    }
    let mounts: Vec<String> = pod
        .all_containers()
        .filter(|container| {
            container.volume_mounts.iter().any(|m| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_TOKEN_PATH)
        })
        .map(|container| format!("container \"{}\" mounts the service account token", container.name))
        .collect();
    if !mounts.is_empty() {
        return Verdict::Mounted(mounts);
    }
    let (namespace, account) = (pod.metadata.namespace(), pod.service_account());
    let index = match &accounts.0 {
        Ok(index) => index,
        Err(missing) => return Verdict::Unknown(missing.what()),
    };
    match index.get(&(namespace, account)) {
        Some(Some(false)) => Verdict::Off,
        Some(setting) => Verdict::Mounted(vec![format!(
            "leaves automountServiceAccountToken unset, and ServiceAccount {namespace}/{account} {}",
            match setting {
                Some(true) => "sets it true",
                _ => "leaves it unset too (Kubernetes mounts the token by default)",
            }
        )]),
        None => Verdict::Unknown(format!("ServiceAccount {namespace}/{account} is not among the ServiceAccounts read")),
    }
}

fn fail(workload: &WorkloadRef, pods: &[&Pod], problems: Vec<String>, platform: bool) -> Finding {
    let (kind, namespace, name) = (workload.kind, workload.namespace, workload.name);
    let finding = RULE
        .fail(
            Resource::namespaced(kind, namespace, name),
            format!("{kind} {namespace}/{name} automounts a service account token"),
        )
        .with_evidence(Evidence::kubernetes(format!("pods {}", pod_names(pods))))
        .platform_managed(platform);
    let account = pods.first().map_or("default", |pod| pod.service_account());
    let finding =
        problems.into_iter().fold(finding, |f, problem| f.with_evidence(Evidence::detail(Source::Kubernetes, problem)));
    match platform {
        true => finding,
        false => finding.with_remediation(remediation(workload, account)),
    }
}

/// One `unknown` finding for every user workload nothing decides for, naming the first few.
fn unknown(ctx: &Context, undecided: &[(&WorkloadRef, String)]) -> Finding {
    let named: Vec<String> = undecided.iter().take(NAMED).map(|(workload, _)| workload.to_string()).collect();
    let more = undecided.len().saturating_sub(NAMED);
    let message = format!(
        "{} running workload(s) leave automountServiceAccountToken unset and their ServiceAccounts cannot be judged: {}{}",
        undecided.len(),
        named.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    );
    let reasons = union(undecided.iter().map(|(_, reason)| reason.clone()));
    reasons
        .into_iter()
        .take(NAMED)
        .fold(RULE.unknown(ctx.cluster_resource(), message), |f, reason| f.with_evidence(Evidence::note(reason)))
}

/// Where the pod template lives in each controller, for a strategic merge patch.
fn template_path(kind: &str) -> Option<&'static str> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => Some("{\"spec\":{\"template\":{\"spec\":%}}}"),
        "CronJob" => Some("{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":%}}}}}"),
        _ => None,
    }
}

/// The setting is pod-level and needs no container names, so a patch of the pod template is safe
/// for the controllers that have one; a Job or a bare pod cannot change, so its ServiceAccount is
/// patched (for the pods created next) and the pod recreated.
fn remediation(workload: &WorkloadRef, account: &str) -> String {
    let (namespace, name) = (workload.namespace, workload.name);
    match template_path(workload.kind) {
        Some(template) => {
            let body = template.replace('%', "{\"automountServiceAccountToken\":false}");
            format!("kubectl -n {namespace} patch {} {name} -p '{body}'", workload.kind.to_ascii_lowercase())
        }
        None => format!(
            "# {} {namespace}/{name} cannot change in place: turn automounting off for its ServiceAccount (every pod of it that leaves the field unset), then recreate it\n\
             kubectl -n {namespace} patch serviceaccount {account} -p '{{\"automountServiceAccountToken\":false}}'",
            workload.kind
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, k8s, run, statuses, with_pods};
    use crate::snapshot::{Part, Snapshot};
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
        let findings = run(&RULE, &with_pods(json!([on])));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Fail], "no ServiceAccount needed");
    }

    fn with_accounts(pod: serde_json::Value, accounts: serde_json::Value) -> Snapshot {
        let mut snapshot = with_pods(json!([pod]));
        snapshot.kubernetes.service_accounts = Part::Collected(k8s(accounts));
        snapshot
    }

    fn account(name: &str, automount: Option<bool>) -> serde_json::Value {
        let mut sa = json!({"metadata": {"name": name, "namespace": "shop"}});
        if let Some(value) = automount {
            sa["automountServiceAccountToken"] = json!(value);
        }
        sa
    }

    #[test]
    fn an_unset_pod_inherits_its_service_accounts_setting() {
        let mut pod = deployment_pod("shop", "web", json!({"name": "web"}));
        pod["spec"]["serviceAccountName"] = json!("web");
        let off = with_accounts(pod.clone(), json!([account("web", Some(false)), account("default", None)]));
        assert_eq!(statuses(&RULE, &off), [Status::Pass]);

        let unset = run(&RULE, &with_accounts(pod.clone(), json!([account("web", None)])));
        assert_eq!((unset[0].status, unset[0].resource.as_str()), (Status::Fail, "Deployment/shop/web"));
        assert!(unset[0].evidence.iter().any(|e| e.as_str().contains("ServiceAccount shop/web leaves it unset too")));
        let on = run(&RULE, &with_accounts(pod, json!([account("web", Some(true))])));
        assert!(on[0].evidence.iter().any(|e| e.as_str().contains("ServiceAccount shop/web sets it true")));

        // No serviceAccountName: the API server's `default`.
        let default = deployment_pod("shop", "web", json!({"name": "web"}));
        let findings = with_accounts(default, json!([account("default", Some(false)), account("web", None)]));
        assert_eq!(statuses(&RULE, &findings), [Status::Pass]);
    }

    #[test]
    fn the_pod_field_and_an_observed_mount_win_over_the_service_account() {
        let mut on = deployment_pod("shop", "web", json!({"name": "web"}));
        on["spec"]["automountServiceAccountToken"] = json!(true);
        assert_eq!(statuses(&RULE, &with_accounts(on, json!([account("default", Some(false))]))), [Status::Fail]);
        let mounted = deployment_pod("shop", "web", token_mount());
        let findings = with_accounts(mounted, json!([account("default", Some(false))]));
        assert_eq!(statuses(&RULE, &findings), [Status::Fail], "the running pod has the token");
    }

    #[test]
    fn an_unset_pod_whose_service_account_is_unknown_is_unknown_never_pass() {
        let unset = deployment_pod("shop", "web", json!({"name": "web"}));
        let findings = run(&RULE, &with_pods(json!([unset.clone()])));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
        assert!(findings[0].message.contains("Deployment/shop/web"), "{}", findings[0].message);
        assert!(findings[0].evidence[0].as_str().contains("kubernetes/serviceaccounts is unavailable"));

        let elsewhere = run(&RULE, &with_accounts(unset, json!([account("other", Some(false))])));
        assert_eq!(elsewhere.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
        assert!(elsewhere[0].evidence[0].as_str().contains("ServiceAccount shop/default is not among"));
    }

    #[test]
    fn a_job_or_bare_pod_is_fixed_on_its_service_account() {
        let bare = json!({"metadata": {"name": "debug", "namespace": "shop"}, "spec": {"serviceAccountName": "tools", "containers": [{"name": "sh"}]}, "status": {"phase": "Running"}});
        let findings = run(&RULE, &with_accounts(bare, json!([account("tools", None)])));
        let fix = findings[0].remediation.as_deref().unwrap();
        assert!(
            fix.ends_with("kubectl -n shop patch serviceaccount tools -p '{\"automountServiceAccountToken\":false}'"),
            "{fix}"
        );
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
