//! `rbac-wildcards`: Roles and ClusterRoles name the verbs and resources they grant.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Role;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "rbac-wildcards",
    title: "Roles and ClusterRoles grant no wildcard verbs or resources",
    severity: Severity::Medium,
    area: Area::AccessControl,
    help_uri: "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    reads: &[source::ROLES, source::CLUSTER_ROLES],
    docs: DOCS,
    cis: &["4.1.3"],
    references: &[
        "Azure Policy: Kubernetes clusters should minimize wildcard use in role and cluster role (ca8d5704-aa2b-40cf-b110-dc19052825ad)",
        "Kubernetes documentation: Role Based Access Control Good Practices (avoid wildcards)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
No rule of a Role or ClusterRole has `*` in `verbs` or `resources` (CIS 4.1.3). The built-in
ClusterRoles that must hold everything (`cluster-admin`, and those named `system:*` or `aks-*`,
which AKS reconciles) are not judged; Roles in system namespaces are reported as
platform-managed.

The built-in ca8d5704 has no such exemption: it audits every ClusterRole, so on any cluster
`cluster-admin` is non-compliant there. aksguard leaves the roles AKS owns to the platform (an
edit would be reconciled away) and judges the ones a team wrote; its excluded namespaces
(`kube-system`, `gatekeeper-system`, `azure-arc`, `azure-extensions-usage-system`) are
platform-managed here.

## Why it matters
A wildcard grants every verb or resource the API server has, including those added later by
CRDs and upgrades: a role written for deployments also grants `escalate`, `impersonate`, or
Secrets. Nobody reviewing the role sees what it really allows.

## How to fix
List the verbs and resources the subject needs, and replace the rule:

    kubectl -n NAMESPACE edit role NAME
    # e.g. apiGroups: [apps], resources: [deployments], verbs: [get, list, watch, patch]
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let (roles, cluster_roles) = (ctx.roles()?, ctx.cluster_roles()?);
    let mut findings: Vec<Finding> = Vec::new();
    for role in roles {
        if let Some(finding) = judge(ctx, role, "Role") {
            findings.push(finding);
        }
    }
    for role in cluster_roles.iter().filter(|r| !is_platform_cluster_role(&r.metadata.name)) {
        if let Some(finding) = judge(ctx, role, "ClusterRole") {
            findings.push(finding);
        }
    }
    if !findings.iter().any(|f| !f.platform_managed) {
        let message =
            format!("{} Role(s) and {} ClusterRole(s) checked: no wildcards", roles.len(), cluster_roles.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message)
                .with_evidence(Evidence::kubernetes("checked every Role and ClusterRole")),
        );
    }
    Ok(findings)
}

/// ClusterRoles the platform owns: they are meant to hold everything, and AKS reconciles them.
fn is_platform_cluster_role(name: &str) -> bool {
    name == "cluster-admin" || name.starts_with("system:") || name.starts_with("aks-")
}

fn judge(ctx: &Context, role: &Role, kind: &str) -> Option<Finding> {
    let wildcards: Vec<String> = role
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.verbs.iter().chain(&rule.resources).any(|v| v == "*"))
        .map(|(i, rule)| {
            format!("rules[{i}]: verbs [{}], resources [{}]", rule.verbs.join(", "), rule.resources.join(", "))
        })
        .collect();
    if wildcards.is_empty() {
        return None;
    }
    let name = role.metadata.name.as_str();
    let (resource, label, platform, edit) = match role.metadata.namespace.as_deref() {
        Some(ns) => (
            Resource::namespaced(kind, ns, name),
            format!("{kind} {ns}/{name}"),
            ctx.is_system_namespace(ns),
            format!("kubectl -n {ns} edit role {name}"),
        ),
        None => (
            Resource::cluster_scoped(kind, name),
            format!("{kind} {name}"),
            false,
            format!("kubectl edit clusterrole {name}"),
        ),
    };
    let finding = RULE
        .fail(resource, format!("{label} grants wildcard verbs or resources"))
        .with_evidence(Evidence::kubernetes(format!("{label} has {} rule(s) with *", wildcards.len())))
        .platform_managed(platform);
    let finding = wildcards.into_iter().fold(finding, |f, w| f.with_evidence(Evidence::detail(Source::Kubernetes, w)));
    Some(match platform {
        true => finding,
        false => finding.with_remediation(format!("{edit}  # list the verbs and resources it needs instead of *")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn with_roles(roles: Value, cluster_roles: Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.roles = Part::Collected(k8s(roles));
        snapshot.kubernetes.cluster_roles = Part::Collected(k8s(cluster_roles));
        snapshot
    }

    #[test]
    fn wildcard_verbs_or_resources_fail_named_ones_and_cluster_admin_pass() {
        let roles = json!([
            {"metadata": {"name": "deployer", "namespace": "shop"}, "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}]},
            {"metadata": {"name": "reader", "namespace": "shop"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]},
        ]);
        let cluster_roles = json!([
            {"metadata": {"name": "cluster-admin"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
            {"metadata": {"name": "ops-all"}, "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]},
        ]);
        let findings = run(&RULE, &with_roles(roles, cluster_roles));
        let failing: Vec<String> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.to_string()).collect();
        assert_eq!(failing, ["Role/shop/deployer", "ClusterRole/ops-all"]);
        assert_eq!(findings[0].evidence[1].as_str(), "rules[0]: verbs [*], resources [deployments]");
        assert!(findings[1].remediation.as_ref().unwrap().to_string().starts_with("kubectl edit clusterrole ops-all"));

        let clean = with_roles(
            json!([]),
            json!([{"metadata": {"name": "cluster-admin"}, "rules": [{"resources": ["*"], "verbs": ["*"]}]}]),
        );
        assert_eq!(run(&RULE, &clean).iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn roles_not_read_is_unknown() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.cluster_roles = Part::Collected(vec![]);
        assert_eq!(run(&RULE, &snapshot).iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }
}
