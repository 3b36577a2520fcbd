//! `pod-security-labels`: every user namespace enforces a Pod Security Standard, with a dry run
//! of `restricted` against the workloads that run there.

use super::Area;
use super::restricted_profile::violations;
use super::workload_check::union;
use super::workloads::{group_by_workload, pod_names};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Namespace;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "pod-security-labels",
    title: "Namespaces enforce a Pod Security Standard",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
    reads: &[source::NAMESPACES, source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5"],
    references: &[
        "Azure Policy initiative: Kubernetes cluster pod security restricted standards for Linux-based workloads (42b8ef37-b724-4e24-bbc8-7a7708edfe00)",
        "Kubernetes documentation: Pod Security Admission and Pod Security Standards",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
For each namespace outside the system namespaces, the `pod-security.kubernetes.io/enforce`
label:
- absent: fails (medium): any pod is admitted, privileged ones included;
- `privileged`: fails (high): an explicit opt-out;
- `baseline`: passes, with a note that `restricted` is the target;
- `restricted`: passes.
For every namespace not yet at `restricted`, it also runs the `restricted` profile against the
running pods (grouped by Deployment, StatefulSet, DaemonSet, CronJob) and lists, in the evidence,
each workload that would be rejected and why: privileged, host namespaces, hostPath,
`allowPrivilegeEscalation` not false, not `runAsNonRoot`, capabilities not dropped to ALL, no
RuntimeDefault/Localhost seccomp profile.

## Why it matters
Pod Security Admission is Kubernetes' built-in guard against pods that can take over their node.
Without an enforce label nothing stops them. Labelling a namespace `restricted` blindly is the
Contoso Break & Fix outage: new pods of non-compliant workloads fail to start. The dry run tells
you which workloads to fix first.

## How to fix
Fix the workloads the evidence lists (runAsNonRoot, seccompProfile RuntimeDefault,
allowPrivilegeEscalation false, capabilities drop ALL), then:

    kubectl label namespace NS pod-security.kubernetes.io/enforce=restricted \\
      pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite

Until then, `warn=restricted` and `audit=restricted` with `enforce=baseline` show the violations
without blocking anything.
";

const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let namespaces = ctx.namespaces()?;
    Ok(namespaces.iter().filter(|ns| !ctx.is_system_namespace(&ns.metadata.name)).map(|ns| judge(ctx, ns)).collect())
}

fn judge(ctx: &Context, namespace: &Namespace) -> Finding {
    let name = &namespace.metadata.name;
    let resource = Resource::kube_namespace(name);
    let level = namespace.metadata.labels.get(ENFORCE_LABEL).map(String::as_str);
    let evidence = match level {
        Some(level) => Evidence::kubernetes(format!("label {ENFORCE_LABEL}={level}")),
        None => Evidence::kubernetes(format!("no {ENFORCE_LABEL} label")),
    };
    let finding = match level {
        Some("restricted") => {
            return RULE.pass(resource, "enforces the restricted Pod Security Standard").with_evidence(evidence);
        }
        Some("baseline") => RULE.pass(resource, "enforces baseline; restricted is the target"),
        Some("privileged") => RULE
            .fail(resource, "enforce=privileged: Pod Security admission is switched off for this namespace")
            .with_severity(Severity::High),
        None => RULE.fail(resource, "no Pod Security Standard is enforced: privileged pods are admitted"),
        Some(other) => RULE
            .fail(resource, format!("enforce={other} is not a Pod Security level (privileged, baseline, restricted)")),
    };
    let (dry_run, rejected) = restricted_dry_run(ctx, name);
    let finding = finding.with_evidence(evidence);
    // What the restricted profile would reject, judged from the namespace's pods.
    let finding =
        dry_run.into_iter().fold(finding, |f, line| f.with_evidence(Evidence::detail(Source::Kubernetes, line)));
    if finding.status == crate::finding::Status::Fail {
        finding.with_remediation(remediation(name, rejected))
    } else {
        finding
    }
}

/// Evidence lines saying which running workloads `restricted` would reject, and how many.
fn restricted_dry_run(ctx: &Context, namespace: &str) -> (Vec<String>, usize) {
    let pods = match ctx.pods_in(namespace) {
        Ok(pods) => pods,
        Err(missing) => {
            return (
                vec![format!("restricted dry run skipped: {} is unavailable ({})", missing.source, missing.reason)],
                0,
            );
        }
    };
    let running = pods.iter().copied().filter(|pod| pod.is_running());
    let groups = group_by_workload(running, |pod| ctx.workload_of(pod));
    let mut lines = Vec::new();
    for (workload, pods) in &groups {
        let reasons = union(pods.iter().flat_map(|pod| violations(pod)));
        if !reasons.is_empty() {
            lines.push(format!(
                "restricted would reject {workload} (pods {}): {}",
                pod_names(pods),
                reasons.join("; ")
            ));
        }
    }
    let rejected = lines.len();
    if rejected == 0 {
        lines.push(format!(
            "restricted dry run: all {} running workloads comply; the label can be applied safely",
            groups.len()
        ));
    }
    (lines, rejected)
}

fn remediation(namespace: &str, rejected: usize) -> String {
    let label = format!(
        "kubectl label namespace {namespace} {ENFORCE_LABEL}=restricted pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite"
    );
    match rejected {
        0 => label,
        n => format!(
            "# first fix the {n} workload(s) listed in the evidence, or only warn and audit until then:\n\
             kubectl label namespace {namespace} {ENFORCE_LABEL}=baseline pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted --overwrite\n\
             # then:\n{label}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn snapshot(namespaces: serde_json::Value, pods: Option<serde_json::Value>) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.namespaces = Part::Collected(k8s(namespaces));
        if let Some(pods) = pods {
            snapshot.kubernetes.pods = Part::Collected(k8s(pods));
        }
        snapshot
    }

    fn ns(name: &str, level: Option<&str>) -> serde_json::Value {
        match level {
            Some(level) => json!({"metadata": {"name": name, "labels": {ENFORCE_LABEL: level}}}),
            None => json!({"metadata": {"name": name}}),
        }
    }

    #[test]
    fn verdict_per_level_and_system_namespaces_skipped() {
        let findings = run(
            &RULE,
            &snapshot(
                json!([
                    ns("kube-system", None),
                    ns("a", None),
                    ns("b", Some("privileged")),
                    ns("c", Some("baseline")),
                    ns("d", Some("restricted")),
                    ns("e", Some("strict")),
                ]),
                Some(json!([])),
            ),
        );
        let verdicts: Vec<(&str, Status, Severity)> =
            findings.iter().map(|f| (f.resource.as_str(), f.status, f.severity)).collect();
        assert_eq!(
            verdicts,
            [
                ("Namespace/a", Status::Fail, Severity::Medium),
                ("Namespace/b", Status::Fail, Severity::High),
                ("Namespace/c", Status::Pass, Severity::Medium),
                ("Namespace/d", Status::Pass, Severity::Medium),
                ("Namespace/e", Status::Fail, Severity::Medium),
            ]
        );
        assert!(findings[2].message.contains("restricted is the target"));
        assert!(
            findings[0]
                .remediation
                .as_deref()
                .unwrap()
                .starts_with("kubectl label namespace a pod-security.kubernetes.io/enforce=restricted")
        );
    }

    #[test]
    fn dry_run_lists_the_workloads_restricted_would_reject() {
        let pods = json!([
            {"metadata": {"name": "web-abc12-x1", "namespace": "shop", "labels": {"pod-template-hash": "abc12"},
                          "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc12", "controller": true}]},
             "spec": {"containers": [{"name": "nginx", "securityContext": {"privileged": true}}]}, "status": {"phase": "Running"}},
            {"metadata": {"name": "web-abc12-x2", "namespace": "shop", "labels": {"pod-template-hash": "abc12"},
                          "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc12", "controller": true}]},
             "spec": {"containers": [{"name": "nginx", "securityContext": {"privileged": true}}]}, "status": {"phase": "Running"}},
            {"metadata": {"name": "done", "namespace": "shop"}, "spec": {"hostNetwork": true, "containers": [{"name": "c"}]}, "status": {"phase": "Succeeded"}}
        ]);
        let findings = run(&RULE, &snapshot(json!([ns("shop", None)]), Some(pods)));
        let evidence: Vec<&str> = findings[0].evidence.iter().map(|e| e.as_str()).collect();
        let evidence = evidence.join("\n");
        assert!(
            evidence.contains("restricted would reject Deployment/shop/web (pods web-abc12-x1, web-abc12-x2)"),
            "{evidence}"
        );
        assert!(evidence.contains("container \"nginx\" is privileged"), "{evidence}");
        assert!(!evidence.contains("done"), "completed pods are not running workloads: {evidence}");
        assert!(findings[0].remediation.as_deref().unwrap().contains("enforce=baseline"));
    }

    #[test]
    fn compliant_namespace_says_the_label_is_safe() {
        let pods = json!([{"metadata": {"name": "p", "namespace": "ok"}, "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]},
            "status": {"phase": "Running"}}]);
        let findings = run(&RULE, &snapshot(json!([ns("ok", None)]), Some(pods)));
        assert!(findings[0].evidence.iter().any(|e| e.contains("can be applied safely")), "{:?}", findings[0].evidence);
    }

    #[test]
    fn pods_missing_skips_only_the_dry_run() {
        let findings = run(&RULE, &snapshot(json!([ns("a", None)]), None));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].evidence.iter().any(|e| e.contains("dry run skipped")));
    }

    #[test]
    fn missing_namespaces_are_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "forbidden"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Unknown);
    }
}
