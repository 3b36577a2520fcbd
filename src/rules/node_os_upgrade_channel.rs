//! `node-os-upgrade-channel`: node operating systems receive security patches automatically.

use super::Area;
use super::inference::arm_setting;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::DaemonSet;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "node-os-upgrade-channel",
    title: "Node OS security patches are applied automatically",
    severity: Severity::Medium,
    area: Area::UpgradesAndPatching,
    help_uri: "https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image",
    reads: &[source::MANAGED_CLUSTER, source::DAEMON_SETS],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Apply security and kernel updates to Linux nodes in AKS (kured)"],
    check,
};

const DOCS: &str = "\
## What it checks
Reads `autoUpgradeProfile.nodeOSUpgradeChannel` from the managed cluster and, for `Unmanaged`,
the DaemonSets of the cluster:
- `NodeImage` or `SecurityPatch`: pass (AKS patches the nodes).
- `Unmanaged`: the OS installs updates itself but nothing reboots the node to apply kernel
  fixes; passes only when a kured (KUbernetes REboot Daemon) DaemonSet runs.
- `None` or unset: fails.

## Why it matters
Node OS vulnerabilities (kernel, container runtime, OpenSSL) are fixed by new node images or
patches plus a reboot. Without an automatic channel, nodes run unpatched until someone upgrades
them by hand.

## How to fix

    az aks update -g RG -n NAME --node-os-upgrade-channel NodeImage

and give it a maintenance window (`aksManagedNodeOSUpgradeSchedule`).
";

fn is_kured(daemon_set: &DaemonSet) -> bool {
    let labels = &daemon_set.metadata.labels;
    daemon_set.metadata.name.contains("kured")
        || labels.get("app.kubernetes.io/name").is_some_and(|v| v == "kured")
        || labels.get("name").is_some_and(|v| v == "kured")
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let resource = ctx.cluster_resource();
    let channel = cluster.properties.auto_upgrade_profile.as_ref().and_then(|p| p.node_os_upgrade_channel.clone());
    let evidence = arm_setting("autoUpgradeProfile.nodeOSUpgradeChannel", channel.as_deref());
    let fix = ctx.az_aks_update("--node-os-upgrade-channel NodeImage");
    let finding = match channel.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some(known @ ("nodeimage" | "securitypatch")) => RULE
            .pass(resource, format!("node OS channel {}: AKS patches the nodes", channel.as_deref().unwrap_or(known))),
        None | Some("none") | Some("") => RULE
            .fail(resource, "no node OS upgrade channel: node security patches are never applied")
            .with_remediation(fix),
        Some("unmanaged") => return Ok(vec![unmanaged(ctx, resource, fix, evidence)]),
        Some(_) => RULE.unknown(resource, "unrecognised node OS upgrade channel: cannot judge it"),
    };
    Ok(vec![finding.with_evidence(evidence)])
}

/// `Unmanaged` is safe only with kured rebooting nodes after OS updates.
fn unmanaged(ctx: &Context, resource: Resource, fix: String, channel_evidence: Evidence) -> Finding {
    let daemon_sets = match ctx.daemon_sets() {
        Ok(daemon_sets) => daemon_sets,
        Err(missing) => {
            return RULE
                .unknown(
                    resource,
                    format!(
                        "channel Unmanaged is safe only with kured, and the DaemonSets cannot be read: {}",
                        missing.reason
                    ),
                )
                .with_evidence(channel_evidence);
        }
    };
    match daemon_sets.iter().find(|ds| is_kured(ds)) {
        Some(kured) => RULE
            .pass(resource, "channel Unmanaged with kured rebooting nodes after OS updates")
            .with_evidence(channel_evidence)
            .with_evidence(Evidence::kubernetes(format!(
                "DaemonSet {}/{} runs",
                kured.metadata.namespace(),
                kured.metadata.name
            ))),
        None => RULE
            .fail(resource, "channel Unmanaged without kured: OS updates install but nodes never reboot to apply them")
            .with_evidence(channel_evidence)
            .with_evidence(Evidence::kubernetes("no kured DaemonSet in any namespace"))
            .with_remediation(fix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, only, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn channel(value: &str) -> Snapshot {
        with_cluster(json!({"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": value}}}))
    }

    #[test]
    fn node_image_and_security_patch_pass() {
        assert_eq!(only(&RULE, &channel("NodeImage")).status, Status::Pass);
        assert_eq!(only(&RULE, &channel("SecurityPatch")).status, Status::Pass);
    }

    #[test]
    fn none_and_unset_fail() {
        assert_eq!(only(&RULE, &channel("None")).status, Status::Fail);
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {}}))).status, Status::Fail);
    }

    #[test]
    fn unmanaged_depends_on_kured() {
        let mut snapshot = channel("Unmanaged");
        assert_eq!(only(&RULE, &snapshot).status, Status::Unknown, "DaemonSets not provided");

        snapshot.kubernetes.daemon_sets =
            Part::Collected(vec![k8s(json!({"metadata": {"name": "kube-proxy", "namespace": "kube-system"}}))]);
        let finding = only(&RULE, &snapshot);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(
            finding.remediation.as_deref(),
            Some("az aks update -g rg1 -n aks1 --node-os-upgrade-channel NodeImage")
        );

        snapshot.kubernetes.daemon_sets =
            Part::Collected(vec![k8s(json!({"metadata": {"name": "kured", "namespace": "kured"}}))]);
        assert_eq!(only(&RULE, &snapshot).status, Status::Pass);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("test", "forbidden")).status, Status::Unknown);
    }
}
