//! `auto-upgrade-channel`: the cluster follows an automatic Kubernetes upgrade channel.

use super::Area;
use super::inference::arm_setting;
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "auto-upgrade-channel",
    title: "Cluster auto-upgrade channel is set",
    severity: Severity::Medium,
    area: Area::UpgradesAndPatching,
    help_uri: "https://learn.microsoft.com/azure/aks/auto-upgrade-cluster",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes Services should be upgraded to a non-vulnerable Kubernetes version (fb893a29-21bb-418c-a157-e99480ec364c)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Reads `autoUpgradeProfile.upgradeChannel` from the managed cluster:
- `patch` or `stable`: pass.
- `rapid`: pass, with a note that it takes new minor versions as soon as they are GA, which is
  early for production.
- `node-image`: fails (low). It is a legacy channel that only refreshes node images and never
  upgrades Kubernetes itself; the node OS channel now covers node images.
- `none` or unset: fails. Nothing upgrades the cluster, and it drifts out of support.

## Why it matters
AKS supports only the latest minor versions. A cluster nobody upgrades falls out of support and
misses Kubernetes security fixes. An automatic channel applies patch releases (or minors) for
you, inside your maintenance window.

## How to fix

    az aks update -g RG -n NAME --auto-upgrade-channel patch

then set a maintenance window (`aksguard explain maintenance-window`).
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let resource = ctx.cluster_resource();
    let channel = cluster.properties.auto_upgrade_profile.as_ref().and_then(|p| p.upgrade_channel.clone());
    let evidence = arm_setting("autoUpgradeProfile.upgradeChannel", channel.as_deref());
    let fix = ctx.az_aks_update("--auto-upgrade-channel patch");
    let finding = match channel.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("none") | Some("") => {
            RULE.fail(resource, "no automatic upgrade channel: nothing keeps Kubernetes patched").with_remediation(fix)
        }
        Some("node-image") => RULE
            .fail(resource, "legacy channel node-image: refreshes node images but never upgrades Kubernetes")
            .with_severity(Severity::Low)
            .with_remediation(fix),
        Some("rapid") => RULE.pass(
            resource,
            "channel rapid: upgrades automatically, but takes new minors as soon as they are GA (consider stable for production)",
        ),
        Some(known @ ("patch" | "stable")) => RULE.pass(resource, format!("channel {known}: upgrades automatically")),
        Some(_) => RULE.unknown(resource, "unrecognised upgrade channel: cannot judge it"),
    };
    Ok(vec![finding.with_evidence(evidence)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn channel(value: serde_json::Value) -> Finding {
        only(&RULE, &with_cluster(json!({"properties": {"autoUpgradeProfile": {"upgradeChannel": value}}})))
    }

    #[test]
    fn none_and_unset_fail_medium() {
        for value in [json!("none"), json!(null)] {
            let finding = channel(value);
            assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Medium));
            assert_eq!(
                finding.remediation.as_deref(),
                Some("az aks update -g rg1 -n aks1 --auto-upgrade-channel patch")
            );
        }
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {}}))).status, Status::Fail);
    }

    #[test]
    fn node_image_fails_low() {
        let finding = channel(json!("node-image"));
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Low));
    }

    #[test]
    fn patch_stable_and_rapid_pass_with_a_note_for_rapid() {
        assert_eq!(channel(json!("patch")).status, Status::Pass);
        assert_eq!(channel(json!("Stable")).status, Status::Pass);
        let rapid = channel(json!("rapid"));
        assert_eq!(rapid.status, Status::Pass);
        assert!(rapid.message.contains("production"));
    }

    #[test]
    fn an_unrecognised_channel_is_unknown() {
        assert_eq!(channel(json!("weekly-magic")).status, Status::Unknown);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("test", "forbidden")).status, Status::Unknown);
    }
}
