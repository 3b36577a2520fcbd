//! `default-namespace-workloads`: nothing runs in the `default` namespace.

use super::workload_check::WorkloadCheck;
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "default-namespace-workloads",
    title: "No workloads in the default namespace",
    severity: Severity::Low,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.3"],
    references: &["Kubernetes documentation: Namespaces, \"Initial namespaces\""],
    check,
};

const DOCS: &str = "\
## What it checks
Running pods in the `default` namespace fail, one finding per workload.

## Why it matters
`default` is where everything lands when nobody chose: it usually has no Pod Security label, no
network policy, no quota and no owner, and RBAC granted there covers unrelated workloads.
Namespaces per application are the unit of isolation for policies, RBAC and quotas.

## How to fix
Create a namespace for the application (`kubectl create namespace APP`), deploy it there with its
own network policies and Pod Security label, and delete it from `default`.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs in the default namespace",
        problems,
        fix: "redeploy it in a namespace of its own, then delete it from default",
    }
    .run(ctx)
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
    use crate::rules::testing::{pod_in, run};
    use crate::snapshot::{Part, Snapshot};

    #[test]
    fn pods_in_default_fail() {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("default", "debug"), pod_in("shop", "web")]);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].status, findings[0].resource.as_str()), (Status::Fail, "Pod/default/debug"));

        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("shop", "web")]);
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
