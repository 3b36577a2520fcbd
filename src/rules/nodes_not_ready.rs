//! `nodes-not-ready`: no node has been NotReady or cordoned for more than a day.

use super::clock::{describe_age, parse_timestamp};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::Node;
use crate::snapshot::source;
use jiff::Timestamp;

pub static RULE: Rule = Rule {
    id: "nodes-not-ready",
    title: "No node is NotReady or cordoned for more than a day",
    severity: Severity::Medium,
    area: Area::Operations,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::NODES],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Basic troubleshooting of Node NotReady failures in AKS"],
    check,
};

const DOCS: &str = "\
## What it checks
Every Kubernetes node:
- its `Ready` condition is not `True` (NotReady or Unknown): fails medium once it has been so
  for more than a day (from the condition's `lastTransitionTime`), low before that (a node
  being upgraded or rebooted for patches is briefly NotReady);
- it is cordoned (`spec.unschedulable: true`): Kubernetes does not record when a node was
  cordoned, so this fails medium unless a `node.kubernetes.io/unschedulable` taint carries a
  `timeAdded` under a day old (low).
A node without a `Ready` condition is unknown. Needs only Kubernetes access.

## Why it matters
AKS upgrades and node image rollouts stall or fail on NotReady nodes, so a node left broken
blocks the patches for the whole pool. A node cordoned and forgotten after maintenance takes
capacity away, and it is often one that was meant to be investigated or replaced.

## How to fix
Find out why (`kubectl describe node NODE`). Uncordon a node whose maintenance is over
(`kubectl uncordon NODE`); replace a node that does not recover:

    az aks nodepool delete-machines -g RG --cluster-name NAME -n POOL --machine-names NODE
";

/// How long a node may be NotReady or cordoned before it fails at the rule's severity.
const GRACE_SECONDS: i64 = 86_400;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let nodes = ctx.nodes()?;
    if nodes.is_empty() {
        return Ok(vec![
            RULE.unknown(ctx.cluster_resource(), "no nodes were listed: cannot tell whether they are Ready"),
        ]);
    }
    let findings: Vec<Finding> = nodes.iter().filter_map(|node| judge(ctx, node)).collect();
    if !findings.is_empty() {
        return Ok(findings);
    }
    Ok(vec![
        RULE.pass(ctx.cluster_resource(), format!("all {} nodes are Ready and schedulable", nodes.len()))
            .with_evidence(Evidence::kubernetes(format!(
                "{} nodes with Ready = True and spec.unschedulable unset",
                nodes.len()
            ))),
    ])
}

/// One problem of a node: what it is and since when (when known).
struct Problem {
    evidence: Evidence,
    since: Option<Timestamp>,
    what: &'static str,
}

/// `None` when the node is Ready and schedulable.
fn judge(ctx: &Context, node: &Node) -> Option<Finding> {
    let name = &node.metadata.name;
    let resource = Resource::cluster_scoped("Node", name);
    let Some(ready) = node.condition("Ready") else {
        return Some(RULE.unknown(resource, format!("node {name} reports no Ready condition")));
    };
    let mut problems = Vec::new();
    if ready.status != "True" {
        let since = ready.last_transition_time.as_deref().and_then(parse_timestamp);
        problems.push(Problem {
            evidence: Evidence::kubernetes(format!(
                "status.conditions[Ready].status = \"{}\" since {}",
                ready.status,
                ready.last_transition_time.as_deref().unwrap_or("an unrecorded time")
            )),
            since,
            what: "NotReady",
        });
    }
    if node.spec.unschedulable {
        let taint = node.spec.taints.iter().find(|t| t.key == "node.kubernetes.io/unschedulable");
        let since = taint.and_then(|t| t.time_added.as_deref()).and_then(parse_timestamp);
        let evidence = match since {
            Some(time) => Evidence::kubernetes(format!("spec.unschedulable = true, tainted unschedulable at {time}")),
            None => Evidence::kubernetes("spec.unschedulable = true; Kubernetes does not record since when"),
        };
        problems.push(Problem { evidence, since, what: "cordoned" });
    }
    if problems.is_empty() {
        return None;
    }
    Some(finding(ctx, node, resource, &problems))
}

fn finding(ctx: &Context, node: &Node, resource: Resource, problems: &[Problem]) -> Finding {
    let name = &node.metadata.name;
    let now = ctx.now();
    // The oldest known start decides; an unknown start counts as old (never pass on missing data).
    let ages: Vec<Option<i64>> = problems.iter().map(|p| p.since.map(|t| now.duration_since(t).as_secs())).collect();
    let long_standing = ages.iter().any(|age| age.is_none_or(|s| s > GRACE_SECONDS));
    let what: Vec<&str> = problems.iter().map(|p| p.what).collect();
    let how_long = match ages.iter().flatten().max() {
        Some(&seconds) => format!(" for {}", describe_age(seconds)),
        None => String::new(),
    };
    let message = if long_standing {
        format!("node {name} is {}{how_long}: upgrades and patches stall on it", what.join(" and "))
    } else {
        format!(
            "node {name} is {}{how_long} (under a day: possibly an upgrade or a reboot in progress)",
            what.join(" and ")
        )
    };
    let mut finding = RULE.fail(resource, message).with_remediation(remediation(ctx, node, &what));
    if !long_standing {
        finding = finding.with_severity(Severity::Low);
    }
    problems.iter().fold(finding, |f, p| f.with_evidence(p.evidence.clone()))
}

fn remediation(ctx: &Context, node: &Node, what: &[&str]) -> String {
    let name = &node.metadata.name;
    let mut steps = vec![format!("kubectl describe node {name}")];
    if what.contains(&"cordoned") {
        steps.push(format!("kubectl uncordon {name}   # once its maintenance is over"));
    }
    if what.contains(&"NotReady") {
        let pool = node.agent_pool().unwrap_or("<pool>");
        steps.push(format!(
            "{}   # if it does not recover",
            ctx.az_aks_nodepool("delete-machines", pool, &format!("--machine-names {name}"))
        ));
    }
    steps.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run_at};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    const NOW: &str = "2026-11-24T08:00:00Z";

    fn nodes(nodes: Vec<serde_json::Value>) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.nodes = Part::Collected(nodes.into_iter().map(k8s).collect());
        snapshot
    }

    fn node(name: &str, ready: &str, since: &str, unschedulable: bool) -> serde_json::Value {
        json!({"metadata": {"name": name, "labels": {"kubernetes.azure.com/agentpool": "pool1"}},
               "spec": {"unschedulable": unschedulable},
               "status": {"conditions": [{"type": "Ready", "status": ready, "lastTransitionTime": since}]}})
    }

    #[test]
    fn ready_schedulable_nodes_pass_as_one_finding() {
        let findings = run_at(&RULE, &nodes(vec![node("a", "True", "2026-01-01T00:00:00Z", false); 2]), NOW);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Pass);
    }

    #[test]
    fn not_ready_for_more_than_a_day_fails_medium_with_the_node_and_pool() {
        let findings = run_at(&RULE, &nodes(vec![node("n1", "Unknown", "2026-11-20T08:00:00Z", false)]), NOW);
        let finding = &findings[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Medium));
        assert_eq!(finding.resource, "Node/n1");
        assert!(finding.message.contains("for 4 days"), "{}", finding.message);
        let fix = finding.remediation.as_deref().unwrap();
        assert!(fix.contains("az aks nodepool delete-machines -g <resource-group> --cluster-name <cluster-name> -n pool1 --machine-names n1"), "{fix}");
    }

    #[test]
    fn recently_not_ready_fails_low() {
        let finding = &run_at(&RULE, &nodes(vec![node("n1", "False", "2026-11-24T05:00:00Z", false)]), NOW)[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Low));
        assert!(finding.message.contains("3 hours"), "{}", finding.message);
    }

    #[test]
    fn cordoned_since_an_unknown_time_fails_medium_and_says_so() {
        let finding = &run_at(&RULE, &nodes(vec![node("n1", "True", "2026-11-24T07:00:00Z", true)]), NOW)[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Medium));
        assert!(finding.evidence[0].contains("does not record"), "{:?}", finding.evidence);
        assert!(finding.remediation.as_deref().unwrap().contains("kubectl uncordon n1"));
    }

    #[test]
    fn no_ready_condition_or_no_nodes_is_unknown() {
        let bare = json!({"metadata": {"name": "n1"}});
        assert_eq!(run_at(&RULE, &nodes(vec![bare]), NOW)[0].status, Status::Unknown);
        assert_eq!(run_at(&RULE, &nodes(vec![]), NOW)[0].status, Status::Unknown);
        let missing = &run_at(&RULE, &Snapshot::empty("test", "not provided"), NOW)[0];
        assert_eq!(missing.status, Status::Unknown);
        assert!(missing.message.contains("kubernetes/nodes"));
    }
}
