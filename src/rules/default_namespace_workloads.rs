//! `default-namespace-workloads`: nothing runs in the `default` namespace.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Status};
use crate::snapshot::kube::{ObjectMeta, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "default-namespace-workloads",
    title: "No workloads in the default namespace",
    severity: Severity::Low,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS, source::SERVICES, source::SERVICE_ACCOUNTS],
    docs: DOCS,
    cis: &["4.6.3"],
    references: &[
        "Kubernetes documentation: Namespaces, \"Initial namespaces\"",
        "Azure Policy: Kubernetes clusters should not use the default namespace (9f061a12-e40d-4183-a00e-171812443373)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Running pods in the `default` namespace fail, one finding per workload; so does every Service
(but `kubernetes`, the API server's own) and every ServiceAccount (but `default`, which
Kubernetes creates in every namespace) there. When no pod runs in `default` but the Services or
ServiceAccounts could not be read, the rule is `unknown`, never a pass.

Azure Policy 9f061a12 judges the same kinds and also ConfigMaps and Secrets in `default`;
aksguard never reads Secrets, nor ConfigMaps (they hold configuration values), so those two are
not judged.

## Why it matters
`default` is where everything lands when nobody chose: it usually has no Pod Security label, no
network policy, no quota and no owner, and RBAC granted there covers unrelated workloads.
Namespaces per application are the unit of isolation for policies, RBAC and quotas.

## How to fix
Create a namespace for the application (`kubectl create namespace APP`), deploy it there with its
own network policies and Pod Security label, and delete it from `default`.
";

/// What Kubernetes itself puts in `default`: not a choice anybody made.
const BUILT_IN: &[(&str, &str)] = &[("Service", "kubernetes"), ("ServiceAccount", "default")];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let mut findings = WorkloadCheck {
        rule: &RULE,
        problem: "runs in the default namespace",
        problems,
        fix: "redeploy it in a namespace of its own, then delete it from default",
        reads: PodFields::Whole,
    }
    .run(ctx)?;
    let mut missing = Vec::new();
    match ctx.services() {
        Ok(services) => findings.extend(in_default("Service", services.iter().map(|s| &s.metadata))),
        Err(why) => missing.push(why),
    }
    match ctx.service_accounts() {
        Ok(accounts) => findings.extend(in_default("ServiceAccount", accounts.iter().map(|a| &a.metadata))),
        Err(why) => missing.push(why),
    }
    if findings.iter().any(|f| f.status == Status::Fail) {
        findings.retain(|f| f.status != Status::Pass);
    } else if !missing.is_empty() {
        let unknown = RULE.unknown(
            ctx.cluster_resource(),
            "no pod runs in default, but the Services or ServiceAccounts there could not be judged",
        );
        findings = vec![missing.iter().fold(unknown, |f, why| f.with_evidence(Evidence::note(why.what())))];
    }
    Ok(findings)
}

/// A failing finding for each object of `kind` in `default` that Kubernetes did not create.
fn in_default<'a>(
    kind: &'a str,
    objects: impl Iterator<Item = &'a ObjectMeta> + 'a,
) -> impl Iterator<Item = Finding> + 'a {
    objects.filter(|meta| meta.namespace() == "default" && !BUILT_IN.contains(&(kind, meta.name.as_str()))).map(
        move |meta| {
            let name = meta.name.as_str();
            RULE.fail(
                Resource::namespaced(kind, "default", name),
                format!("{kind} default/{name} is in the default namespace"),
            )
            .with_evidence(Evidence::kubernetes(format!("{kind} {name} in namespace default")))
            .with_remediation(format!(
                "# recreate it in the application's namespace, then:\nkubectl -n default delete {} {name}",
                kind.to_ascii_lowercase()
            ))
        },
    )
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    match pod.metadata.namespace() {
        "default" => vec![format!("pod {} runs in namespace default", pod.metadata.name)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, pod_in, run, statuses};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    /// Pods, and the built-in Service and ServiceAccount of `default` (plus `extra`).
    fn snapshot(pods: Vec<crate::snapshot::kube::Pod>, extra: serde_json::Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(pods);
        let meta = |name: &str| json!({"metadata": {"name": name, "namespace": "default"}});
        let mut services = vec![meta("kubernetes")];
        let mut accounts = vec![meta("default")];
        if let Some(service) = extra.get("service") {
            services.push(meta(service.as_str().unwrap()));
        }
        if let Some(account) = extra.get("account") {
            accounts.push(meta(account.as_str().unwrap()));
        }
        snapshot.kubernetes.services = Part::Collected(k8s(json!(services)));
        snapshot.kubernetes.service_accounts = Part::Collected(k8s(json!(accounts)));
        snapshot
    }

    #[test]
    fn pods_in_default_fail() {
        let findings = run(&RULE, &snapshot(vec![pod_in("default", "debug"), pod_in("shop", "web")], json!({})));
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Fail, "Pod/default/debug"));
        assert_eq!(statuses(&RULE, &snapshot(vec![pod_in("shop", "web")], json!({}))), [Status::Pass]);
    }

    #[test]
    fn services_and_service_accounts_in_default_fail_but_the_built_in_ones() {
        let findings = run(&RULE, &snapshot(vec![pod_in("shop", "web")], json!({"service": "web", "account": "ci"})));
        let failing: Vec<&str> = findings.iter().map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Service/default/web", "ServiceAccount/default/ci"]);
        assert!(findings.iter().all(|f| f.status == Status::Fail), "no pass next to a failure");
        assert_eq!(
            findings[0].remediation.as_deref(),
            Some("# recreate it in the application's namespace, then:\nkubectl -n default delete service web")
        );
    }

    #[test]
    fn unread_services_make_a_clean_default_unknown() {
        let mut snapshot = snapshot(vec![pod_in("shop", "web")], json!({}));
        snapshot.kubernetes.services = Part::Unavailable("403 Forbidden".into());
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
        assert!(findings[0].evidence[0].as_str().contains("kubernetes/services is unavailable (403 Forbidden)"));
        // A pod in default fails whatever else could not be read.
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("default", "debug")]);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Fail]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
