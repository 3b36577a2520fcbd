//! The areas reports group findings by (HTML and Markdown), and the help page a rule falls back
//! to. Each rule names its own area and help page on its [`Rule`](super::Rule).

/// The part of a cluster's posture a rule judges. Declared in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Area {
    AccessControl,
    Network,
    ThreatProtection,
    UpgradesAndPatching,
    WorkloadSecurity,
    SupplyChain,
    GovernanceAndSecrets,
    Operations,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::AccessControl,
        Area::Network,
        Area::ThreatProtection,
        Area::UpgradesAndPatching,
        Area::WorkloadSecurity,
        Area::SupplyChain,
        Area::GovernanceAndSecrets,
        Area::Operations,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Area::AccessControl => "Access control",
            Area::Network => "Network",
            Area::ThreatProtection => "Threat protection",
            Area::UpgradesAndPatching => "Upgrades and patching",
            Area::WorkloadSecurity => "Workload security",
            Area::SupplyChain => "Supply chain",
            Area::GovernanceAndSecrets => "Governance and secrets",
            Area::Operations => "Operations",
        }
    }
}

/// The heading for findings of a rule id this build does not know (a report only holds known
/// rules; kept so a renderer never has to handle a missing area).
pub const OTHER: &str = "Other";

/// Area headings in the order reports list them, [`OTHER`] last.
pub const AREAS: [&str; 9] = [
    Area::AccessControl.as_str(),
    Area::Network.as_str(),
    Area::ThreatProtection.as_str(),
    Area::UpgradesAndPatching.as_str(),
    Area::WorkloadSecurity.as_str(),
    Area::SupplyChain.as_str(),
    Area::GovernanceAndSecrets.as_str(),
    Area::Operations.as_str(),
    OTHER,
];

/// The area heading of a rule id.
pub fn area(rule: &str) -> &'static str {
    super::super::find(rule).map_or(OTHER, |rule| rule.area.as_str())
}

/// AKS security best practices: the help page of rules no page documents more specifically.
pub const BEST_PRACTICES: &str = "https://learn.microsoft.com/azure/aks/operator-best-practices-cluster-security";

/// The hosts a rule's help page may be on: Microsoft's and Kubernetes' documentation.
const HELP_HOSTS: [&str; 2] = ["learn.microsoft.com", "kubernetes.io"];

/// Why `uri` cannot be a rule's help page, if it cannot: SARIF viewers open it as a link.
pub fn help_uri_problem(uri: &str) -> Option<String> {
    let Some(rest) = uri.strip_prefix("https://") else {
        return Some(format!("{uri:?} is not an https:// URL"));
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !HELP_HOSTS.contains(&host) {
        return Some(format!("{uri:?} is not on {}", HELP_HOSTS.join(" or ")));
    }
    if path.is_empty() || uri.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
        return Some(format!("{uri:?} names no page, or has characters a link cannot hold"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ALL;

    #[test]
    fn every_rule_has_a_listed_area_and_a_documentation_page() {
        assert!(!ALL.is_empty());
        for rule in ALL {
            assert!(AREAS.contains(&area(rule.id)), "{}", rule.id);
            assert_eq!(area(rule.id), rule.area.as_str());
            assert_eq!(help_uri_problem(rule.help_uri), None, "{}", rule.id);
        }
        assert_eq!(area("no-such-rule"), OTHER);
        assert!(Area::ALL.iter().all(|a| ALL.iter().any(|rule| rule.area == *a)), "an area without rules");
    }

    #[test]
    fn bad_help_pages_are_named() {
        assert_eq!(help_uri_problem(BEST_PRACTICES), None);
        assert!(help_uri_problem("http://learn.microsoft.com/azure/aks").unwrap().contains("https"));
        assert!(help_uri_problem("https://example.com/aks").unwrap().contains("is not on"));
        assert!(help_uri_problem("https://learn.microsoft.com/").is_some());
        assert!(help_uri_problem("https://learn.microsoft.com/azure aks").is_some());
        assert!(help_uri_problem("").is_some());
    }
}
