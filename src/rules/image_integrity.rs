//! `image-integrity`: the cluster verifies image signatures before it runs them.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "image-integrity",
    title: "Image signatures are verified (image integrity)",
    severity: Severity::Medium,
    area: Area::SupplyChain,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Use Image Integrity to validate signed images before deploying them to AKS"],
    check,
};

const DOCS: &str = "\
## What it checks
`securityProfile.imageIntegrity.enabled` on the managed cluster must be true.

## Why it matters
Registry access control says who may push; signature verification says that what runs is what
your pipeline built and signed. Without it, an image swapped in the registry (or a tag moved to
another digest) runs unnoticed.

## How to fix

    az aks update -g RG -n NAME --enable-image-integrity

then assign the Azure Policy that verifies signatures (Notation) for your registries.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let properties = &ctx.cluster()?.properties;
    let enabled = properties.security_profile.as_ref().and_then(|p| p.image_integrity.as_ref()).and_then(|i| i.enabled)
        == Some(true);
    let evidence = Evidence::arm(format!("properties.securityProfile.imageIntegrity.enabled = {enabled}"));
    let finding = match enabled {
        true => RULE.pass(ctx.cluster_resource(), "image signatures are verified before images run"),
        false => RULE
            .fail(ctx.cluster_resource(), "image integrity is off: unsigned or tampered images run")
            .with_remediation(ctx.az_aks_update("--enable-image-integrity")),
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
    fn enabled_passes_otherwise_fails() {
        let on = with_cluster(json!({"properties": {"securityProfile": {"imageIntegrity": {"enabled": true}}}}));
        assert_eq!(only(&RULE, &on).status, Status::Pass);
        assert_eq!(only(&RULE, &with_cluster(json!({"properties": {"securityProfile": null}}))).status, Status::Fail);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
