//! `azure-policy-compliance`: the cluster and its Kubernetes objects comply with every policy
//! assigned to them.

use super::azure_policy_assignments::pod_security_name;
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::policy::PolicyState;
use crate::snapshot::source;
use crate::snapshot::strict::within;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "azure-policy-compliance",
    title: "The cluster's workloads comply with the Azure Policies assigned to it",
    severity: Severity::Medium,
    area: Area::GovernanceAndSecrets,
    help_uri: "https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes",
    reads: &[
        source::MANAGED_CLUSTER,
        source::POLICY_STATES,
        source::COMPONENT_POLICY_STATES,
        source::PODS,
        source::REPLICA_SETS,
        source::JOBS,
    ],
    docs: DOCS,
    cis: &[],
    references: &[
        "Microsoft Learn: Get compliance data of Azure resources (https://learn.microsoft.com/azure/governance/policy/how-to/get-compliance-data)",
        "Microsoft Learn: Azure Policy for Kubernetes, limitations (https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes#limitations)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The latest compliance states for the cluster (`policyStates/latest`, `az policy state list
--resource CLUSTER_ID`), and for its Kubernetes objects (`componentPolicyStates/latest`, whose
`componentId` is `namespace/name`). Each policy (of an assignment) with a `NonCompliant` state
is a failing finding naming the workloads that violate it — pods are resolved to their
Deployment, StatefulSet, DaemonSet or CronJob when the pods were read. Each compliant policy is
a passing finding (`--show all`).
The add-on's limits are respected and said: it reports at most 500 non-compliant records per
policy per cluster (a list that long is marked capped: there may be more), and never evaluates
kube-system or gatekeeper-system. No state at all is `unknown`: no assignment has been evaluated
on the cluster yet.

## Why it matters
An assignment in `audit` (or a new one in `deny`, which leaves running pods alone) is only useful
if its violations are read and fixed; this is the list of what to fix, by workload.

## How to fix
Fix the named workloads' specs (the policy says what it requires), or record an exemption with a
reason and an expiry:

    az policy exemption create -n NAME --scope CLUSTER_ID --policy-assignment ASSIGNMENT_ID \\
      --exemption-category Waiver --expires-on 2027-01-01
";

/// The add-on reports at most this many non-compliant records per policy per cluster.
const ADD_ON_CAP: usize = 500;
/// Workloads named in one finding's message and evidence.
const SHOWN: usize = 20;

/// One policy of one assignment, with its states.
#[derive(Default)]
struct Policy<'a> {
    cluster: Vec<&'a PolicyState>,
    components: Vec<&'a PolicyState>,
}

impl Policy<'_> {
    fn any(&self) -> &PolicyState {
        self.cluster.first().or(self.components.first()).expect("a policy is made from one state at least")
    }

    fn non_compliant(&self) -> bool {
        self.cluster.iter().chain(&self.components).any(|s| s.is_non_compliant())
    }

    fn name(&self) -> String {
        let state = self.any();
        let definition = state.policy_definition_name.as_deref().unwrap_or("unnamed policy");
        let known = pod_security_name(&definition.to_ascii_lowercase());
        let named = known.unwrap_or(definition);
        match state.policy_definition_reference_id.as_deref() {
            Some(reference) if known.is_none() && !reference.is_empty() => format!("{named} ({reference})"),
            _ => named.to_string(),
        }
    }
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.cluster()?;
    let cluster = ctx.cluster_resource();
    let cluster_id = cluster.as_str();
    let states = ctx.policy_states()?;
    let components = ctx.component_policy_states();
    let about_cluster = |s: &&PolicyState| s.resource_id.as_deref().is_some_and(|id| within(id, cluster_id));
    let mut policies: BTreeMap<(String, String, String), Policy> = BTreeMap::new();
    for state in states.iter().filter(about_cluster) {
        policies.entry(state.policy_key()).or_default().cluster.push(state);
    }
    if let Ok(components) = components {
        for state in components.iter().map(|c| &c.0).filter(about_cluster).filter(|s| s.is_non_compliant()) {
            policies.entry(state.policy_key()).or_default().components.push(state);
        }
    }
    if policies.is_empty() {
        return Ok(vec![RULE.unknown(
            cluster.clone(),
            format!("Azure Policy reports no compliance state for the cluster ({} read): no assignment has been evaluated on it yet", states.len()),
        )]);
    }
    Ok(policies.values().map(|policy| judge(ctx, &cluster, policy, components.as_ref().err())).collect())
}

fn judge(ctx: &Context, cluster: &Resource, policy: &Policy, components_missing: Option<&Missing>) -> Finding {
    let state = policy.any();
    let assignment = state.policy_assignment_name.as_deref().unwrap_or("?");
    let resource = state.policy_assignment_id.clone().map_or_else(|| cluster.clone(), Resource::arm);
    let name = policy.name();
    let evidence = Evidence::arm_document(
        "policy states",
        format!(
            "policy {} of assignment {assignment}: {}",
            state.policy_definition_id.as_deref().unwrap_or("?"),
            state.compliance_state.as_deref().unwrap_or("no state")
        ),
    );
    if !policy.non_compliant() {
        return RULE.pass(resource, format!("compliant with {name}")).with_evidence(evidence);
    }
    let workloads = workloads(ctx, &policy.components);
    let mut finding = match workloads.len() {
        0 => RULE.fail(resource, format!("the cluster does not comply with {name} (assignment {assignment})")),
        n => RULE
            .fail(resource, format!("{n} workload(s) violate {name} (assignment {assignment}): {}", shown(&workloads))),
    }
    .with_evidence(evidence);
    if policy.components.len() >= ADD_ON_CAP {
        finding = finding.with_evidence(Evidence::note(format!(
            "capped: Azure Policy reports at most {ADD_ON_CAP} non-compliant records per policy per cluster; there may be more"
        )));
    }
    if let Some(missing) = components_missing {
        finding = finding.with_evidence(Evidence::note(format!(
            "which Kubernetes objects violate it is not known: {}",
            missing.what()
        )));
    }
    finding
        .with_evidence(Evidence::note("kube-system and gatekeeper-system are never evaluated by the Azure Policy add-on"))
        .with_remediation(format!(
            "# fix the workloads' specs, or record an exemption with a reason:\naz policy exemption create -n {} --scope {cluster} --policy-assignment {} --exemption-category Waiver --expires-on YYYY-MM-DD",
            format_args!("{}-exemption", state.policy_definition_reference_id.as_deref().unwrap_or("policy")),
            state.policy_assignment_id.as_deref().unwrap_or("ASSIGNMENT_ID")
        ))
}

/// The workloads the non-compliant objects belong to, with how many objects each.
fn workloads(ctx: &Context, components: &[&PolicyState]) -> BTreeMap<String, usize> {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for state in components {
        let id = state.component_id.as_deref().unwrap_or("?");
        let kind = state.component_type.as_deref().unwrap_or("object");
        let workload = match id.split_once('/') {
            Some((namespace, name)) if kind.eq_ignore_ascii_case("pod") => match ctx.pods_in(namespace) {
                Ok(pods) => pods.iter().find(|p| p.metadata.name == name).map(|p| ctx.workload_of(p).to_string()),
                Err(_) => None,
            },
            _ => None,
        };
        *found.entry(workload.unwrap_or_else(|| format!("{kind} {id}"))).or_default() += 1;
    }
    found
}

fn shown(workloads: &BTreeMap<String, usize>) -> String {
    let mut names: Vec<String> = workloads
        .iter()
        .take(SHOWN)
        .map(|(name, count)| if *count > 1 { format!("{name} ({count} objects)") } else { name.clone() })
        .collect();
    if workloads.len() > SHOWN {
        names.push(format!("and {} more", workloads.len() - SHOWN));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, k8s, run, with_cluster};
    use crate::snapshot::policy::ComponentPolicyState;
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const CLUSTER: &str =
        "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1";
    const ASSIGNMENT: &str = "/subscriptions/sub/providers/Microsoft.Authorization/policyAssignments/psb";

    fn state(definition: &str, compliance: &str, component: Option<&str>) -> PolicyState {
        let mut doc = json!({"resourceId": CLUSTER.to_lowercase(), "policyAssignmentId": ASSIGNMENT, "policyAssignmentName": "psb",
            "policyDefinitionId": format!("/providers/Microsoft.Authorization/policyDefinitions/{definition}"),
            "policyDefinitionName": definition, "policyDefinitionReferenceId": "NoPrivilegedContainers", "complianceState": compliance});
        if let Some(id) = component {
            doc["componentId"] = json!(id);
            doc["componentType"] = json!("pod");
        }
        PolicyState::from_document(&doc).unwrap()
    }

    const PRIVILEGED: &str = "95edb821-ddaf-4404-9732-666045e056b4";

    fn snapshot(states: Vec<PolicyState>, components: Part<Vec<PolicyState>>) -> Snapshot {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.policy_states = Part::Collected(states);
        snapshot.azure.component_policy_states = match components {
            Part::Collected(rows) => Part::Collected(rows.into_iter().map(ComponentPolicyState).collect()),
            Part::Unavailable(reason) => Part::Unavailable(reason),
        };
        snapshot
    }

    #[test]
    fn non_compliant_policies_name_the_workloads_compliant_ones_pass() {
        let components = vec![
            state(PRIVILEGED, "NonCompliant", Some("shop/web-5d8f-x")),
            state(PRIVILEGED, "NonCompliant", Some("shop/debug")),
            state(PRIVILEGED, "Compliant", Some("shop/api-5d8f-x")),
        ];
        let mut snapshot = snapshot(
            vec![
                state(PRIVILEGED, "NonCompliant", None),
                state("1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", "Compliant", None),
            ],
            Part::Collected(components),
        );
        let pods: Vec<Value> = vec![deployment_pod("shop", "web", json!({"name": "app", "image": "x"}))];
        snapshot.kubernetes.pods = Part::Collected(k8s(Value::Array(pods)));
        let found = run(&RULE, &snapshot);
        let verdicts: Vec<Status> = found.iter().map(|f| f.status).collect();
        assert_eq!(verdicts, [Status::Pass, Status::Fail]);
        let failing = &found[1];
        assert_eq!(failing.resource, ASSIGNMENT);
        assert_eq!(
            failing.message,
            "2 workload(s) violate Kubernetes cluster should not allow privileged containers (assignment psb): Deployment/shop/web, pod shop/debug"
        );
        assert!(failing.remediation.as_deref().unwrap().contains(
            "--policy-assignment /subscriptions/sub/providers/Microsoft.Authorization/policyAssignments/psb"
        ));
    }

    #[test]
    fn a_list_at_the_add_ons_cap_is_said_to_be_capped() {
        let components: Vec<PolicyState> =
            (0..ADD_ON_CAP).map(|i| state(PRIVILEGED, "NonCompliant", Some(&format!("ns/pod-{i}")))).collect();
        let found = run(&RULE, &snapshot(vec![state(PRIVILEGED, "NonCompliant", None)], Part::Collected(components)));
        assert!(found[0].evidence.iter().any(|e| e.starts_with("capped")));
        assert!(found[0].message.contains("500 workload(s)") && found[0].message.ends_with("and 480 more"));
    }

    #[test]
    fn missing_component_states_still_fail_the_policy_and_say_why() {
        let found =
            run(&RULE, &snapshot(vec![state(PRIVILEGED, "NonCompliant", None)], Part::unavailable("forbidden")));
        assert_eq!(found[0].status, Status::Fail);
        assert!(found[0].evidence.iter().any(|e| e.contains("which Kubernetes objects violate it is not known")));
    }

    #[test]
    fn the_reference_rows_of_another_resource_are_not_this_clusters() {
        let example = crate::rules::testing::arm_example("policy-states-latest-query-resource.2024-10-01.json");
        let other = PolicyState::from_document(&example["value"][0]).unwrap();
        let found = run(&RULE, &snapshot(vec![other], Part::Collected(vec![])));
        assert_eq!(found[0].status, Status::Unknown, "no state about this cluster");
    }

    #[test]
    fn missing_states_are_unknown() {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.policy_states = Part::unavailable("forbidden");
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
        assert_eq!(run(&RULE, &Snapshot::empty("t", "none"))[0].status, Status::Unknown);
    }
}
