//! `kms-etcd-encryption`: Kubernetes secrets in etcd are encrypted with a customer key (KMS).

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "kms-etcd-encryption",
    title: "etcd is encrypted with a customer key in Key Vault (KMS)",
    severity: Severity::Medium,
    area: Area::GovernanceAndSecrets,
    help_uri: "https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.3.1"],
    references: &[
        "Azure Policy: Azure Kubernetes Clusters should enable Key Management Service (KMS) (dbbdc317-9734-4dd8-9074-993b29c69008)",
        "Microsoft Learn: Add Key Management Service etcd encryption to an AKS cluster",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
`securityProfile.azureKeyVaultKms.enabled` on the managed cluster must be true, with a key
(`keyId`) set; ARM omits the block when KMS was never turned on, which fails. The evidence says
whether the Key Vault is reached over a private link (`keyVaultNetworkAccess`). Needs ARM access.

## Why it matters
Without KMS, Secrets are encrypted in etcd only with a key the platform holds. With KMS the key
is yours, in your Key Vault: you can rotate it, audit its use, and revoke it, and a copy of the
etcd data is useless without it.

## How to fix

    az aks update -g RG -n NAME --enable-azure-keyvault-kms \\
      --azure-keyvault-kms-key-id https://VAULT.vault.azure.net/keys/KEY/VERSION \\
      --azure-keyvault-kms-key-vault-network-access Private \\
      --azure-keyvault-kms-key-vault-resource-id /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/VAULT
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let kms = ctx.cluster()?.properties.security_profile.as_ref().and_then(|p| p.azure_key_vault_kms.as_ref());
    let enabled = kms.and_then(|k| k.enabled) == Some(true);
    let key = kms.and_then(|k| k.key_id.as_deref()).filter(|key| !key.is_empty());
    let evidence = Evidence::arm(format!("properties.securityProfile.azureKeyVaultKms.enabled = {enabled}"));
    let finding = match (enabled, key) {
        (true, Some(_)) => {
            let access = kms.and_then(|k| k.key_vault_network_access.as_deref()).unwrap_or("Public");
            RULE.pass(ctx.cluster_resource(), "etcd is encrypted with a customer key in Key Vault").with_evidence(
                Evidence::arm(format!(
                    "properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = {access:?}"
                )),
            )
        }
        (true, None) => RULE
            .fail(ctx.cluster_resource(), "KMS is enabled without a key id: etcd is not encrypted with a customer key")
            .with_remediation(remediation(ctx)),
        (false, _) => RULE
            .fail(ctx.cluster_resource(), "KMS etcd encryption is off: secrets are encrypted only with a platform key")
            .with_remediation(remediation(ctx)),
    };
    Ok(vec![finding.with_evidence(evidence)])
}

fn remediation(ctx: &Context) -> String {
    ctx.az_aks_update(
        "--enable-azure-keyvault-kms --azure-keyvault-kms-key-id https://VAULT.vault.azure.net/keys/KEY/VERSION \
         --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id VAULT_RESOURCE_ID",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn a_key_vault_key_passes() {
        let kms = json!({"enabled": true, "keyId": "https://kv.vault.azure.net/keys/etcd/1a2b", "keyVaultNetworkAccess": "Private"});
        let finding = only(&RULE, &with_cluster(json!({"properties": {"securityProfile": {"azureKeyVaultKms": kms}}})));
        assert_eq!(finding.status, Status::Pass);
        assert!(finding.evidence.iter().any(|e| e.contains("\"Private\"")));
    }

    #[test]
    fn off_absent_or_keyless_fails() {
        for security in
            [json!({}), json!({"azureKeyVaultKms": {"enabled": false}}), json!({"azureKeyVaultKms": {"enabled": true}})]
        {
            let finding = only(&RULE, &with_cluster(json!({"properties": {"securityProfile": security}})));
            assert_eq!(finding.status, Status::Fail, "{security}");
            assert!(finding.remediation.unwrap().contains("--enable-azure-keyvault-kms"));
        }
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
