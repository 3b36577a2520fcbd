//! `entra-rbac`: Kubernetes RBAC is on, users sign in with Entra ID, and Azure RBAC authorizes them.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "entra-rbac",
    title: "Kubernetes RBAC with Entra ID integration and Azure RBAC",
    severity: Severity::High,
    area: Area::AccessControl,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.5.1", "5.5.2"],
    references: &[
        "Azure Policy: Role-Based Access Control (RBAC) should be used on Kubernetes Services (ac4a19c2-fa67-49b4-8ae5-0b2e78c49457)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Three settings of the managed cluster, worst first:
- `enableRBAC` false: Kubernetes RBAC is off and every authenticated user can do anything
  (critical);
- `aadProfile.managed` not true: no Entra ID integration, so users are not Entra identities
  (high). Note that `enableRBAC` is Kubernetes RBAC, not Entra integration;
- `aadProfile.enableAzureRBAC` not true: authorization is managed with Kubernetes RoleBindings
  only, not Azure role assignments (low).
One finding carries the worst verdict and lists every aspect in its evidence.

## Why it matters
With Entra ID, access follows people: MFA, conditional access, and leaving a group removes
access. Azure RBAC puts cluster permissions in the same place as every other Azure permission,
where they are reviewed and audited.

## How to fix

    az aks update -g RG -n NAME --enable-aad --enable-azure-rbac

Kubernetes RBAC cannot be turned on in place: a cluster created without it must be recreated.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let properties = &ctx.cluster()?.properties;
    let aad = properties.aad_profile.clone().unwrap_or_default();
    let mut problems: Vec<(Severity, &str)> = Vec::new();
    match properties.enable_rbac {
        Some(false) => {
            problems.push((Severity::Critical, "Kubernetes RBAC is off: every authenticated user is all-powerful"))
        }
        None => {
            return Ok(vec![RULE.unknown(
                ctx.cluster_resource(),
                "enableRBAC is absent from the cluster document: cannot tell whether Kubernetes RBAC is on",
            )]);
        }
        Some(true) => {}
    }
    if aad.managed != Some(true) {
        problems.push((Severity::High, "no Entra ID integration (aadProfile.managed is not true)"));
    }
    if aad.enable_azure_rbac != Some(true) {
        problems.push((Severity::Low, "Azure RBAC for Kubernetes authorization is off"));
    }
    let evidence = [
        Evidence::arm(format!("properties.enableRBAC = {}", properties.enable_rbac.unwrap_or_default())),
        Evidence::arm(format!("properties.aadProfile.managed = {}", aad.managed.unwrap_or_default())),
        Evidence::arm(format!("properties.aadProfile.enableAzureRBAC = {}", aad.enable_azure_rbac.unwrap_or_default())),
    ];
    let finding = match problems.iter().map(|(severity, _)| *severity).max() {
        None => RULE.pass(ctx.cluster_resource(), "Kubernetes RBAC on, Entra ID integration and Azure RBAC enabled"),
        Some(worst) => {
            let messages: Vec<&str> = problems.iter().map(|(_, message)| *message).collect();
            RULE.fail(ctx.cluster_resource(), messages.join("; "))
                .with_severity(worst)
                .with_remediation(remediation(ctx, worst))
        }
    };
    Ok(vec![evidence.into_iter().fold(finding, Finding::with_evidence)])
}

fn remediation(ctx: &Context, worst: Severity) -> String {
    let update = ctx.az_aks_update("--enable-aad --enable-azure-rbac");
    match worst {
        Severity::Critical => format!(
            "# Kubernetes RBAC cannot be enabled in place: recreate the cluster with it (the default), then:\n{update}"
        ),
        _ => update,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn verdict(properties: serde_json::Value) -> (Status, Severity) {
        let finding = only(&RULE, &with_cluster(json!({"properties": properties})));
        (finding.status, finding.severity)
    }

    #[test]
    fn each_aspect_has_its_severity() {
        assert_eq!(
            verdict(json!({"enableRBAC": true, "aadProfile": {"managed": true, "enableAzureRBAC": true}})),
            (Status::Pass, Severity::High)
        );
        assert_eq!(
            verdict(json!({"enableRBAC": true, "aadProfile": {"managed": true}})),
            (Status::Fail, Severity::Low)
        );
        assert_eq!(
            verdict(json!({"enableRBAC": true})),
            (Status::Fail, Severity::High),
            "RBAC on is not Entra integration"
        );
        assert_eq!(
            verdict(json!({"enableRBAC": false, "aadProfile": {"managed": true, "enableAzureRBAC": true}})),
            (Status::Fail, Severity::Critical)
        );
    }

    #[test]
    fn absent_rbac_setting_is_unknown() {
        assert_eq!(verdict(json!({"aadProfile": {"managed": true, "enableAzureRBAC": true}})).0, Status::Unknown);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
