//! `keyvault-secrets-provider`: secrets come from Key Vault through the CSI driver, with rotation.

use super::inference::AddonPods;
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "keyvault-secrets-provider",
    title: "Key Vault secrets provider add-on with secret rotation",
    severity: Severity::Info,
    area: Area::GovernanceAndSecrets,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::PODS],
    docs: DOCS,
    cis: &["4.5.2"],
    references: &[
        "Azure Policy: Azure Kubernetes Service clusters should have the Azure Key Vault provider for Secrets Store CSI Driver enabled",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The `azureKeyvaultSecretsProvider` add-on must be enabled, with `enableSecretRotation` set to
`\"true\"` in its config. With only Kubernetes access, the add-on is inferred from its pods
(`aks-secrets-store-csi-driver`, `aks-secrets-store-provider-azure`) and rotation is not checked.

## Why it matters
Kubernetes Secrets are base64 in etcd and in every manifest that creates them. Keeping secrets in
Key Vault gives access policies, audit logs and rotation; without rotation, pods keep serving a
revoked secret until they restart.

## How to fix

    az aks enable-addons -g RG -n NAME --addons azure-keyvault-secrets-provider
    az aks addon update -g RG -n NAME --addon azure-keyvault-secrets-provider --enable-secret-rotation
";

const ADDON: &str = "azureKeyvaultSecretsProvider";
const DRIVER: AddonPods = AddonPods {
    what: "the Key Vault secrets provider",
    namespace: "kube-system",
    prefixes: &["aks-secrets-store-csi-driver", "aks-secrets-store-provider-azure"],
};

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let names = ctx.names();
    let enable = format!(
        "az aks enable-addons -g {} -n {} --addons azure-keyvault-secrets-provider",
        names.resource_group, names.name
    );
    let rotate = format!(
        "az aks addon update -g {} -n {} --addon azure-keyvault-secrets-provider --enable-secret-rotation",
        names.resource_group, names.name
    );
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return DRIVER.infer(&RULE, ctx, missing, enable).map(|f| vec![f]),
    };
    let addon = cluster.addon(ADDON);
    let enabled = addon.and_then(|a| a.enabled) == Some(true);
    let rotation = addon.and_then(|a| a.config.get("enableSecretRotation")).map(String::as_str);
    let evidence = Evidence::arm(format!(
        "addonProfiles.{ADDON}.enabled = {enabled}, config.enableSecretRotation = {}",
        rotation.unwrap_or("absent")
    ));
    let resource = ctx.cluster_resource();
    let finding = match (enabled, rotation.is_some_and(|r| r.eq_ignore_ascii_case("true"))) {
        (true, true) => RULE.pass(resource, "the Key Vault secrets provider is on, with rotation"),
        (true, false) => RULE
            .fail(resource, "the Key Vault secrets provider is on but does not rotate secrets")
            .with_remediation(rotate),
        (false, _) => RULE
            .fail(resource, "the Key Vault secrets provider add-on is off")
            .with_remediation(format!("{enable}\n{rotate}")),
    };
    Ok(vec![finding.with_evidence(evidence)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, pod_in, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn addon(profile: serde_json::Value) -> Finding {
        only(&RULE, &with_cluster(json!({"properties": {"addonProfiles": {"azureKeyvaultSecretsProvider": profile}}})))
    }

    #[test]
    fn rotation_decides() {
        assert_eq!(addon(json!({"enabled": true, "config": {"enableSecretRotation": "true"}})).status, Status::Pass);
        assert_eq!(addon(json!({"enabled": true, "config": {"enableSecretRotation": "false"}})).status, Status::Fail);
        assert_eq!(addon(json!({"enabled": false})).status, Status::Fail);
        assert_eq!(addon(json!({"enabled": false})).severity, Severity::Info);
    }

    #[test]
    fn kubernetes_only_infers_from_pods() {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("kube-system", "aks-secrets-store-csi-driver-x2x")]);
        let finding = only(&RULE, &snapshot);
        assert_eq!(finding.status, Status::Pass);
        assert_eq!(finding.evidence[0].source, crate::finding::Source::InferredFromKubernetes);
        assert_eq!(finding.confidence, crate::finding::Confidence::Medium);
    }

    #[test]
    fn no_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
