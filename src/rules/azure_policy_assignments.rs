//! `azure-policy-assignments`: a Kubernetes pod security initiative applies to the cluster and
//! is enforced (deny, enforcement on, no extra excluded namespaces), and Gatekeeper agrees.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::Constraint;
use crate::snapshot::policy::{Applies, PolicyAssignment};
use crate::snapshot::source;
use serde_json::Value;

pub static RULE: Rule = Rule {
    id: "azure-policy-assignments",
    title: "A pod security initiative is assigned to the cluster and enforced",
    severity: Severity::High,
    area: Area::GovernanceAndSecrets,
    help_uri: "https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes",
    reads: &[source::MANAGED_CLUSTER, source::POLICY_ASSIGNMENTS, source::GATEKEEPER_CONSTRAINTS],
    docs: DOCS,
    cis: &["5.2.1"],
    references: &[
        "Azure Policy: Kubernetes cluster pod security baseline standards for Linux-based workloads (a8640138-9b0a-4a28-b8cb-1666c838647d)",
        "Azure Policy: Kubernetes cluster pod security restricted standards for Linux-based workloads (42b8ef37-b724-4e24-bbc8-7a7708edfe00)",
        "Microsoft Learn: Azure Policy for Kubernetes (https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The policy assignments that apply to the cluster: `policyAssignments?$filter=atScope()` on the
cluster (`az policy assignment list --scope CLUSTER_ID --disable-scope-strict-match`), so
assignments on its resource group, subscription and management groups count — minus those whose
`notScopes` contain the cluster. An assignment whose `notScopes` names a management group (whose
members aksguard cannot see) may not apply, and is never counted as protection.
- Coverage: a pod security initiative (baseline `a8640138-…`, restricted `42b8ef37-…`) applies,
  or every policy of the baseline initiative is assigned on its own. Otherwise it fails.
- Enforcement, for each such initiative or single pod security policy: its `effect` parameter is
  `deny` (the built-ins' default is `Audit`, so an assignment that does not set it only audits),
  `enforcementMode` is not `DoNotEnforce`, `excludedNamespaces` holds no more than the platform's
  namespaces (kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system and
  aksguard's system namespaces; the extra ones are named), and `namespaces` does not restrict it
  to a few. A parameter of the wrong JSON type makes the assignment `unknown`.
- Gatekeeper cross-check: an assignment that says deny is only as good as the constraints the
  add-on made of it. With no Azure Policy constraint (`K8sAzure*`) in the cluster, or every one
  of them in `dryrun`/`warn`, the assignment denies nothing: a finding of its own.

## Why it matters
The assignment is where a pod security standard is decided; in `audit` it reports the
privileged pod it should have refused. Each extra excluded namespace is a place where anything
runs.

## How to fix

    az policy assignment create -n pod-security-baseline --scope CLUSTER_ID \\
      --policy-set-definition a8640138-9b0a-4a28-b8cb-1666c838647d --params '{\"effect\": {\"value\": \"deny\"}}'
    az policy assignment update -n NAME --scope SCOPE --enforcement-mode Default \\
      --params '{\"effect\": {\"value\": \"deny\"}}'

`--params` replaces every parameter of the assignment: the command leaves `excludedNamespaces`
out, so that it falls back to its default, the platform's namespaces (kube-system,
gatekeeper-system, azure-arc, azure-extensions-usage-system).
";

const BASELINE: &str = "a8640138-9b0a-4a28-b8cb-1666c838647d";
const RESTRICTED: &str = "42b8ef37-b724-4e24-bbc8-7a7708edfe00";

/// The policies of the two pod security initiatives (Azure/azure-policy, `built-in-policies/
/// policySetDefinitions/Kubernetes/PSP*Standard.json`), and whether baseline holds them.
const POD_SECURITY_POLICIES: [(&str, &str, bool); 9] = [
    ("95edb821-ddaf-4404-9732-666045e056b4", "Kubernetes cluster should not allow privileged containers", true),
    (
        "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
        "Kubernetes cluster pods should only use approved host network and port list",
        true,
    ),
    ("47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", "Kubernetes cluster containers should not share host namespaces", true),
    (
        "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
        "Kubernetes cluster containers should only use allowed capabilities",
        true,
    ),
    (
        "098fc59e-46c7-4d99-9b16-64990e543d75",
        "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
        true,
    ),
    (
        "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
        "Kubernetes clusters should not allow container privilege escalation",
        false,
    ),
    ("16697877-1118-4fb1-9b65-9898ec2509ec", "Kubernetes cluster pods should only use allowed volume types", false),
    (
        "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
        "Kubernetes cluster pods and containers should only run with approved user and group IDs",
        false,
    ),
    (
        "975ce327-682c-4f2e-aa46-b9598289b86c",
        "Kubernetes cluster containers should only use allowed seccomp profiles",
        false,
    ),
];

/// The namespaces the initiatives exclude by default: the platform's own.
pub const PLATFORM_NAMESPACES: [&str; 4] =
    ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"];

/// The definition name of a pod security policy or initiative, by its GUID.
pub fn pod_security_name(key: &str) -> Option<&'static str> {
    match key {
        BASELINE => Some("Kubernetes cluster pod security baseline standards for Linux-based workloads"),
        RESTRICTED => Some("Kubernetes cluster pod security restricted standards for Linux-based workloads"),
        _ => POD_SECURITY_POLICIES.iter().find(|(id, _, _)| *id == key).map(|(_, name, _)| *name),
    }
}

/// One assignment of a pod security initiative or policy that applies (or may apply).
struct Judged<'a> {
    assignment: &'a PolicyAssignment,
    applies: Applies,
    problems: Vec<String>,
    unreadable: Vec<String>,
}

impl Judged<'_> {
    /// Applies for certain and enforces.
    fn protects(&self) -> bool {
        self.applies == Applies::Yes && self.problems.is_empty() && self.unreadable.is_empty()
    }
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.cluster()?;
    let cluster = ctx.cluster_resource();
    let assignments = ctx.policy_assignments()?;
    let judged: Vec<Judged> = assignments
        .iter()
        .filter(|a| a.definition_key().as_deref().and_then(pod_security_name).is_some())
        .filter_map(|assignment| match assignment.applies_to(cluster.as_str()) {
            Applies::No(_) => None,
            applies => Some(judge(ctx, assignment, applies)),
        })
        .collect();
    let mut findings = vec![coverage(ctx, cluster, assignments.len(), &judged)];
    for item in &judged {
        findings.push(enforcement(ctx, item));
        if let Some(cross_check) = gatekeeper(ctx, item) {
            findings.push(cross_check);
        }
    }
    Ok(findings)
}

fn judge<'a>(ctx: &Context, assignment: &'a PolicyAssignment, applies: Applies) -> Judged<'a> {
    let (mut problems, mut unreadable) = (Vec::new(), Vec::new());
    match assignment.parameter("effect") {
        None => problems.push(
            "effect is not set, so it is the built-in default, Audit: violations are reported, not denied".into(),
        ),
        Some(Value::String(effect)) if effect.eq_ignore_ascii_case("deny") => {}
        Some(Value::String(effect))
            if effect.eq_ignore_ascii_case("audit") || effect.eq_ignore_ascii_case("disabled") =>
        {
            problems.push(format!("effect is {effect}, not deny"))
        }
        Some(other) => unreadable.push(format!("effect is {other}, not a value the pod security policies take")),
    }
    match assignment.properties.enforcement_mode.as_deref() {
        None => {}
        Some(mode) if mode.eq_ignore_ascii_case("Default") => {}
        Some(mode) if mode.eq_ignore_ascii_case("DoNotEnforce") => {
            problems.push("enforcementMode is DoNotEnforce: the effect is never applied".into())
        }
        Some(mode) => unreadable.push(format!("enforcementMode {mode:?} is not one aksguard knows")),
    }
    match namespace_list(assignment, "excludedNamespaces") {
        Ok(Some(excluded)) => {
            let platform = |ns: &&String| PLATFORM_NAMESPACES.contains(&ns.as_str()) || ctx.is_system_namespace(ns);
            let extra: Vec<&str> = excluded.iter().filter(|ns| !platform(ns)).map(String::as_str).collect();
            if !extra.is_empty() {
                problems.push(format!(
                    "excludedNamespaces holds more than the platform's namespaces: {}",
                    extra.join(", ")
                ));
            }
        }
        Ok(None) => {}
        Err(why) => unreadable.push(why),
    }
    match namespace_list(assignment, "namespaces") {
        Ok(Some(only)) if !only.is_empty() => {
            problems.push(format!("namespaces restricts it to {} only", only.join(", ")))
        }
        Ok(_) => {}
        Err(why) => unreadable.push(why),
    }
    Judged { assignment, applies, problems, unreadable }
}

/// A parameter that must be a list of namespace names; `None` when not set (the default).
fn namespace_list(assignment: &PolicyAssignment, name: &str) -> Result<Option<Vec<String>>, String> {
    match assignment.parameter(name) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| format!("{name} holds {item}, not a namespace name"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(format!("{name} is {other}, not a list of namespaces")),
    }
}

fn describe(assignment: &PolicyAssignment) -> Evidence {
    let key = assignment.definition_key().unwrap_or_default();
    Evidence::arm(format!(
        "assignment {} ({}) at {}: {}",
        assignment.name.as_deref().unwrap_or("?"),
        pod_security_name(&key).unwrap_or("?"),
        assignment.properties.scope.as_deref().unwrap_or("no scope"),
        params(assignment)
    ))
}

fn params(assignment: &PolicyAssignment) -> String {
    let shown: Vec<String> = ["effect", "excludedNamespaces", "namespaces"]
        .iter()
        .filter_map(|name| assignment.parameter(name).map(|v| format!("{name} = {v}")))
        .chain(assignment.properties.enforcement_mode.as_ref().map(|m| format!("enforcementMode = {m}")))
        .collect();
    if shown.is_empty() { "no parameters (the defaults)".into() } else { shown.join(", ") }
}

/// Whether a pod security initiative (or the whole baseline, policy by policy) applies.
fn coverage(ctx: &Context, cluster: Resource, read: usize, judged: &[Judged]) -> Finding {
    let certain: Vec<&Judged> = judged.iter().filter(|j| j.applies == Applies::Yes).collect();
    let initiatives: Vec<&&Judged> = certain.iter().filter(|j| j.assignment.is_initiative()).collect();
    let singles: Vec<String> = certain
        .iter()
        .filter(|j| !j.assignment.is_initiative())
        .filter_map(|j| j.assignment.definition_key())
        .collect();
    let whole_baseline = POD_SECURITY_POLICIES
        .iter()
        .filter(|(_, _, baseline)| *baseline)
        .all(|(id, _, _)| singles.iter().any(|s| s == id));
    let names =
        |items: &[&&Judged]| items.iter().map(|j| j.assignment.label().to_string()).collect::<Vec<_>>().join(", ");
    if !initiatives.is_empty() {
        return RULE
            .pass(cluster, format!("a pod security initiative applies to the cluster: {}", names(&initiatives)))
            .with_evidence(Evidence::arm(format!("{read} assignment(s) read at the cluster's scope and above")));
    }
    if whole_baseline {
        return RULE
            .pass(cluster, "every policy of the pod security baseline initiative is assigned on its own")
            .with_evidence(Evidence::arm(format!("{read} assignment(s) read at the cluster's scope and above")));
    }
    let perhaps: Vec<String> = judged
        .iter()
        .filter_map(|j| match &j.applies {
            Applies::Perhaps(why) => Some(format!("{}: {why}", j.assignment.label())),
            _ => None,
        })
        .collect();
    if !perhaps.is_empty() {
        return RULE.unknown(
            cluster,
            format!("a pod security initiative may not apply to the cluster: {}", perhaps.join("; ")),
        );
    }
    let names = ctx.names();
    RULE.fail(cluster.clone(), "no Kubernetes pod security initiative applies to the cluster")
        .with_evidence(Evidence::arm(format!(
            "{read} assignment(s) at the cluster's scope and above, none of initiative {BASELINE} or {RESTRICTED}"
        )))
        .with_remediation(format!(
            "az policy assignment create -n pod-security-baseline --scope {cluster} --policy-set-definition {BASELINE} --params '{{\"effect\": {{\"value\": \"deny\"}}}}'\n# needs the add-on: az aks enable-addons -g {} -n {} --addons azure-policy",
            names.resource_group, names.name
        ))
}

fn enforcement(ctx: &Context, item: &Judged) -> Finding {
    let assignment = item.assignment;
    let resource = assignment.id.clone().map_or_else(|| ctx.cluster_resource(), Resource::arm);
    let label = assignment.label();
    let finding = if !item.problems.is_empty() {
        RULE.fail(resource, format!("{label} does not enforce: {}", item.problems.join("; ")))
            .with_remediation(fix(assignment, &item.problems))
    } else if !item.unreadable.is_empty() {
        RULE.unknown(resource, format!("{label} cannot be judged: {}", item.unreadable.join("; ")))
    } else if let Applies::Perhaps(why) = &item.applies {
        RULE.unknown(resource, format!("{label} enforces, but may not apply to the cluster: {why}"))
    } else {
        RULE.pass(resource, format!("{label} enforces: deny, in every namespace but the platform's"))
    };
    finding.with_evidence(describe(assignment))
}

/// `--params` replaces every parameter: `excludedNamespaces` is left out, so that it falls back to
/// its default, the platform's namespaces (spelled out, the list made the command too wide to
/// wrap in an 80-column table).
fn fix(assignment: &PolicyAssignment, problems: &[String]) -> String {
    let mut params = vec![r#""effect": {"value": "deny"}"#.to_string()];
    if problems.iter().any(|p| p.starts_with("namespaces")) {
        params.push(r#""namespaces": {"value": []}"#.to_string());
    }
    let mode = if problems.iter().any(|p| p.contains("DoNotEnforce")) { " --enforcement-mode Default" } else { "" };
    format!(
        "az policy assignment update -n {} --scope {}{mode} --params '{{{}}}'",
        assignment.name.as_deref().unwrap_or("NAME"),
        assignment.properties.scope.as_deref().unwrap_or("SCOPE"),
        params.join(", ")
    )
}

/// An assignment that says deny, checked against the constraints Gatekeeper enforces.
fn gatekeeper(ctx: &Context, item: &Judged) -> Option<Finding> {
    if !item.protects() {
        return None;
    }
    let resource = item.assignment.id.clone().map_or_else(|| ctx.cluster_resource(), Resource::arm);
    let label = item.assignment.label();
    let constraints = match ctx.gatekeeper_constraints() {
        Ok(constraints) => constraints,
        Err(missing) => {
            return Some(RULE.unknown(
                resource,
                format!("{label} says deny, but Gatekeeper's constraints cannot be checked: {}", missing.what()),
            ));
        }
    };
    let azure: Vec<&Constraint> =
        constraints.iter().filter(|c| c.kind.to_ascii_lowercase().starts_with("k8sazure")).collect();
    let denying = azure.iter().filter(|c| c.enforcement_action().eq_ignore_ascii_case("deny")).count();
    let evidence =
        Evidence::kubernetes(format!("{denying} of {} Azure Policy constraint(s) (K8sAzure*) deny", azure.len()));
    let names = ctx.names();
    let look = format!(
        "kubectl get constraints -o custom-columns=KIND:.kind,NAME:.metadata.name,ACTION:.spec.enforcementAction\naz aks show -g {} -n {} --query addonProfiles.azurepolicy",
        names.resource_group, names.name
    );
    Some(match (azure.len(), denying) {
        (0, _) => RULE
            .fail(resource, format!("{label} says deny, but the cluster has no Azure Policy constraint: nothing is denied (the add-on is off or has not synced)"))
            .with_evidence(evidence)
            .with_remediation(look),
        (_, 0) => RULE
            .fail(resource, format!("{label} says deny, but every Azure Policy constraint in the cluster only audits (dryrun/warn)"))
            .with_evidence(evidence)
            .with_remediation(look),
        _ => RULE.pass(resource, format!("Gatekeeper enforces {label}: Azure Policy constraints deny")).with_evidence(evidence),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    const CLUSTER: &str =
        "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1";
    const MG: &str = "/providers/Microsoft.Management/managementGroups/contoso";

    fn assignment(name: &str, scope: &str, definition: &str, extra: Value) -> Value {
        let kind = if definition == BASELINE || definition == RESTRICTED {
            "policySetDefinitions"
        } else {
            "policyDefinitions"
        };
        let mut doc = json!({"id": format!("{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"), "name": name,
            "type": "Microsoft.Authorization/policyAssignments",
            "properties": {"displayName": name, "scope": scope, "notScopes": [],
              "policyDefinitionId": format!("/providers/Microsoft.Authorization/{kind}/{definition}"),
              "parameters": {"effect": {"value": "deny"}}}});
        if let Value::Object(extra) = extra {
            for (key, value) in extra {
                doc["properties"][key] = value;
            }
        }
        doc
    }

    fn deny_constraints() -> Part<Vec<Constraint>> {
        Part::Collected(vec![k8s(
            json!({"kind": "K8sAzureV2NoPrivilege", "metadata": {"name": "azurepolicy-a"}, "spec": {"enforcementAction": "deny"}}),
        )])
    }

    fn findings(assignments: Vec<Value>, constraints: Part<Vec<Constraint>>) -> Vec<Finding> {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.policy_assignments =
            Part::Collected(assignments.iter().map(|a| PolicyAssignment::from_document(a).unwrap()).collect());
        snapshot.kubernetes.gatekeeper_constraints = constraints;
        run(&RULE, &snapshot)
    }

    fn statuses(found: &[Finding]) -> Vec<Status> {
        found.iter().map(|f| f.status).collect()
    }

    #[test]
    fn a_denying_initiative_at_the_subscription_with_gatekeeper_agreeing_passes() {
        let found = findings(vec![assignment("psb", "/subscriptions/sub", BASELINE, json!({}))], deny_constraints());
        assert_eq!(statuses(&found), [Status::Pass, Status::Pass, Status::Pass], "{found:#?}");
        assert!(found[0].message.contains("psb"));
    }

    #[test]
    fn no_initiative_fails_and_other_policies_do_not_count() {
        let found = findings(
            vec![assignment("tags", "/subscriptions/sub", "1e30110a-5ceb-460c-a204-c1c3969c6d62", json!({}))],
            deny_constraints(),
        );
        assert_eq!(statuses(&found), [Status::Fail]);
        let fix = found[0].remediation.as_deref().unwrap();
        assert!(fix.starts_with(&format!(
            "az policy assignment create -n pod-security-baseline --scope {CLUSTER} --policy-set-definition {BASELINE}"
        )));
    }

    #[test]
    fn a_management_group_assignment_whose_not_scopes_exclude_the_cluster_is_not_counted() {
        let excluded = assignment("psb", MG, BASELINE, json!({"notScopes": ["/subscriptions/sub/resourceGroups/RG1"]}));
        let found = findings(vec![excluded], deny_constraints());
        assert_eq!(statuses(&found), [Status::Fail]);
        let elsewhere =
            assignment("psb", MG, BASELINE, json!({"notScopes": ["/subscriptions/sub/resourceGroups/rg2"]}));
        assert_eq!(
            statuses(&findings(vec![elsewhere], deny_constraints())),
            [Status::Pass, Status::Pass, Status::Pass]
        );
        let another_rg = assignment("psb", "/subscriptions/sub/resourceGroups/rg2", BASELINE, json!({}));
        assert_eq!(
            statuses(&findings(vec![another_rg], deny_constraints())),
            [Status::Fail],
            "a scope that does not hold the cluster"
        );
        let unseen = assignment(
            "psb",
            MG,
            BASELINE,
            json!({"notScopes": ["/providers/Microsoft.Management/managementGroups/sandbox"]}),
        );
        assert_eq!(statuses(&findings(vec![unseen], deny_constraints())), [Status::Unknown, Status::Unknown]);
    }

    #[test]
    fn audit_default_effect_do_not_enforce_and_extra_namespaces_fail_naming_them() {
        let audit =
            assignment("psb", "/subscriptions/sub", BASELINE, json!({"parameters": {"effect": {"value": "Audit"}}}));
        let default = assignment(
            "psr",
            "/subscriptions/sub",
            RESTRICTED,
            json!({"parameters": {}, "enforcementMode": "DoNotEnforce"}),
        );
        let extra = assignment(
            "priv",
            CLUSTER,
            "95edb821-ddaf-4404-9732-666045e056b4",
            json!({"parameters": {"effect": {"value": "deny"}, "excludedNamespaces": {"value": ["kube-system", "gatekeeper-system", "legacy", "tools"]}}}),
        );
        let found = findings(vec![audit, default, extra], deny_constraints());
        assert_eq!(statuses(&found), [Status::Pass, Status::Fail, Status::Fail, Status::Fail]);
        assert!(found[1].message.contains("effect is Audit, not deny"));
        assert!(found[2].message.contains("the built-in default, Audit") && found[2].message.contains("DoNotEnforce"));
        assert!(found[3].message.contains("platform's namespaces: legacy, tools"), "{}", found[3].message);
        assert_eq!(
            found[2].remediation.as_deref(),
            Some(
                r#"az policy assignment update -n psr --scope /subscriptions/sub --enforcement-mode Default --params '{"effect": {"value": "deny"}}'"#
            )
        );
        // Left out, excludedNamespaces falls back to its default: the platform's namespaces only.
        assert_eq!(
            found[3].remediation.as_deref(),
            Some(
                r#"az policy assignment update -n priv --scope /subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1 --params '{"effect": {"value": "deny"}}'"#
            )
        );
    }

    #[test]
    fn parameters_of_the_wrong_type_are_unknown() {
        let odd = assignment(
            "psb",
            "/subscriptions/sub",
            BASELINE,
            json!({"parameters": {"effect": {"value": "deny"}, "excludedNamespaces": {"value": "legacy"}}}),
        );
        let found = findings(vec![odd], deny_constraints());
        assert_eq!(statuses(&found), [Status::Pass, Status::Unknown]);
        assert!(found[1].message.contains("not a list of namespaces"));
    }

    #[test]
    fn deny_with_dryrun_or_missing_constraints_is_a_finding_of_its_own() {
        let psb = || assignment("psb", "/subscriptions/sub", BASELINE, json!({}));
        let dryrun = Part::Collected(vec![
            k8s(
                json!({"kind": "K8sAzureV2NoPrivilege", "metadata": {"name": "a"}, "spec": {"enforcementAction": "dryrun"}}),
            ),
            k8s(json!({"kind": "K8sRequiredLabels", "metadata": {"name": "mine"}, "spec": {}})),
        ]);
        let found = findings(vec![psb()], dryrun);
        assert_eq!(statuses(&found), [Status::Pass, Status::Pass, Status::Fail]);
        assert!(found[2].message.contains("only audits"));
        let found = findings(vec![psb()], Part::Collected(vec![]));
        assert!(found[2].message.contains("no Azure Policy constraint"));
        let found = findings(vec![psb()], Part::unavailable("forbidden"));
        assert_eq!(found[2].status, Status::Unknown);
    }

    #[test]
    fn the_baseline_assigned_policy_by_policy_counts() {
        let singles: Vec<Value> = POD_SECURITY_POLICIES
            .iter()
            .filter(|(_, _, baseline)| *baseline)
            .map(|(id, _, _)| assignment(&format!("p-{}", &id[..8]), "/subscriptions/sub", id, json!({})))
            .collect();
        assert_eq!(findings(singles.clone(), deny_constraints())[0].status, Status::Pass);
        assert_eq!(findings(singles[1..].to_vec(), deny_constraints())[0].status, Status::Fail);
    }

    #[test]
    fn missing_sources_are_unknown() {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.policy_assignments = Part::unavailable("forbidden");
        assert_eq!(statuses(&run(&RULE, &snapshot)), [Status::Unknown]);
        assert_eq!(statuses(&run(&RULE, &Snapshot::empty("t", "not provided"))), [Status::Unknown]);
    }
}
