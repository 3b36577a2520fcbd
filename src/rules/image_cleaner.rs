//! `image-cleaner`: Image Cleaner removes unused (and vulnerable) images from the nodes.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "image-cleaner",
    title: "Image Cleaner removes stale images from the nodes",
    severity: Severity::Low,
    area: Area::SupplyChain,
    help_uri: "https://learn.microsoft.com/azure/aks/image-cleaner",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Azure Kubernetes Service Clusters should enable Image Cleaner (af3c26b2-6fad-493e-9236-9c68928516ab)",
        "Microsoft Learn: Use Image Cleaner to clean up stale images on your AKS cluster",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
`securityProfile.imageCleaner.enabled` on the managed cluster must be true (ARM omits the block
when it was never turned on, which fails). The evidence gives the scan interval. Needs ARM access.

## Why it matters
Images that no pod uses any more stay on the nodes' disks, with their known vulnerabilities: a
compromised pod (or a user who can create one with `imagePullPolicy: Never`) can start one of
them without any pull, past registry controls. Image Cleaner (Eraser) removes unused images that
Trivy finds vulnerable, on a schedule.

## How to fix

    az aks update -g RG -n NAME --enable-image-cleaner --image-cleaner-interval-hours 168
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cleaner = ctx.cluster()?.properties.security_profile.as_ref().and_then(|p| p.image_cleaner.as_ref());
    let enabled = cleaner.and_then(|c| c.enabled) == Some(true);
    let evidence = Evidence::arm(format!("properties.securityProfile.imageCleaner.enabled = {enabled}"));
    let finding = match enabled {
        true => {
            let interval =
                cleaner.and_then(|c| c.interval_hours).map_or("the default".to_string(), |h| format!("{h} hours"));
            RULE.pass(ctx.cluster_resource(), format!("Image Cleaner removes unused images every {interval}"))
        }
        false => RULE
            .fail(ctx.cluster_resource(), "Image Cleaner is off: unused, vulnerable images stay on the nodes")
            .with_remediation(ctx.az_aks_update("--enable-image-cleaner --image-cleaner-interval-hours 168")),
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

    #[test]
    fn enabled_passes_absent_or_off_fails() {
        let on = with_cluster(
            json!({"properties": {"securityProfile": {"imageCleaner": {"enabled": true, "intervalHours": 48}}}}),
        );
        let finding = only(&RULE, &on);
        assert_eq!((finding.status, finding.message.contains("48 hours")), (Status::Pass, true));
        let off = with_cluster(json!({"properties": {"securityProfile": {"imageCleaner": {"enabled": false}}}}));
        assert_eq!(only(&RULE, &off).status, Status::Fail);
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {}}))).status, Status::Fail);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
