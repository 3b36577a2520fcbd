//! `local-accounts`: the static admin credentials are disabled, so every access goes through Entra ID.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "local-accounts",
    title: "Local accounts are disabled (Entra ID only)",
    severity: Severity::High,
    area: Area::AccessControl,
    help_uri: "https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.5.1"],
    references: &[
        "Azure Policy: Azure Kubernetes Service Clusters should have local authentication methods disabled (993c2fcd-2b29-49d2-9eb0-df2c3a730c32)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Reads `disableLocalAccounts` and `aadProfile.managed` from the managed cluster. The rule fails
unless `disableLocalAccounts` is `true`.

## Why it matters
With local accounts on, `az aks get-credentials --admin` hands out a static cluster-admin
certificate. It bypasses Entra ID, conditional access and MFA, cannot be revoked per person
(only by rotating the cluster's certificates), and the audit log shows every holder as the same
`clusterAdmin` user.

## How to fix
Integrate the cluster with Entra ID and turn local accounts off:

    az aks update -g RG -n NAME --enable-aad --disable-local-accounts

(drop `--enable-aad` when Entra integration is already on). Grant access to groups first, so
nobody is locked out.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let properties = &ctx.cluster()?.properties;
    let resource = ctx.cluster_resource();
    let entra_managed = properties.aad_profile.as_ref().and_then(|aad| aad.managed) == Some(true);
    let entra_evidence = Evidence::arm(format!("properties.aadProfile.managed = {}", entra_managed));
    let finding = match properties.disable_local_accounts {
        Some(true) => RULE.pass(resource, "local accounts are disabled: every user signs in through Entra ID"),
        value => {
            let flags =
                if entra_managed { "--disable-local-accounts" } else { "--enable-aad --disable-local-accounts" };
            let shown = value.map_or("absent".to_string(), |v| v.to_string());
            RULE.fail(resource, "local accounts are enabled: the static admin kubeconfig bypasses Entra ID")
                .with_evidence(Evidence::arm(format!("properties.disableLocalAccounts = {shown}")))
                .with_remediation(ctx.az_aks_update(flags))
        }
    };
    Ok(vec![finding.with_evidence(entra_evidence)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn disabled_local_accounts_pass() {
        let snapshot =
            with_cluster(json!({"properties": {"disableLocalAccounts": true, "aadProfile": {"managed": true}}}));
        assert_eq!(only(&RULE, &snapshot).status, Status::Pass);
    }

    #[test]
    fn enabled_or_absent_fails_and_the_fix_depends_on_entra() {
        let without_entra = only(&RULE, &with_cluster(json!({"properties": {}})));
        assert_eq!(without_entra.status, Status::Fail);
        assert!(without_entra.remediation.unwrap().ends_with("--enable-aad --disable-local-accounts"));

        let with_entra =
            only(&RULE, &with_cluster(json!({"disableLocalAccounts": false, "aadProfile": {"managed": true}})));
        assert_eq!(with_entra.status, Status::Fail);
        assert_eq!(with_entra.remediation.as_deref(), Some("az aks update -g rg1 -n aks1 --disable-local-accounts"));
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("test", "forbidden")).status, Status::Unknown);
    }
}
