//! `csi-drivers`: the Azure Disk and Azure Files CSI drivers are enabled.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::arm::Enabled;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "csi-drivers",
    title: "The Azure Disk and Azure Files CSI drivers are enabled",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/csi-storage-drivers",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Azure Kubernetes Clusters should enable Container Storage Interface(CSI) (c5110b6e-5272-4989-9935-59ad06fdf341)",
        "Microsoft Learn: Container Storage Interface (CSI) drivers on AKS",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
`storageProfile.diskCSIDriver.enabled` and `storageProfile.fileCSIDriver.enabled` on the managed
cluster must both be true. AKS reports both on every current cluster (they are on by default);
an explicit `false` fails, and a `storageProfile` ARM did not return is `unknown`, never a pass.
Needs ARM access.

## Why it matters
The in-tree Azure Disk and Azure Files volume plugins are removed from Kubernetes; without the
CSI drivers, Azure volumes cannot be provisioned or attached, and what the drivers add (volume
snapshots, encryption with customer-managed keys, zone-redundant disks) is unavailable.

## How to fix

    az aks update -g RG -n NAME --enable-disk-driver --enable-file-driver
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let resource = ctx.cluster_resource();
    let Some(storage) = &ctx.cluster()?.properties.storage_profile else {
        return Ok(vec![RULE.unknown(resource, "ARM returned no storageProfile: the CSI drivers' state is not known")]);
    };
    let state = |driver: &Option<Enabled>| driver.as_ref().and_then(|d| d.enabled);
    let drivers =
        [("diskCSIDriver", state(&storage.disk_csi_driver)), ("fileCSIDriver", state(&storage.file_csi_driver))];
    let evidence: Vec<Evidence> = drivers
        .iter()
        .map(|(name, on)| {
            Evidence::arm(format!(
                "properties.storageProfile.{name}.enabled = {}",
                on.map_or("absent".into(), |on| on.to_string())
            ))
        })
        .collect();
    let off: Vec<&str> = drivers.iter().filter(|(_, on)| *on == Some(false)).map(|(name, _)| *name).collect();
    let unreported = drivers.iter().any(|(_, on)| on.is_none());
    let finding = match (off.is_empty(), unreported) {
        (false, _) => RULE
            .fail(resource, format!("CSI drivers off: {}", off.join(", ")))
            .with_remediation(ctx.az_aks_update("--enable-disk-driver --enable-file-driver")),
        (true, true) => RULE.unknown(resource, "ARM did not report whether every CSI driver is enabled"),
        (true, false) => RULE.pass(resource, "the Azure Disk and Azure Files CSI drivers are enabled"),
    };
    Ok(vec![evidence.into_iter().fold(finding, Finding::with_evidence)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn status(storage: serde_json::Value) -> Status {
        only(&RULE, &with_cluster(json!({"properties": {"storageProfile": storage}}))).status
    }

    #[test]
    fn both_drivers_on_pass_either_off_fails() {
        assert_eq!(
            status(json!({"diskCSIDriver": {"enabled": true}, "fileCSIDriver": {"enabled": true}})),
            Status::Pass
        );
        assert_eq!(
            status(json!({"diskCsiDriver": {"enabled": true}, "fileCsiDriver": {"enabled": false}})),
            Status::Fail
        );
    }

    #[test]
    fn unreported_drivers_are_unknown() {
        assert_eq!(status(json!({"diskCSIDriver": {"enabled": true}})), Status::Unknown);
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {}}))).status, Status::Unknown);
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
