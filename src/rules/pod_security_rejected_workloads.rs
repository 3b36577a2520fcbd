//! `pod-security-rejected-workloads`: no running workload violates the `restricted` Pod Security
//! Standard its namespace enforces, since admission rejects every new pod of such a workload.

use super::restricted_profile::violations;
use super::workload_check::union;
use super::workloads::{WorkloadRef, group_by_workload, pod_names};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;
use serde_json::{Value, json};

pub static RULE: Rule = Rule {
    id: "pod-security-rejected-workloads",
    title: "Running workloads comply with the restricted Pod Security Standard their namespace enforces",
    severity: Severity::High,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
    reads: &[source::NAMESPACES, source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Kubernetes documentation: Pod Security Admission (enforce, warn and audit modes)",
        "Kubernetes documentation: Pod Security Standards, the restricted profile",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
For each namespace outside the system namespaces labelled
`pod-security.kubernetes.io/enforce=restricted`, every running workload (pods grouped by
Deployment, StatefulSet, DaemonSet, CronJob) is checked against the `restricted` profile:
privileged, host namespaces, hostPath, `allowPrivilegeEscalation` not false, not `runAsNonRoot`,
running as user 0, capabilities not dropped to ALL, no RuntimeDefault/Localhost seccomp profile.
A workload that violates it fails (high), with each violation in the evidence. A namespace whose
workloads all comply passes; no namespace enforcing `restricted` is not applicable (the dry run
of `pod-security-labels` covers the others). Without the namespaces or the pods: unknown.

## Why it matters
Pod Security admission checks pods when they are created, not the ones already running. A
namespace labelled `restricted` over non-compliant workloads looks fine until the next rollout,
restart, scale-up or node drain: then every new pod is rejected and the workload runs down to
zero. That is the first Contoso Break & Fix outage.

## How to fix
Make the workload compliant; the remediation is a patch of its pod template with the compliant
securityContext (its image must then run as a non-root user):

    kubectl patch deployment NAME -n NS --type strategic -p '{\"spec\":{\"template\":{\"spec\":{
      \"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},
      \"containers\":[{\"name\":\"C\",\"securityContext\":{\"allowPrivilegeEscalation\":false,
      \"capabilities\":{\"drop\":[\"ALL\"]}}}]}}}}'

Until it complies, stop the outage: enforce `baseline` and keep warning and auditing
`restricted`; enforce `restricted` again once it complies:

    kubectl label namespace NS pod-security.kubernetes.io/enforce=baseline \\
      pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite
";

const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// A user with no special meaning, for pods that ask for user 0 explicitly.
const NON_ROOT_USER: u32 = 1000;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let namespaces = ctx.namespaces()?;
    ctx.pods()?;
    let restricted: Vec<&str> = namespaces
        .iter()
        .filter(|ns| ns.metadata.labels.get(ENFORCE_LABEL).is_some_and(|level| level == "restricted"))
        .map(|ns| ns.metadata.name.as_str())
        .filter(|name| !ctx.is_system_namespace(name))
        .collect();
    if restricted.is_empty() {
        return Ok(vec![RULE.not_applicable(ctx.cluster_resource(), "no namespace enforces the restricted profile")]);
    }
    let mut findings = Vec::new();
    for namespace in restricted {
        findings.extend(judge_namespace(ctx, namespace)?);
    }
    Ok(findings)
}

fn judge_namespace(ctx: &Context, namespace: &str) -> Result<Vec<Finding>, Missing> {
    let running = ctx.pods_in(namespace)?.iter().copied().filter(|pod| pod.is_running());
    let groups = group_by_workload(running, |pod| ctx.workload_of(pod));
    let label = Evidence::kubernetes(format!("label {ENFORCE_LABEL}=restricted on Namespace/{namespace}"));
    let mut findings = Vec::new();
    for (workload, pods) in &groups {
        let reasons = union(pods.iter().flat_map(|pod| violations(pod)));
        if reasons.is_empty() {
            continue;
        }
        let finding = RULE
            .fail(
                Resource::namespaced(workload.kind, workload.namespace, workload.name),
                format!(
                    "{workload} violates restricted, which its namespace enforces: its running pods predate the \
                     label, and every new one (rollout, restart, scale-up, node drain) is rejected"
                ),
            )
            .with_evidence(label.clone())
            .with_evidence(Evidence::kubernetes(format!("running pods {}", pod_names(pods))));
        let finding = reasons
            .into_iter()
            .fold(finding, |f, reason| f.with_evidence(Evidence::detail(Source::Kubernetes, reason)));
        findings.push(finding.with_remediation(remediation(workload, pods)));
    }
    if findings.is_empty() {
        let message = match groups.len() {
            0 => "no workload runs here: every new pod is admitted only if it complies with restricted".to_string(),
            1 => "its one running workload complies with the restricted profile it enforces".to_string(),
            n => format!("all {n} running workloads comply with the restricted profile it enforces"),
        };
        findings.push(RULE.pass(Resource::kube_namespace(namespace), message).with_evidence(label));
    }
    Ok(findings)
}

/// In order: stop the outage (enforce baseline, keep warning about restricted), make the workload
/// comply (a patch of its pod template), enforce restricted again.
fn remediation(workload: &WorkloadRef, pods: &[&Pod]) -> String {
    let namespace = workload.namespace;
    let relabel = |level: &str| {
        format!(
            "kubectl label namespace {namespace} {ENFORCE_LABEL}={level} pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite"
        )
    };
    let template_path: &[&str] = match workload.kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        // A Job's and a bare pod's spec cannot be changed in place: they are recreated.
        _ => &[],
    };
    let fix = match template_path {
        [] => format!(
            "# {workload} cannot be patched in place: recreate it with the compliant securityContext\n\
             # (runAsNonRoot, seccompProfile RuntimeDefault, allowPrivilegeEscalation false, capabilities drop ALL)"
        ),
        path => format!(
            "# make {workload} comply (its image must run as a non-root user):\n\
             kubectl patch {} {} -n {namespace} --type strategic -p '{}'",
            workload.kind.to_ascii_lowercase(),
            workload.name,
            template_patch(path, pods)
        ),
    };
    format!(
        "# stop the outage now: enforce baseline, and keep warning and auditing restricted\n{}\n{fix}\n\
         # once it complies, enforce restricted again:\n{}",
        relabel("baseline"),
        relabel("restricted")
    )
}

/// A strategic merge patch: containers merge by name, so only the securityContext changes.
fn template_patch(path: &[&str], pods: &[&Pod]) -> String {
    let pod = pods[0];
    let root = pods.iter().any(|pod| {
        pod.spec.security_context.as_ref().and_then(|c| c.run_as_user) == Some(0)
            || pod.all_containers().any(|c| c.security_context.as_ref().and_then(|s| s.run_as_user) == Some(0))
    });
    let mut pod_context = json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}});
    if root {
        pod_context["runAsUser"] = json!(NON_ROOT_USER);
    }
    let container = |name: &str| {
        let mut context = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
        if root {
            context["runAsUser"] = json!(NON_ROOT_USER);
        }
        json!({"name": name, "securityContext": context})
    };
    let mut spec = json!({"securityContext": pod_context});
    spec["containers"] = pod.spec.containers.iter().map(|c| container(&c.name)).collect();
    if !pod.spec.init_containers.is_empty() {
        spec["initContainers"] = pod.spec.init_containers.iter().map(|c| container(&c.name)).collect();
    }
    let patch = path.iter().rev().fold(spec, |inner, key| {
        let mut outer = serde_json::Map::new();
        outer.insert((*key).to_string(), inner);
        Value::Object(outer)
    });
    // The patch goes between single quotes in a shell: a `'` in a name is written as its JSON escape.
    patch.to_string().replace('\'', "\\u0027")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, k8s, run};
    use crate::snapshot::{Part, Snapshot};

    fn snapshot(level: Option<&str>, pods: Option<Value>) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        let labels = level.map(|level| json!({ENFORCE_LABEL: level})).unwrap_or(json!({}));
        snapshot.kubernetes.namespaces = Part::Collected(k8s(
            json!([{"metadata": {"name": "shop", "labels": labels}}, {"metadata": {"name": "kube-system"}}]),
        ));
        if let Some(pods) = pods {
            snapshot.kubernetes.pods = Part::Collected(k8s(pods));
        }
        snapshot
    }

    fn root_pod() -> Value {
        let mut pod = deployment_pod("shop", "api", json!({"name": "api", "image": "x.azurecr.io/api:1"}));
        pod["spec"]["securityContext"] = json!({"runAsUser": 0});
        pod
    }

    fn compliant_pod() -> Value {
        let container = json!({"name": "web", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}});
        let mut pod = deployment_pod("shop", "web", container);
        pod["spec"]["securityContext"] = json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}});
        pod
    }

    #[test]
    fn a_root_workload_under_enforced_restricted_fails_with_the_patch() {
        let findings = run(&RULE, &snapshot(Some("restricted"), Some(json!([root_pod(), compliant_pod()]))));
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(
            (finding.status, finding.severity, finding.resource.as_str()),
            (Status::Fail, Severity::High, "Deployment/shop/api")
        );
        let evidence = finding.evidence.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(evidence.contains("runs as user 0 (root)"), "{evidence}");
        assert!(evidence.contains("has no RuntimeDefault or Localhost seccomp profile"), "{evidence}");
        let fix = finding.remediation.as_deref().unwrap();
        let patch_line = fix.lines().find(|line| line.starts_with("kubectl patch deployment api -n shop")).unwrap();
        let patch: Value =
            serde_json::from_str(patch_line.split_once(" -p '").unwrap().1.trim_end_matches('\'')).unwrap();
        let spec = &patch["spec"]["template"]["spec"];
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
        assert_eq!(spec["securityContext"]["runAsUser"], 1000, "an explicit root user is overridden");
        assert_eq!(spec["containers"][0]["name"], "api");
        assert_eq!(spec["containers"][0]["securityContext"]["capabilities"]["drop"][0], "ALL");
        assert!(fix.contains("enforce=baseline pod-security.kubernetes.io/warn=restricted"), "{fix}");
    }

    #[test]
    fn compliant_workloads_pass_per_namespace() {
        let findings = run(&RULE, &snapshot(Some("restricted"), Some(json!([compliant_pod()]))));
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Pass, "Namespace/shop"));
    }

    #[test]
    fn no_restricted_namespace_is_not_applicable() {
        for level in [None, Some("baseline"), Some("privileged")] {
            let findings = run(&RULE, &snapshot(level, Some(json!([root_pod()]))));
            assert_eq!(findings[0].status, Status::NotApplicable, "{level:?}");
        }
    }

    #[test]
    fn a_quote_in_a_container_name_cannot_end_the_shell_argument() {
        let mut pod = root_pod();
        pod["spec"]["containers"][0]["name"] = json!("api'; reboot; '");
        let findings = run(&RULE, &snapshot(Some("restricted"), Some(json!([pod]))));
        let fix = findings[0].remediation.as_deref().unwrap();
        let line = fix.lines().find(|line| line.starts_with("kubectl patch")).unwrap();
        assert_eq!(line.matches('\'').count(), 2, "{line}");
        let patch: Value = serde_json::from_str(line.split_once(" -p '").unwrap().1.trim_end_matches('\'')).unwrap();
        assert_eq!(patch["spec"]["template"]["spec"]["containers"][0]["name"], "api'; reboot; '");
    }

    #[test]
    fn a_bare_pod_is_recreated_not_patched() {
        let pod = json!({"metadata": {"name": "debug", "namespace": "shop"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}});
        let findings = run(&RULE, &snapshot(Some("restricted"), Some(json!([pod]))));
        let fix = findings[0].remediation.as_deref().unwrap();
        assert!(fix.contains("cannot be patched in place") && !fix.contains("kubectl patch"), "{fix}");
        assert!(fix.ends_with("pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite"), "{fix}");
    }

    #[test]
    fn missing_pods_or_namespaces_are_unknown() {
        let findings = run(&RULE, &snapshot(Some("restricted"), None));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Unknown);
        let findings = run(&RULE, &Snapshot::empty("test", "forbidden"));
        assert_eq!(findings[0].status, Status::Unknown);
    }
}
