//! `api-server-access`: the API server is private, or public but limited to authorized ranges.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
`authorizedIPRanges`, or when any range admits too much of the internet. Ranges are judged by
what they admit:

- IPv4: wider than a /8 (16 million addresses) fails; `0.0.0.0/0` is no limit at all.
- IPv6: wider than a /32 fails (a /32 is what a regional registry allocates a whole internet
  provider; a site is a /48), so `::/0`, `2000::/8` and `2000::/16` fail.
- IPv6 ranges that carry IPv4 addresses (IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`,
  IPv4-compatible `::/96`) are judged by their IPv4 meaning: `::ffff:0.0.0.0/96` is every IPv4
  address and fails, `::ffff:10.0.0.0/104` is `10.0.0.0/8`. An IPv6 range that holds one of
  these whole (`::/80`) admits every IPv4 address and fails.

Ranges are parsed as CIDRs; a bare address counts as a single host. A range that cannot be
parsed makes the finding unknown, never a pass.

## Why it matters
A public API server without authorized ranges accepts connections from the whole internet:
every leaked kubeconfig, token or credential-stuffing attempt can reach it, and so can the next
API server vulnerability. Limiting the source ranges to your networks removes that exposure.

## How to fix
Allow only the networks your administrators and pipelines come from:

    az aks update -g RG -n NAME --api-server-authorized-ip-ranges 203.0.113.0/24,198.51.100.7

or, for new clusters, create a private cluster (`az aks create ... --enable-private-cluster`).
";

/// IPv4 ranges wider than this (a shorter prefix) are as good as open.
const WIDEST_IPV4_PREFIX: u8 = 8;

/// IPv6 ranges wider than this are as good as open: a /32 is a whole internet provider.
const WIDEST_IPV6_PREFIX: u8 = 32;

/// The IPv6 prefixes whose last 32 bits are an IPv4 address: IPv4-mapped, NAT64's well-known
/// prefix, and the deprecated IPv4-compatible form.
const IPV4_EMBEDDINGS: [Ipv6Addr; 3] =
    [Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), Ipv6Addr::UNSPECIFIED];

/// The length of those prefixes.
const EMBEDDING_PREFIX: u8 = 96;

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
            Some(net) => too_wide.extend(why_too_wide(&net).map(|why| format!("{text} ({why})"))),
            None => unparsable.push(text.as_str()),
        }
    }
    let finding = if !too_wide.is_empty() {
        RULE.fail(resource, format!("authorized IP ranges include {}: as good as public", too_wide.join(", ")))
            .with_remediation(fix)
    } else if !unparsable.is_empty() {
        RULE.unknown(resource, format!("cannot parse authorized IP range(s) {} as CIDRs", unparsable.join(", ")))
    } else {
        RULE.pass(resource, format!("the public API server accepts only {ranges}"))
    };
    Ok(vec![finding.with_evidence(evidence)])
}

/// Why a range admits too much, or `None` when it is narrow enough.
fn why_too_wide(net: &IpNet) -> Option<String> {
    match net {
        IpNet::V4(net) => (net.prefix_len() < WIDEST_IPV4_PREFIX).then(|| format!("wider than /{WIDEST_IPV4_PREFIX}")),
        IpNet::V6(net) if net.prefix_len() < WIDEST_IPV6_PREFIX => Some(format!("wider than /{WIDEST_IPV6_PREFIX}")),
        IpNet::V6(net) => {
            let ipv4 = ipv4_meaning(net)?;
            let why = why_too_wide(&IpNet::V4(ipv4))?;
            Some(format!("the IPv4 range {ipv4}, {why}"))
        }
    }
}

/// The IPv4 addresses an IPv6 range admits through an embedding (`::ffff:10.0.0.0/104` is
/// `10.0.0.0/8`); a range holding an embedding prefix whole admits all of IPv4.
fn ipv4_meaning(net: &Ipv6Net) -> Option<Ipv4Net> {
    let every_ipv4 = Ipv4Net::new(Ipv4Addr::UNSPECIFIED, 0).ok();
    IPV4_EMBEDDINGS.iter().find_map(|prefix| {
        let embedding = Ipv6Net::new(*prefix, EMBEDDING_PREFIX).ok()?;
        if net.prefix_len() <= EMBEDDING_PREFIX {
            return net.contains(&embedding).then_some(every_ipv4).flatten();
        }
        if !embedding.contains(net) {
            return None;
        }
        let [.., a, b, c, d] = net.network().octets();
        Ipv4Net::new(Ipv4Addr::new(a, b, c, d), net.prefix_len() - EMBEDDING_PREFIX).ok()
    })
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

    fn judged(range: &str) -> (Status, String) {
        let finding = only(&RULE, &ranges(json!(["203.0.113.0/24", range])));
        (finding.status, finding.message)
    }

    #[test]
    fn ipv6_ranges_wider_than_a_32_fail() {
        for wide in ["2000::/8", "2000::/16", "2001:db8::/31", "::/1"] {
            let (status, message) = judged(wide);
            assert_eq!(status, Status::Fail, "{wide}");
            assert!(message.contains(&format!("{wide} (wider than /32)")), "{message}");
        }
        for narrow in ["2001:db8::/32", "2001:db8:1234::/48", "2001:db8:1234:5678::/64", "2001:db8::7"] {
            assert_eq!(judged(narrow).0, Status::Pass, "{narrow}");
        }
    }

    #[test]
    fn ipv6_ranges_carrying_ipv4_are_judged_by_their_ipv4_meaning() {
        let cases = [
            ("::ffff:0.0.0.0/96", "the IPv4 range 0.0.0.0/0, wider than /8"),
            ("::ffff:0:0/97", "the IPv4 range 0.0.0.0/1, wider than /8"),
            ("::ffff:10.0.0.0/103", "the IPv4 range 10.0.0.0/7, wider than /8"),
            ("64:ff9b::/96", "the IPv4 range 0.0.0.0/0"),
            ("::/96", "the IPv4 range 0.0.0.0/0"),
            ("::/80", "the IPv4 range 0.0.0.0/0"),
            ("::ffff:0:0/64", "the IPv4 range 0.0.0.0/0"),
        ];
        for (wide, why) in cases {
            let (status, message) = judged(wide);
            assert_eq!(status, Status::Fail, "{wide}");
            assert!(message.contains(&format!("{wide} ({why}")), "{message}");
        }
        for narrow in ["::ffff:10.0.0.0/104", "::ffff:203.0.113.0/120", "::ffff:198.51.100.7", "64:ff9b::c633:6407/128"]
        {
            assert_eq!(judged(narrow).0, Status::Pass, "{narrow}");
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
