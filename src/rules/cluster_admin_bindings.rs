//! `cluster-admin-bindings`: cluster-admin goes to groups, never to individuals or to everyone.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::{ClusterRoleBinding, RoleBinding, Subject};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "cluster-admin-bindings",
    title: "cluster-admin is bound to groups only",
    severity: Severity::Medium,
    area: Area::AccessControl,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::CLUSTER_ROLE_BINDINGS, source::ROLE_BINDINGS, source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["4.1.1"],
    references: &[
        "Microsoft Learn: Best practices for authentication and authorization in AKS (bind Entra groups, not users)",
        "Azure Policy: Kubernetes clusters should ensure that the cluster-admin role is only used where required (a3dc4946-dba6-43e6-950d-f96532848c9f)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every ClusterRoleBinding to the `cluster-admin` ClusterRole:
- a subject that is everyone — Group `system:anonymous`, `system:unauthenticated` or
  `system:authenticated`, or User `system:anonymous` — fails critical;
- an individual User, or a ServiceAccount outside kube-system, fails (medium): bind a group.
Group `system:masters` and AKS's own bindings (names starting `aks-` or `system:`) are not
findings: the platform manages them.

Every RoleBinding to the `cluster-admin` ClusterRole fails too (critical when it is to
everyone): inside one namespace the built-in `admin` ClusterRole gives every right a namespace
owner needs, and cluster-admin is never required there (Azure Policy a3dc4946, \"only where
required\"). RoleBindings in system namespaces are reported as platform-managed.

## Why it matters
A user bound directly keeps cluster-admin after leaving the team, and the grant never shows up in
a group review. A binding to `system:authenticated` makes every identity that can sign in to the
tenant (or, for `system:anonymous`, anyone who can reach the API server) an administrator.

## How to fix
Bind an Entra group instead, then delete the binding:

    kubectl create clusterrolebinding NAME-group --clusterrole=cluster-admin --group=<Entra group object id>
    kubectl delete clusterrolebinding NAME

With Azure RBAC, prefer the \"Azure Kubernetes Service RBAC Cluster Admin\" role assigned to a group.
On an Azure RBAC cluster the ClusterRoleBindings are only half of who is admin: the Azure role
assignments are judged by `azure-rbac-admins`, and a pass here says so.
";

const EVERYONE: &[&str] = &["system:anonymous", "system:unauthenticated", "system:authenticated"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let bindings = ctx.cluster_role_bindings()?;
    let admin: Vec<&ClusterRoleBinding> = bindings
        .iter()
        .filter(|b| b.role_ref.kind == "ClusterRole" && b.role_ref.name == "cluster-admin")
        .filter(|b| !is_platform_binding(&b.metadata.name))
        .collect();
    let mut findings: Vec<Finding> = admin.iter().filter_map(|binding| judge(binding)).collect();
    let namespaced: Vec<&RoleBinding> = ctx
        .role_bindings()?
        .iter()
        .filter(|b| b.role_ref.kind == "ClusterRole" && b.role_ref.name == "cluster-admin")
        .collect();
    findings.extend(namespaced.iter().map(|binding| judge_namespaced(ctx, binding)));
    if !findings.iter().any(|f| !f.platform_managed) {
        let message = format!("{} cluster-admin binding(s) outside AKS's own, all to groups", admin.len());
        let mut pass = RULE
            .pass(ctx.cluster_resource(), message)
            .with_evidence(Evidence::kubernetes("checked every ClusterRoleBinding and RoleBinding"));
        if azure_rbac(ctx) {
            pass = pass.with_evidence(Evidence::note(
                "Azure RBAC is on: Azure role assignments also make admins, and azure-rbac-admins judges them",
            ));
        }
        findings.push(pass);
    }
    Ok(findings)
}

/// Whether the cluster authorises with Azure RBAC, so that bindings alone do not say who is admin.
fn azure_rbac(ctx: &Context) -> bool {
    let aad = ctx.cluster().ok().and_then(|c| c.properties.aad_profile.as_ref());
    aad.and_then(|a| a.enable_azure_rbac) == Some(true)
}

fn is_platform_binding(name: &str) -> bool {
    name.starts_with("aks-") || name.starts_with("system:") || name == "cluster-admin"
}

fn judge(binding: &ClusterRoleBinding) -> Option<Finding> {
    let everyone: Vec<&Subject> = binding.subjects.iter().filter(|s| is_everyone(s)).collect();
    let individuals: Vec<&Subject> = binding.subjects.iter().filter(|s| is_individual(s)).collect();
    let name = &binding.metadata.name;
    let resource = Resource::cluster_scoped("ClusterRoleBinding", name);
    let finding = if !everyone.is_empty() {
        RULE.fail(resource, format!("cluster-admin is granted to everyone ({})", describe(&everyone)))
            .with_severity(Severity::Critical)
            .with_remediation(format!("kubectl delete clusterrolebinding {name}"))
    } else if !individuals.is_empty() {
        RULE.fail(resource, format!("cluster-admin is bound to individuals ({}): bind a group", describe(&individuals)))
            .with_remediation(format!(
                "kubectl create clusterrolebinding {name}-group --clusterrole=cluster-admin --group=<Entra group object id>\nkubectl delete clusterrolebinding {name}"
            ))
    } else {
        return None;
    };
    Some(finding.with_evidence(Evidence::kubernetes(format!(
        "ClusterRoleBinding {name}: roleRef ClusterRole/cluster-admin, subjects {}",
        describe(&binding.subjects.iter().collect::<Vec<_>>())
    ))))
}

/// A RoleBinding to cluster-admin: within a namespace, the `admin` ClusterRole is what is required.
fn judge_namespaced(ctx: &Context, binding: &RoleBinding) -> Finding {
    let (namespace, name) = (binding.metadata.namespace(), binding.metadata.name.as_str());
    let everyone = binding.subjects.iter().any(is_everyone);
    let platform = ctx.is_system_namespace(namespace);
    let finding = RULE
        .fail(
            Resource::namespaced("RoleBinding", namespace, name),
            format!(
                "RoleBinding {namespace}/{name} grants cluster-admin in {namespace}: the admin role is enough there"
            ),
        )
        .with_evidence(Evidence::kubernetes(format!(
            "RoleBinding {namespace}/{name}: roleRef ClusterRole/cluster-admin, subjects {}",
            describe(&binding.subjects.iter().collect::<Vec<_>>())
        )))
        .platform_managed(platform);
    let finding = if everyone { finding.with_severity(Severity::Critical) } else { finding };
    match platform {
        true => finding,
        false => finding.with_remediation(format!(
            "kubectl -n {namespace} get rolebinding {name} -o yaml | sed 's/name: cluster-admin$/name: admin/' > {name}.yaml\nkubectl -n {namespace} delete rolebinding {name}\nkubectl -n {namespace} apply -f {name}.yaml"
        )),
    }
}

fn is_everyone(subject: &Subject) -> bool {
    EVERYONE.contains(&subject.name.as_str()) && matches!(subject.kind.as_str(), "Group" | "User")
}

fn is_individual(subject: &Subject) -> bool {
    match subject.kind.as_str() {
        "User" => true,
        "ServiceAccount" => subject.namespace.as_deref() != Some("kube-system"),
        _ => false,
    }
}

fn describe(subjects: &[&Subject]) -> String {
    let named: Vec<String> = subjects
        .iter()
        .map(|s| match &s.namespace {
            Some(ns) => format!("{} {ns}/{}", s.kind, s.name),
            None => format!("{} {}", s.kind, s.name),
        })
        .collect();
    named.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn binding(name: &str, role: &str, subjects: Value) -> Value {
        json!({"metadata": {"name": name}, "roleRef": {"kind": "ClusterRole", "name": role}, "subjects": subjects})
    }

    fn findings(bindings: Value) -> Vec<Finding> {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.cluster_role_bindings = Part::Collected(k8s(bindings));
        snapshot.kubernetes.role_bindings = Part::Collected(vec![]);
        run(&RULE, &snapshot)
    }

    #[test]
    fn a_role_binding_to_cluster_admin_fails_admin_passes_and_unread_role_bindings_are_unknown() {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.cluster_role_bindings = Part::Collected(vec![]);
        let in_shop = |name: &str, role: &str| {
            json!({"metadata": {"name": name, "namespace": "shop"}, "roleRef": {"kind": "ClusterRole", "name": role},
                   "subjects": [{"kind": "User", "name": "dev@contoso.com"}]})
        };
        snapshot.kubernetes.role_bindings =
            Part::Collected(k8s(json!([in_shop("dev-admin", "cluster-admin"), in_shop("dev-ok", "admin")])));
        let found = run(&RULE, &snapshot);
        let verdicts: Vec<(String, Status)> = found.iter().map(|f| (f.resource.to_string(), f.status)).collect();
        assert_eq!(verdicts, [("RoleBinding/shop/dev-admin".to_string(), Status::Fail)]);
        assert!(found[0].remediation.as_ref().unwrap().to_string().contains("name: admin/"));

        snapshot.kubernetes.role_bindings = Part::Unavailable("forbidden".into());
        assert_eq!(run(&RULE, &snapshot).iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }

    #[test]
    fn users_fail_medium_everyone_fails_critical_groups_pass() {
        let found = findings(json!([
            binding("alice-admin", "cluster-admin", json!([{"kind": "User", "name": "alice@contoso.com"}])),
            binding("oops", "cluster-admin", json!([{"kind": "Group", "name": "system:authenticated"}])),
            binding("platform-team", "cluster-admin", json!([{"kind": "Group", "name": "6f1c2d3e-0000"}])),
            binding("viewers", "view", json!([{"kind": "User", "name": "bob@contoso.com"}])),
        ]));
        let verdicts: Vec<(&str, Status, Severity)> =
            found.iter().map(|f| (f.resource.as_str(), f.status, f.severity)).collect();
        assert_eq!(
            verdicts,
            [
                ("ClusterRoleBinding/alice-admin", Status::Fail, Severity::Medium),
                ("ClusterRoleBinding/oops", Status::Fail, Severity::Critical),
            ]
        );
    }

    #[test]
    fn platform_bindings_and_system_masters_are_not_findings() {
        let found = findings(json!([
            binding("cluster-admin", "cluster-admin", json!([{"kind": "Group", "name": "system:masters"}])),
            binding("aks-cluster-admin-binding", "cluster-admin", json!([{"kind": "User", "name": "clusterAdmin"}])),
            binding(
                "ci",
                "cluster-admin",
                json!([{"kind": "ServiceAccount", "name": "kube-admin", "namespace": "kube-system"}])
            ),
        ]));
        assert_eq!(found.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn service_accounts_outside_kube_system_fail() {
        let found = findings(json!([binding(
            "ci",
            "cluster-admin",
            json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}])
        )]));
        assert_eq!(found[0].status, Status::Fail);
    }

    #[test]
    fn on_an_azure_rbac_cluster_a_pass_points_at_the_role_assignments() {
        let mut snapshot =
            crate::rules::testing::with_cluster(json!({"properties": {"aadProfile": {"enableAzureRBAC": true}}}));
        snapshot.kubernetes.cluster_role_bindings = Part::Collected(vec![]);
        snapshot.kubernetes.role_bindings = Part::Collected(vec![]);
        let found = run(&RULE, &snapshot);
        assert_eq!(found[0].status, Status::Pass);
        let note = found[0].evidence.iter().find(|e| e.contains("azure-rbac-admins")).expect("the note");
        assert_eq!(note.source, crate::finding::Source::Note);
    }

    #[test]
    fn missing_bindings_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
