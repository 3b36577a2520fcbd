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
`storageProfile.diskCSIDriver.enabled`, `storageProfile.fileCSIDriver.enabled` and
`storageProfile.snapshotController.enabled` on the managed cluster must all be true: the
built-in c5110b6e judges the three, each on by default (`enableDiskCSI`, `enableFileCSI`,
`enableSnapshotCSI` all `true`). AKS reports them on every current cluster (they are on by
default); an explicit `false` fails, and one ARM did not report (or a `storageProfile` it did not
return) is `unknown`, never a pass. Needs ARM access.

## Why it matters
The in-tree Azure Disk and Azure Files volume plugins are removed from Kubernetes; without the
CSI drivers, Azure volumes cannot be provisioned or attached, and what the drivers add (volume
snapshots, encryption with customer-managed keys, zone-redundant disks) is unavailable.

## How to fix

    az aks update -g RG -n NAME --enable-disk-driver --enable-file-driver --enable-snapshot-controller

(only the flags of what is off: the finding's command names them).
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let resource = ctx.cluster_resource();
    let Some(storage) = &ctx.cluster()?.properties.storage_profile else {
        return Ok(vec![RULE.unknown(resource, "ARM returned no storageProfile: the CSI drivers' state is not known")]);
    };
    let state = |driver: &Option<Enabled>| driver.as_ref().and_then(|d| d.enabled);
    let drivers = [
        ("diskCSIDriver", state(&storage.disk_csi_driver), "--enable-disk-driver"),
        ("fileCSIDriver", state(&storage.file_csi_driver), "--enable-file-driver"),
        ("snapshotController", state(&storage.snapshot_controller), "--enable-snapshot-controller"),
    ];
    let evidence: Vec<Evidence> = drivers
        .iter()
        .map(|(name, on, _)| {
            Evidence::arm(format!(
                "properties.storageProfile.{name}.enabled = {}",
                on.map_or("absent".into(), |on| on.to_string())
            ))
        })
        .collect();
    let off: Vec<_> = drivers.iter().filter(|(_, on, _)| *on == Some(false)).collect();
    let unreported = drivers.iter().any(|(_, on, _)| on.is_none());
    let finding = match (off.is_empty(), unreported) {
        (false, _) => {
            let names: Vec<&str> = off.iter().map(|(name, _, _)| *name).collect();
            let flags: Vec<&str> = off.iter().map(|(_, _, flag)| *flag).collect();
            RULE.fail(resource, format!("CSI storage off: {}", names.join(", ")))
                .with_remediation(ctx.az_aks_update(&flags.join(" ")))
        }
        (true, true) => RULE.unknown(resource, "ARM did not report whether every CSI driver is enabled"),
        (true, false) => {
            RULE.pass(resource, "the Azure Disk and Azure Files CSI drivers and the snapshot controller are enabled")
        }
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
    fn all_three_on_pass_any_off_fails_with_its_flag() {
        let on = json!({"enabled": true});
        assert_eq!(status(json!({"diskCSIDriver": on, "fileCSIDriver": on, "snapshotController": on})), Status::Pass);
        assert_eq!(
            status(json!({"diskCsiDriver": on, "fileCsiDriver": {"enabled": false}, "snapshotController": on})),
            Status::Fail
        );
        let snapshots_off = only(
            &RULE,
            &with_cluster(
                json!({"properties": {"storageProfile": {"diskCSIDriver": on, "fileCSIDriver": on, "snapshotController": {"enabled": false}}}}),
            ),
        );
        assert_eq!(
            (snapshots_off.status, snapshots_off.message.as_str()),
            (Status::Fail, "CSI storage off: snapshotController")
        );
        let fix = snapshots_off.remediation.unwrap().to_string();
        assert!(fix.ends_with("--enable-snapshot-controller"), "{fix}");
    }

    #[test]
    fn unreported_drivers_are_unknown() {
        assert_eq!(status(json!({"diskCSIDriver": {"enabled": true}})), Status::Unknown);
        assert_eq!(
            status(json!({"diskCSIDriver": {"enabled": true}, "fileCSIDriver": {"enabled": true}})),
            Status::Unknown,
            "the snapshot controller unreported"
        );
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {}}))).status, Status::Unknown);
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
