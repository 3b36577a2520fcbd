//! `aggregate-to-edit-endpoints`: the `edit` role cannot write Endpoints (CVE-2021-25740).

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{PolicyRule, Role};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "aggregate-to-edit-endpoints",
    title: "ClusterRoles aggregated into edit do not allow writing Endpoints",
    severity: Severity::Medium,
    area: Area::AccessControl,
    help_uri: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#write-access-for-endpoints",
    reads: &[source::CLUSTER_ROLES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes clusters should not allow endpoint edit permissions of ClusterRole/system:aggregate-to-edit (1ddac26b-ed48-4c30-8cc5-3a68c79b8001)",
        "CVE-2021-25740: Endpoint & EndpointSlice permissions allow cross-Namespace forwarding",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
`system:aggregate-to-edit`, and every ClusterRole labelled
`rbac.authorization.k8s.io/aggregate-to-edit: \"true\"` (Kubernetes folds them into the `edit`
role), must not grant `create`, `update`, `patch` or `*` on `endpoints` or `endpointslices`
(the Azure Policy built-in 1ddac26b). Kubernetes 1.22 and later no longer grant it by default;
older clusters, upgraded ones and add-ons can still carry it.

## Why it matters
CVE-2021-25740: whoever can write Endpoints can point a Service at any IP, including pods of other
namespaces or the control plane, and have a LoadBalancer or Ingress forward traffic there, past
network policies. Every user with `edit` in any namespace would have that power.

## How to fix
Remove the endpoint write verbs from the aggregated ClusterRole (or its `aggregate-to-edit`
label), then check the `edit` role no longer lists them:

    kubectl edit clusterrole NAME
    kubectl get clusterrole edit -o yaml | grep -A3 endpoints
";

const WRITES: [&str; 4] = ["create", "update", "patch", "*"];
const AGGREGATE_LABEL: &str = "rbac.authorization.k8s.io/aggregate-to-edit";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let roles = ctx.cluster_roles()?;
    let aggregated: Vec<&Role> = roles
        .iter()
        .filter(|r| {
            r.metadata.name == "system:aggregate-to-edit"
                || r.metadata.labels.get(AGGREGATE_LABEL).map(String::as_str) == Some("true")
        })
        .collect();
    let mut findings: Vec<Finding> = aggregated.iter().filter_map(|role| judge(role)).collect();
    if findings.is_empty() {
        let message = format!("{} ClusterRole(s) aggregated into edit, none writes Endpoints", aggregated.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every ClusterRole")),
        );
    }
    Ok(findings)
}

fn writes_endpoints(rule: &PolicyRule) -> bool {
    let core = rule.api_groups.iter().any(|g| g.is_empty() || g == "*" || g == "discovery.k8s.io");
    let endpoints = rule.resources.iter().any(|r| matches!(r.as_str(), "endpoints" | "endpointslices" | "*"));
    core && endpoints && rule.verbs.iter().any(|v| WRITES.contains(&v.as_str()))
}

fn judge(role: &Role) -> Option<Finding> {
    let writes: Vec<String> = role
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| writes_endpoints(rule))
        .map(|(i, rule)| format!("rules[{i}]: verbs [{}] on [{}]", rule.verbs.join(", "), rule.resources.join(", ")))
        .collect();
    if writes.is_empty() {
        return None;
    }
    let name = role.metadata.name.as_str();
    let finding = RULE
        .fail(
            Resource::cluster_scoped("ClusterRole", name),
            format!("ClusterRole {name} gives every holder of edit write access to Endpoints (CVE-2021-25740)"),
        )
        .with_evidence(Evidence::kubernetes(format!("ClusterRole {name} is aggregated into edit")))
        .with_remediation(format!("kubectl edit clusterrole {name}  # remove create/update/patch on endpoints"));
    Some(writes.into_iter().fold(finding, |f, w| f.with_evidence(Evidence::detail(Source::Kubernetes, w))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn with_cluster_roles(roles: serde_json::Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.cluster_roles = Part::Collected(k8s(roles));
        snapshot
    }

    #[test]
    fn an_aggregated_role_writing_endpoints_fails_read_only_and_unaggregated_ones_pass() {
        let write = json!([{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["create", "patch"]}]);
        let findings = run(
            &RULE,
            &with_cluster_roles(json!([
                {"metadata": {"name": "endpoints-editor", "labels": {AGGREGATE_LABEL: "true"}}, "rules": write},
                {"metadata": {"name": "not-aggregated"}, "rules": write},
                {"metadata": {"name": "system:aggregate-to-edit"}, "rules": [{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "list"]}]},
            ])),
        );
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(
            (findings[0].status, findings[0].resource.to_string()),
            (Status::Fail, "ClusterRole/endpoints-editor".into())
        );
        assert_eq!(findings[0].evidence[1].as_str(), "rules[0]: verbs [create, patch] on [endpoints]");

        let clean = with_cluster_roles(json!([{"metadata": {"name": "system:aggregate-to-edit"}, "rules": []}]));
        assert_eq!(run(&RULE, &clean).iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn cluster_roles_not_read_is_unknown() {
        assert_eq!(
            run(&RULE, &Snapshot::empty("test", "not provided")).iter().map(|f| f.status).collect::<Vec<_>>(),
            [Status::Unknown]
        );
    }
}
