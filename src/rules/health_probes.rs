//! `health-probes`: containers have readiness and liveness probes.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "health-probes",
    title: "Containers have readiness and liveness probes",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/deployment-safeguards",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Ensure cluster containers have readiness or liveness probes configured (b1a9997f-2883-4f12-bdff-2280f99b5915)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every regular container of every running pod must have both a `readinessProbe` and a
`livenessProbe`: the AKS Deployment Safeguards assign b1a9997f with `requiredProbes:
[readinessProbe, livenessProbe]`. Init and ephemeral containers are not judged (they cannot have
probes). Pods owned by Jobs and CronJobs are not judged either: a batch container runs to
completion and is never a Service endpoint. Pods are grouped by workload; system namespaces go
to the platform-managed group.

## Why it matters
Without a readiness probe a Service sends traffic to a container that is still starting or has
stopped serving; without a liveness probe a hung process is never restarted. Both turn a small
failure into an outage, and during a node upgrade's drain they decide whether the replacement
pods take over cleanly.

## How to fix
Add to each container of the pod template, matched to the application:

    readinessProbe:
      httpGet: {path: /healthz/ready, port: 8080}
    livenessProbe:
      httpGet: {path: /healthz/live, port: 8080}
      initialDelaySeconds: 10
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs containers without readiness and liveness probes",
        problems,
        fix: "add a readinessProbe and a livenessProbe to each container",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    if pod.metadata.controller().is_some_and(|owner| owner.kind == "Job") {
        return Vec::new();
    }
    let mut found = Vec::new();
    for container in &pod.spec.containers {
        let missing: Vec<&str> =
            [("readinessProbe", container.readiness_probe), ("livenessProbe", container.liveness_probe)]
                .into_iter()
                .filter(|(_, probe)| probe.is_none())
                .map(|(name, _)| name)
                .collect();
        if !missing.is_empty() {
            found.push(format!("container \"{}\" has no {}", container.name, missing.join(" or ")));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn both_probes_pass_a_missing_one_fails() {
        let probe = json!({"httpGet": {"path": "/", "port": 80}});
        let both =
            deployment_pod("shop", "web", json!({"name": "web", "readinessProbe": probe, "livenessProbe": probe}));
        assert_eq!(run(&RULE, &with_pods(json!([both])))[0].status, Status::Pass);
        let one = deployment_pod("shop", "web", json!({"name": "web", "readinessProbe": probe}));
        let finding = &run(&RULE, &with_pods(json!([one])))[0];
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.evidence.iter().any(|e| e.as_str() == "container \"web\" has no livenessProbe"));
    }

    #[test]
    fn job_pods_are_not_judged() {
        let pod = json!({"metadata": {"name": "backup-x", "namespace": "shop",
            "ownerReferences": [{"kind": "Job", "name": "backup-1", "controller": true}]},
            "spec": {"containers": [{"name": "b"}]}, "status": {"phase": "Running"}});
        assert_eq!(run(&RULE, &with_pods(json!([pod])))[0].status, Status::Pass);
    }

    #[test]
    fn a_probe_of_the_wrong_type_is_not_read_as_present() {
        let pod = deployment_pod("shop", "web", json!({"name": "web", "readinessProbe": [], "livenessProbe": {}}));
        assert!(serde_json::from_value::<crate::snapshot::kube::Pod>(pod).is_err());
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
