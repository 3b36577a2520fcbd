//! `api-server-access`: the API server is private, or public but limited to authorized ranges.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;
use ipnet::IpNet;
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    id: "api-server-access",
    title: "API server is private or limited to authorized IP ranges",
    severity: Severity::High,
    area: Area::AccessControl,
    help_uri: "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.4.1", "5.4.2"],
    references: &[
        "Azure Policy: Authorized IP ranges should be defined on Kubernetes Services (0e246bcf-5f6f-4f87-bc6f-775d4712c7ea)",
        "Azure Policy: Azure Kubernetes Service Private Clusters should be enabled (040732e8-d947-40b8-95d6-854c95024bf8)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Reads `apiServerAccessProfile` from the managed cluster. A private cluster
(`enablePrivateCluster: true`) passes. A public API server fails when it has no
`authorizedIPRanges`, or when any range is `0.0.0.0/0` or wider than a /8. Ranges are parsed as
CIDRs; a bare address counts as a single host (/32).

## Why it matters
A public API server without authorized ranges accepts connections from the whole internet:
every leaked kubeconfig, token or credential-stuffing attempt can reach it, and so can the next
API server vulnerability. Limiting the source ranges to your networks removes that exposure.

## How to fix
Allow only the networks your administrators and pipelines come from:

    az aks update -g RG -n NAME --api-server-authorized-ip-ranges 203.0.113.0/24,198.51.100.7

or, for new clusters, create a private cluster (`az aks create ... --enable-private-cluster`).
";

/// Ranges wider than this (a shorter prefix) are as good as open.
const WIDEST_ACCEPTED_PREFIX: u8 = 8;

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let resource = ctx.cluster_resource();
    let profile = cluster.properties.api_server_access_profile.clone().unwrap_or_default();
    let fix = ctx.az_aks_update("--api-server-authorized-ip-ranges <your CIDRs>");

    if profile.enable_private_cluster == Some(true) {
        return Ok(vec![
            RULE.pass(resource, "the API server is private (reachable only from the cluster's network)")
                .with_evidence(Evidence::arm("properties.apiServerAccessProfile.enablePrivateCluster = true")),
        ]);
    }
    if profile.authorized_ip_ranges.is_empty() {
        return Ok(vec![
            RULE.fail(resource, "the API server is public and accepts connections from any IP address")
                .with_evidence(Evidence::arm("properties.apiServerAccessProfile.authorizedIPRanges is empty or absent"))
                .with_remediation(fix),
        ]);
    }
    let ranges = profile.authorized_ip_ranges.join(", ");
    let evidence = Evidence::arm(format!("properties.apiServerAccessProfile.authorizedIPRanges = [{ranges}]"));
    let mut unparsable = Vec::new();
    let mut too_wide = Vec::new();
    for text in &profile.authorized_ip_ranges {
        match parse_range(text) {
            Some(net) if net.prefix_len() < WIDEST_ACCEPTED_PREFIX => too_wide.push(text.as_str()),
            Some(_) => {}
            None => unparsable.push(text.as_str()),
        }
    }
    let finding = if !too_wide.is_empty() {
        RULE.fail(
            resource,
            format!(
                "authorized IP ranges include {} (wider than /{WIDEST_ACCEPTED_PREFIX}): as good as public",
                too_wide.join(", ")
            ),
        )
        .with_remediation(fix)
    } else if !unparsable.is_empty() {
        RULE.unknown(resource, format!("cannot parse authorized IP range(s) {} as CIDRs", unparsable.join(", ")))
    } else {
        RULE.pass(resource, format!("the public API server accepts only {ranges}"))
    };
    Ok(vec![finding.with_evidence(evidence)])
}

/// A CIDR, or a bare address as a single host.
fn parse_range(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>().ok().or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn ranges(ranges: serde_json::Value) -> Snapshot {
        with_cluster(json!({"properties": {"apiServerAccessProfile": {"authorizedIPRanges": ranges}}}))
    }

    #[test]
    fn public_without_ranges_fails_high_with_the_fix() {
        let finding = only(&RULE, &with_cluster(json!({"properties": {}})));
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::High));
        assert_eq!(
            finding.remediation.as_deref(),
            Some("az aks update -g rg1 -n aks1 --api-server-authorized-ip-ranges <your CIDRs>")
        );
    }

    #[test]
    fn narrow_ranges_and_bare_addresses_pass() {
        assert_eq!(only(&RULE, &ranges(json!(["203.0.113.0/24", "198.51.100.7", "10.0.0.0/8"]))).status, Status::Pass);
    }

    #[test]
    fn open_or_too_wide_ranges_fail() {
        for wide in ["0.0.0.0/0", "10.0.0.0/7", "::/0"] {
            let finding = only(&RULE, &ranges(json!(["203.0.113.0/24", wide])));
            assert_eq!(finding.status, Status::Fail, "{wide}");
            assert!(finding.message.contains(wide));
        }
    }

    #[test]
    fn az_casing_is_read() {
        let snapshot = with_cluster(
            json!({"apiServerAccessProfile": {"authorizedIpRanges": ["0.0.0.0/0"], "enablePrivateCluster": null}}),
        );
        assert_eq!(only(&RULE, &snapshot).status, Status::Fail);
    }

    #[test]
    fn unparsable_range_is_unknown_not_pass() {
        assert_eq!(only(&RULE, &ranges(json!(["not-a-cidr"]))).status, Status::Unknown);
    }

    #[test]
    fn private_cluster_passes() {
        let snapshot = with_cluster(json!({"properties": {"apiServerAccessProfile": {"enablePrivateCluster": true}}}));
        assert_eq!(only(&RULE, &snapshot).status, Status::Pass);
    }

    #[test]
    fn missing_cluster_data_is_unknown() {
        let finding = only(&RULE, &Snapshot::empty("test", "not requested: --skip-azure"));
        assert_eq!(finding.status, Status::Unknown);
        assert!(finding.message.contains("--skip-azure"), "{}", finding.message);
    }
}
