//! `pdb-blocks-drain`: no PodDisruptionBudget forbids every eviction, which would stall node
//! drains and so every upgrade and node image rollout.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{IntOrString, Pod, PodDisruptionBudget};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "pdb-blocks-drain",
    title: "No PodDisruptionBudget blocks node drains",
    severity: Severity::Medium,
    area: Area::UpgradesAndPatching,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::POD_DISRUPTION_BUDGETS, source::PODS],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Troubleshoot UpgradeFailed errors due to eviction failures caused by PDBs"],
    check,
};

const DOCS: &str = "\
## What it checks
Every PodDisruptionBudget (system namespaces included: a blocking budget there blocks upgrades
too). It fails when:
- its spec can never allow an eviction: `maxUnavailable` is `0` (or `0%`), or `minAvailable`
  is at least the number of pods it expects. Percentages are resolved against the expected pods,
  rounding up as Kubernetes does (`minAvailable: 100%` of 3 pods is 3);
- or `status.disruptionsAllowed` is `0` while it matches pods (for example, pods are unhealthy).
The expected pods come from `status.expectedPods`, else from the running pods its selector
matches. A budget that selects no pods is not applicable. Needs only Kubernetes access.

## Why it matters
AKS drains each node before upgrading or reimaging it, and a drain honours budgets. A budget
that allows no disruption makes the drain wait until AKS gives up: the upgrade fails
(`UpgradeFailed`, eviction errors), and the node OS and Kubernetes patches never arrive. Teams
then relax the budget in a hurry during the maintenance window, or stop upgrading.

## How to fix
Let one pod go at a time, and run enough replicas for it:

    kubectl patch pdb NAME -n NAMESPACE --type merge -p '{\"spec\":{\"minAvailable\":null,\"maxUnavailable\":1}}'
    kubectl scale deployment APP -n NAMESPACE --replicas 2   # a single replica cannot satisfy any budget
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let budgets = ctx.pod_disruption_budgets()?;
    if budgets.is_empty() {
        return Ok(vec![
            RULE.pass(ctx.cluster_resource(), "no PodDisruptionBudget: none can block a node drain")
                .with_evidence(Evidence::kubernetes("poddisruptionbudgets: none")),
        ]);
    }
    // Pods help count what a budget selects when its status does not say; they are optional.
    let pods = ctx.pods().ok();
    Ok(budgets.iter().map(|budget| judge(budget, pods)).collect())
}

fn judge(budget: &PodDisruptionBudget, pods: Option<&[Pod]>) -> Finding {
    let namespace = budget.metadata.namespace();
    let name = &budget.metadata.name;
    let resource = Resource::namespaced("PodDisruptionBudget", namespace, name);
    let matched: Option<Vec<&str>> = pods.map(|pods| selected(budget, pods));
    let expected = budget.status.expected_pods.map(i64::from).or(matched.as_ref().map(|m| m.len() as i64));
    let Some(expected) = expected else {
        return RULE.unknown(
            resource,
            "the budget reports no expectedPods and the pods were not read: cannot tell what it protects",
        );
    };
    let counted = match budget.status.expected_pods {
        Some(_) => "status.expectedPods",
        None => "the running pods its selector matches",
    };
    let mut evidence = vec![
        Evidence::kubernetes(describe_spec(budget)),
        Evidence::detail(Source::Kubernetes, format!("expected pods: {expected} ({counted})")),
    ];
    if let Some(matched) = matched.as_ref().filter(|m| !m.is_empty()) {
        evidence.push(Evidence::detail(Source::Kubernetes, format!("selects pods: {}", list(matched))));
    }
    if expected == 0 {
        return with_evidence(
            RULE.not_applicable(resource, format!("{name} selects no pods: it blocks no drain")),
            evidence,
        );
    }
    let finding = match unsatisfiable(budget, expected) {
        Err(why) => RULE.unknown(resource, why),
        Ok(Some(why)) => RULE
            .fail(resource, format!("{name} can never allow an eviction ({why}): node drains, and so upgrades, stall"))
            .with_remediation(fix(budget)),
        Ok(None) => match budget.status.disruptions_allowed {
            Some(0) => RULE
                .fail(resource, format!("{name} allows no disruption now: draining a node with its pods stalls"))
                .with_remediation(format!(
                    "kubectl describe pdb {name} -n {namespace}   # which pods are unhealthy\n{}",
                    fix(budget)
                )),
            Some(allowed) => RULE.pass(resource, format!("{name} allows {allowed} disruption(s)")),
            None => RULE
                .pass(resource, format!("{name} can allow evictions (its status is not reported; judged on the spec)")),
        },
    };
    if let Some(allowed) = budget.status.disruptions_allowed {
        evidence.push(Evidence::kubernetes(format!(
            "status.disruptionsAllowed = {allowed}, currentHealthy = {}, desiredHealthy = {}",
            show(budget.status.current_healthy),
            show(budget.status.desired_healthy)
        )));
    }
    with_evidence(finding, evidence)
}

/// Running pods of the budget's namespace its selector matches. No selector selects nothing
/// (policy/v1); an empty one selects every pod of the namespace.
fn selected<'a>(budget: &PodDisruptionBudget, pods: &'a [Pod]) -> Vec<&'a str> {
    let Some(selector) = &budget.spec.selector else { return Vec::new() };
    pods.iter()
        .filter(|pod| pod.is_running() && pod.metadata.namespace() == budget.metadata.namespace())
        .filter(|pod| selector.matches(&pod.metadata.labels))
        .map(|pod| pod.metadata.name.as_str())
        .collect()
}

/// `Ok(Some(why))` when the spec forbids every eviction; `Err` when a value cannot be read.
fn unsatisfiable(budget: &PodDisruptionBudget, expected: i64) -> Result<Option<String>, String> {
    if let Some(max) = &budget.spec.max_unavailable {
        if resolve(max, expected)? == 0 {
            return Ok(Some(format!("maxUnavailable {}", text(max))));
        }
    }
    if let Some(min) = &budget.spec.min_available {
        let needed = resolve(min, expected)?;
        if needed >= expected {
            return Ok(Some(format!("minAvailable {} is {needed} of its {expected} pod(s)", text(min))));
        }
    }
    Ok(None)
}

/// An int-or-percent against `total`, rounding up like the disruption controller.
fn resolve(value: &IntOrString, total: i64) -> Result<i64, String> {
    match value {
        IntOrString::Int(n) => Ok(i64::from(*n)),
        IntOrString::String(s) => match s.trim().strip_suffix('%').map(str::parse::<i64>) {
            Some(Ok(percent)) => Ok(percent.saturating_mul(total).saturating_add(99) / 100),
            _ => s.trim().parse::<i64>().map_err(|_| format!("cannot read {s:?} as a number or a percentage")),
        },
    }
}

fn fix(budget: &PodDisruptionBudget) -> String {
    format!(
        "kubectl patch pdb {} -n {} --type merge -p '{{\"spec\":{{\"minAvailable\":null,\"maxUnavailable\":1}}}}'",
        budget.metadata.name,
        budget.metadata.namespace()
    )
}

fn describe_spec(budget: &PodDisruptionBudget) -> String {
    let mut parts = Vec::new();
    if let Some(min) = &budget.spec.min_available {
        parts.push(format!("spec.minAvailable = {}", text(min)));
    }
    if let Some(max) = &budget.spec.max_unavailable {
        parts.push(format!("spec.maxUnavailable = {}", text(max)));
    }
    if parts.is_empty() {
        parts.push("neither minAvailable nor maxUnavailable set".to_string());
    }
    parts.join(", ")
}

fn text(value: &IntOrString) -> String {
    match value {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn show(value: Option<i32>) -> String {
    value.map_or("?".to_string(), |v| v.to_string())
}

/// Up to five names, then a count.
fn list(names: &[&str]) -> String {
    match names.len() {
        0..=5 => names.join(", "),
        n => format!("{} and {} more", names[..5].join(", "), n - 5),
    }
}

fn with_evidence(finding: Finding, evidence: Vec<Evidence>) -> Finding {
    evidence.into_iter().fold(finding, Finding::with_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, pod_in, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn budget(spec: Value, status: Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        snapshot.kubernetes.pod_disruption_budgets = Part::Collected(vec![k8s(
            json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": spec, "status": status}),
        )]);
        snapshot
    }

    fn web_pods(n: usize) -> Part<Vec<Pod>> {
        Part::Collected(
            (0..n)
                .map(|i| {
                    let mut pod = pod_in("shop", &format!("web-{i}"));
                    pod.metadata.labels.insert("app".into(), "web".into());
                    pod
                })
                .collect(),
        )
    }

    fn status(expected: i32, allowed: i32) -> Value {
        json!({"expectedPods": expected, "disruptionsAllowed": allowed, "currentHealthy": expected, "desiredHealthy": expected - allowed})
    }

    #[test]
    fn a_budget_that_allows_a_disruption_passes() {
        let finding = &run(&RULE, &budget(json!({"maxUnavailable": 1}), status(3, 1)))[0];
        assert_eq!(finding.status, Status::Pass);
        assert_eq!(finding.resource, "PodDisruptionBudget/shop/web");
    }

    #[test]
    fn disruptions_allowed_zero_with_pods_fails() {
        // A satisfiable spec, but a pod is unhealthy: the drain would stall now.
        let snapshot = budget(
            json!({"minAvailable": 2}),
            json!({"expectedPods": 3, "disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 2}),
        );
        let finding = &run(&RULE, &snapshot)[0];
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("allows no disruption now"), "{}", finding.message);
        assert!(finding.remediation.as_deref().unwrap().contains("kubectl patch pdb web -n shop"));
    }

    #[test]
    fn unsatisfiable_specs_fail_whatever_the_status() {
        for (spec, expected) in [
            (json!({"maxUnavailable": 0}), 3),
            (json!({"maxUnavailable": "0%"}), 3),
            (json!({"minAvailable": 3}), 3),
            (json!({"minAvailable": "100%"}), 3),
            (json!({"minAvailable": 1}), 1),
        ] {
            let finding = &run(&RULE, &budget(spec.clone(), status(expected, 1)))[0];
            assert_eq!(finding.status, Status::Fail, "{spec}");
            assert!(finding.message.contains("can never allow"), "{spec}: {}", finding.message);
        }
    }

    #[test]
    fn percentages_resolve_against_expected_pods_rounding_up() {
        assert_eq!(resolve(&IntOrString::String("50%".into()), 3), Ok(2));
        assert_eq!(resolve(&IntOrString::String("10%".into()), 3), Ok(1));
        assert_eq!(resolve(&IntOrString::String("0%".into()), 3), Ok(0));
        assert_eq!(resolve(&IntOrString::Int(2), 3), Ok(2));
        assert!(resolve(&IntOrString::String("9223372036854775807%".into()), 3).is_ok(), "no overflow panic");
        // 50% of 2 pods needs 1: one may go.
        assert_eq!(run(&RULE, &budget(json!({"minAvailable": "50%"}), status(2, 1)))[0].status, Status::Pass);
        assert_eq!(run(&RULE, &budget(json!({"minAvailable": "lots"}), status(2, 1)))[0].status, Status::Unknown);
    }

    #[test]
    fn without_status_the_pods_are_counted() {
        let mut snapshot = budget(json!({"minAvailable": 2}), json!({}));
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown, "neither status nor pods");
        snapshot.kubernetes.pods = web_pods(2);
        let finding = &run(&RULE, &snapshot)[0];
        assert_eq!(finding.status, Status::Fail, "minAvailable 2 of 2 matched pods");
        assert!(finding.evidence.iter().any(|e| e.contains("web-0, web-1")), "{:?}", finding.evidence);
        snapshot.kubernetes.pods = web_pods(0);
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::NotApplicable, "selects no pods");
    }

    #[test]
    fn no_budgets_pass_and_unread_budgets_are_unknown() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
        snapshot.kubernetes.pod_disruption_budgets = Part::Collected(vec![]);
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Pass);
    }
}
