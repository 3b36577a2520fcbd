//! `azure-rbac-admins`: the Azure roles that make someone a Kubernetes admin of the cluster go to
//! groups, not to individual users.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::arm::ManagedCluster;
use crate::snapshot::authorization::RoleAssignment;
use crate::snapshot::source;
use crate::snapshot::strict::{is_management_group, within};

pub static RULE: Rule = Rule {
    id: "azure-rbac-admins",
    title: "Azure roles that give Kubernetes admin are assigned to groups only",
    severity: Severity::Medium,
    area: Area::AccessControl,
    help_uri: "https://learn.microsoft.com/azure/aks/manage-azure-rbac",
    reads: &[source::MANAGED_CLUSTER, source::ROLE_ASSIGNMENTS],
    docs: DOCS,
    cis: &["4.1.1"],
    references: &[
        "Microsoft Learn: Use Azure RBAC for Kubernetes authorization (https://learn.microsoft.com/azure/aks/manage-azure-rbac)",
        "Microsoft Learn: Best practices for authentication and authorization in AKS (assign roles to Entra groups)",
        "Azure built-in roles: Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The Azure role assignments at the cluster's scope and above (`roleAssignments?$filter=atScope()`
on the cluster, `az role assignment list --scope CLUSTER_ID --include-inherited`): its resource
group, subscription, management groups and the root. The roles that make their holder a
Kubernetes administrator:
- `Azure Kubernetes Service RBAC Cluster Admin` and `Azure Kubernetes Service RBAC Admin`, on a
  cluster with Azure RBAC for Kubernetes authorization (`aadProfile.enableAzureRBAC`);
- `Azure Kubernetes Service Cluster Admin Role`, `Owner` and `Contributor`, which can fetch the
  cluster-admin credential while local accounts are on (`disableLocalAccounts` not true).
An assignment of one of them to a `User` fails; to a `Group` (or `ForeignGroup`) is as it should
be; to a `ServicePrincipal` is noted (automation: check it is expected). The evidence names the
principal by type and object id, the role and the scope — never a person's name. A principal
type ARM does not give is `unknown`. On an Azure RBAC cluster these assignments, not the
Kubernetes ClusterRoleBindings, decide who is admin; `cluster-admin-bindings` judges the latter.

## Why it matters
A user given admin directly keeps it after leaving the team, and the grant escapes every group
review. At subscription scope it is admin of every cluster there.

## How to fix
Assign the role to an Entra group instead, then delete the user's assignment:

    az role assignment create --assignee-object-id GROUP_OBJECT_ID --assignee-principal-type Group \\
      --role \"Azure Kubernetes Service RBAC Cluster Admin\" --scope SCOPE
    az role assignment delete --ids ASSIGNMENT_ID

With Owner or Contributor, turning local accounts off (`az aks update --disable-local-accounts`)
removes the path to the admin credential.
";

/// When a role gives Kubernetes admin.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Through {
    /// Azure RBAC for Kubernetes authorization is on.
    AzureRbac,
    /// Local accounts are on: the role can list the cluster-admin credential.
    LocalAccounts,
}

/// Built-in roles by definition GUID.
const ADMIN_ROLES: [(&str, &str, Through); 5] = [
    ("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "Azure Kubernetes Service RBAC Cluster Admin", Through::AzureRbac),
    ("3498e952-d568-435e-9b2c-8d77e338d7f7", "Azure Kubernetes Service RBAC Admin", Through::AzureRbac),
    ("0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8", "Azure Kubernetes Service Cluster Admin Role", Through::LocalAccounts),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", Through::LocalAccounts),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", Through::LocalAccounts),
];

fn gives_admin(through: Through, cluster: &ManagedCluster) -> bool {
    let p = &cluster.properties;
    match through {
        Through::AzureRbac => p.aad_profile.as_ref().and_then(|a| a.enable_azure_rbac) == Some(true),
        Through::LocalAccounts => p.disable_local_accounts != Some(true),
    }
}

/// An admin assignment that applies to the cluster.
struct Admin<'a> {
    assignment: &'a RoleAssignment,
    role: &'static str,
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let cluster_resource = ctx.cluster_resource();
    let cluster_id = cluster_resource.as_str();
    let assignments = ctx.role_assignments()?;
    let admins: Vec<Admin> = assignments
        .iter()
        .filter(|a| a.properties.scope.as_deref().is_some_and(|s| is_management_group(s) || within(cluster_id, s)))
        .filter_map(|assignment| {
            let key = assignment.role_key()?;
            let (_, role, through) = ADMIN_ROLES.iter().find(|(id, _, _)| *id == key)?;
            gives_admin(*through, cluster).then_some(Admin { assignment, role })
        })
        .collect();
    let mut findings = Vec::new();
    let (mut groups, mut services) = (Vec::new(), Vec::new());
    for admin in &admins {
        let principal = admin.assignment.properties.principal_type.as_deref().unwrap_or("");
        match principal.to_ascii_lowercase().as_str() {
            "user" => findings.push(user(&cluster_resource, admin)),
            "group" | "foreigngroup" => groups.push(describe(admin)),
            "serviceprincipal" => services.push(describe(admin)),
            _ => findings.push(
                RULE.unknown(
                    resource(&cluster_resource, admin),
                    format!("{} is assigned to a principal of unknown type {principal:?}", admin.role),
                )
                .with_evidence(Evidence::detail(Source::Arm, describe(admin))),
            ),
        }
    }
    if findings.is_empty() {
        let mut pass = RULE
            .pass(
                cluster_resource,
                format!("{} admin role assignment(s) at the cluster's scope and above, none to a user", admins.len()),
            )
            .with_evidence(Evidence::arm(format!("{} role assignment(s) read", assignments.len())));
        if !groups.is_empty() {
            pass = pass.with_evidence(Evidence::detail(Source::Arm, format!("groups: {}", groups.join("; "))));
        }
        if !services.is_empty() {
            pass = pass.with_evidence(Evidence::detail(
                Source::Arm,
                format!("service principals (automation: check they are expected): {}", services.join("; ")),
            ));
        }
        findings.push(pass);
    } else if !services.is_empty() {
        findings = findings
            .into_iter()
            .map(|f| {
                let also = format!("also admin, as service principals: {}", services.join("; "));
                f.with_evidence(Evidence::detail(Source::Arm, also))
            })
            .collect();
    }
    Ok(findings)
}

fn resource(cluster: &Resource, admin: &Admin) -> Resource {
    admin.assignment.id.clone().map_or_else(|| cluster.clone(), Resource::arm)
}

fn describe(admin: &Admin) -> String {
    let p = &admin.assignment.properties;
    format!(
        "{} {} has {} at {}",
        p.principal_type.as_deref().unwrap_or("principal"),
        p.principal_id.as_deref().unwrap_or("?"),
        admin.role,
        p.scope.as_deref().unwrap_or("?")
    )
}

fn user(cluster: &Resource, admin: &Admin) -> Finding {
    let p = &admin.assignment.properties;
    let scope = p.scope.as_deref().unwrap_or("SCOPE");
    let at =
        if scope.eq_ignore_ascii_case(cluster.as_str()) { "on the cluster".to_string() } else { format!("at {scope}") };
    RULE.fail(resource(cluster, admin), format!("{} is assigned to a user, not a group ({at})", admin.role))
        .with_evidence(Evidence::arm(format!("roleAssignment: {}", describe(admin))))
        .with_remediation(format!(
            "az role assignment create --assignee-object-id GROUP_OBJECT_ID --assignee-principal-type Group --role \"{}\" --scope {scope}\naz role assignment delete --ids {}",
            admin.role,
            admin.assignment.id.as_deref().unwrap_or("ASSIGNMENT_ID")
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const CLUSTER: &str =
        "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1";
    const RBAC_CLUSTER_ADMIN: &str = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
    const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

    fn assignment(name: &str, role: &str, principal: &str, scope: &str) -> Value {
        json!({"id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"), "name": name,
               "type": "Microsoft.Authorization/roleAssignments",
               "properties": {"roleDefinitionId": format!("/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                              "principalId": format!("{name}-object-id"), "principalType": principal, "scope": scope}})
    }

    fn findings(cluster: Value, assignments: Vec<Value>) -> Vec<Finding> {
        let mut snapshot = with_cluster(cluster);
        snapshot.azure.role_assignments =
            Part::Collected(assignments.iter().map(|a| RoleAssignment::from_document(a).unwrap()).collect());
        run(&RULE, &snapshot)
    }

    fn azure_rbac(local_accounts_off: bool) -> Value {
        json!({"properties": {"aadProfile": {"managed": true, "enableAzureRBAC": true}, "disableLocalAccounts": local_accounts_off}})
    }

    #[test]
    fn users_fail_groups_pass_service_principals_are_noted() {
        let found = findings(
            azure_rbac(true),
            vec![
                assignment("u1", RBAC_CLUSTER_ADMIN, "User", "/subscriptions/sub"),
                assignment("g1", RBAC_CLUSTER_ADMIN, "Group", CLUSTER),
                assignment("s1", RBAC_CLUSTER_ADMIN, "ServicePrincipal", "/subscriptions/sub/resourceGroups/rg1"),
                assignment("o1", OWNER, "User", "/subscriptions/sub"),
            ],
        );
        assert_eq!(
            found.iter().map(|f| f.status).collect::<Vec<_>>(),
            [Status::Fail],
            "Owner is no admin with local accounts off"
        );
        let f = &found[0];
        assert_eq!(
            f.message,
            "Azure Kubernetes Service RBAC Cluster Admin is assigned to a user, not a group (at /subscriptions/sub)"
        );
        assert!(
            f.evidence[0]
                .contains("User u1-object-id has Azure Kubernetes Service RBAC Cluster Admin at /subscriptions/sub")
        );
        assert!(f.evidence.iter().any(|e| e.contains("ServicePrincipal s1-object-id")));
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "az role assignment create --assignee-object-id GROUP_OBJECT_ID --assignee-principal-type Group --role \"Azure Kubernetes Service RBAC Cluster Admin\" --scope /subscriptions/sub\naz role assignment delete --ids /subscriptions/sub/providers/Microsoft.Authorization/roleAssignments/u1"
            )
        );
    }

    #[test]
    fn owner_counts_while_local_accounts_are_on_and_rbac_roles_only_with_azure_rbac() {
        let found = findings(
            json!({"properties": {"disableLocalAccounts": false}}),
            vec![
                assignment("o1", OWNER, "User", "/subscriptions/sub"),
                assignment("u1", RBAC_CLUSTER_ADMIN, "User", CLUSTER),
            ],
        );
        assert_eq!(found.iter().map(|f| f.resource.rsplit('/').next().unwrap()).collect::<Vec<_>>(), ["o1"]);
    }

    #[test]
    fn assignments_elsewhere_do_not_count_management_groups_do() {
        let found = findings(
            azure_rbac(true),
            vec![
                assignment("u1", RBAC_CLUSTER_ADMIN, "User", "/subscriptions/sub/resourceGroups/rg2"),
                assignment(
                    "u2",
                    RBAC_CLUSTER_ADMIN,
                    "User",
                    "/providers/Microsoft.Management/managementGroups/contoso",
                ),
            ],
        );
        assert_eq!(found.iter().map(|f| f.resource.rsplit('/').next().unwrap()).collect::<Vec<_>>(), ["u2"]);
    }

    #[test]
    fn groups_only_pass_and_an_unknown_principal_type_is_unknown() {
        let found = findings(azure_rbac(true), vec![assignment("g1", RBAC_CLUSTER_ADMIN, "Group", CLUSTER)]);
        assert_eq!(found[0].status, Status::Pass);
        assert!(found[0].evidence[1].starts_with("groups: Group g1-object-id"));
        let found = findings(azure_rbac(true), vec![assignment("x1", RBAC_CLUSTER_ADMIN, "", CLUSTER)]);
        assert_eq!(found[0].status, Status::Unknown);
    }

    #[test]
    fn missing_sources_are_unknown() {
        let mut snapshot = with_cluster(azure_rbac(true));
        snapshot.azure.role_assignments = Part::unavailable("forbidden");
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
        let mut no_cluster = Snapshot::empty("t", "not provided");
        no_cluster.azure.role_assignments = Part::Collected(vec![]);
        assert_eq!(run(&RULE, &no_cluster)[0].status, Status::Unknown);
    }
}
