//! `workload-identity`: the cluster uses managed identity, and workloads get Entra tokens through
//! workload identity instead of stored secrets.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "workload-identity",
    title: "Managed identity for the cluster, workload identity for pods",
    severity: Severity::Low,
    area: Area::AccessControl,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.2.1"],
    references: &["Microsoft Learn: Use Microsoft Entra Workload ID with AKS"],
    check,
};

const DOCS: &str = "\
## What it checks
- The cluster's own identity: a service principal (`servicePrincipalProfile.clientId` other
  than `msi`, no managed `identity`) fails medium.
- Workload identity: `securityProfile.workloadIdentity.enabled` and `oidcIssuerProfile.enabled`
  must both be true, or it fails low.

## Why it matters
Service principal secrets expire (clusters break when they do) and are long-lived credentials
that can leak. Managed identities have no secret to steal. Workload identity gives each pod a
short-lived Entra token bound to its service account, instead of client secrets mounted from
Kubernetes Secrets or the deprecated pod-managed identity.

## How to fix

    az aks update -g RG -n NAME --enable-managed-identity
    az aks update -g RG -n NAME --enable-oidc-issuer --enable-workload-identity
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let properties = &cluster.properties;
    let client_id = properties.service_principal_profile.as_ref().and_then(|sp| sp.client_id.as_deref());
    let managed = cluster
        .identity
        .as_ref()
        .and_then(|i| i.identity_type.as_deref())
        .is_some_and(|t| !t.eq_ignore_ascii_case("None"));
    let service_principal = !managed && client_id.is_some_and(|id| id != "msi");
    let workload_identity =
        properties.security_profile.as_ref().and_then(|p| p.workload_identity.as_ref()).and_then(|w| w.enabled)
            == Some(true);
    let oidc = properties.oidc_issuer_profile.as_ref().and_then(|o| o.enabled) == Some(true);

    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if service_principal {
        problems.push((Severity::Medium, "the cluster authenticates with a service principal, not a managed identity"));
        fixes.push(ctx.az_aks_update("--enable-managed-identity"));
    }
    if !(workload_identity && oidc) {
        problems.push((Severity::Low, "workload identity is off: pods cannot get Entra tokens without stored secrets"));
        fixes.push(ctx.az_aks_update("--enable-oidc-issuer --enable-workload-identity"));
    }
    let resource = ctx.cluster_resource();
    let finding = match problems.iter().map(|(severity, _)| *severity).max() {
        None => RULE.pass(resource, "managed identity for the cluster, workload identity for pods"),
        Some(worst) => {
            let messages: Vec<&str> = problems.iter().map(|(_, m)| *m).collect();
            RULE.fail(resource, messages.join("; ")).with_severity(worst).with_remediation(fixes.join("\n"))
        }
    };
    Ok(vec![
        finding
            .with_evidence(Evidence::arm(format!(
                "identity: {}",
                if managed {
                    "managed"
                } else if service_principal {
                    "service principal"
                } else {
                    "unknown"
                }
            )))
            .with_evidence(Evidence::arm(format!(
                "securityProfile.workloadIdentity.enabled = {workload_identity}, oidcIssuerProfile.enabled = {oidc}"
            ))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn managed_identity_with_workload_identity_passes() {
        let cluster = json!({"identity": {"type": "SystemAssigned"}, "properties": {"servicePrincipalProfile": {"clientId": "msi"},
            "securityProfile": {"workloadIdentity": {"enabled": true}}, "oidcIssuerProfile": {"enabled": true}}});
        assert_eq!(only(&RULE, &with_cluster(cluster)).status, Status::Pass);
    }

    #[test]
    fn service_principal_fails_medium_and_workload_identity_off_fails_low() {
        let sp =
            only(&RULE, &with_cluster(json!({"properties": {"servicePrincipalProfile": {"clientId": "clientid"}}})));
        assert_eq!((sp.status, sp.severity), (Status::Fail, Severity::Medium));
        let no_wi = only(
            &RULE,
            &with_cluster(
                json!({"identity": {"type": "SystemAssigned"}, "properties": {"oidcIssuerProfile": {"enabled": true}}}),
            ),
        );
        assert_eq!((no_wi.status, no_wi.severity), (Status::Fail, Severity::Low));
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
