//! How reports present a rule: the area it belongs to (HTML and Markdown group findings by it)
//! and the page that documents the fix (SARIF `helpUri`). Kept here rather than on [`Rule`] so
//! that adding a rule never requires touching report code; unlisted rules fall back sensibly.
//!
//! [`Rule`]: super::Rule

/// Areas in the order reports list them.
pub const AREAS: [&str; 9] = [
    "Access control",
    "Network",
    "Threat protection",
    "Upgrades and patching",
    "Workload security",
    "Supply chain",
    "Governance and secrets",
    "Operations",
    "Other",
];

/// The area a rule id belongs to (catalog ids from RULES.md included, so new rules land right).
pub fn area(rule: &str) -> &'static str {
    match rule {
        "api-server-access"
        | "local-accounts"
        | "entra-rbac"
        | "cluster-admin-bindings"
        | "workload-identity"
        | "node-ssh-access"
        | "azure-rbac-admins" => "Access control",
        "network-policy-default-deny" => "Network",
        "defender-enabled" | "defender-alerts" | "defender-recommendations" => "Threat protection",
        "auto-upgrade-channel"
        | "node-os-upgrade-channel"
        | "maintenance-window"
        | "kubernetes-version-support"
        | "node-pool-version-skew"
        | "node-image-age"
        | "upgrade-surge"
        | "pdb-blocks-drain" => "Upgrades and patching",
        "pod-security-labels"
        | "privileged-containers"
        | "privilege-escalation"
        | "host-namespaces"
        | "seccomp-profile"
        | "default-namespace-workloads" => "Workload security",
        "trusted-registries" | "image-tag-pinning" | "image-integrity" | "running-image-vulnerabilities" => {
            "Supply chain"
        }
        "azure-policy-addon" | "keyvault-secrets-provider" | "azure-policy-assignments" | "azure-policy-compliance" => {
            "Governance and secrets"
        }
        "monitoring-enabled" | "audit-logs" | "cluster-sku-tier" | "nodes-not-ready" => "Operations",
        _ => "Other",
    }
}

/// Microsoft's documentation of the setting a rule checks; AKS security best practices otherwise.
pub fn help_uri(rule: &str) -> &'static str {
    match rule {
        "api-server-access" => "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
        "local-accounts" => "https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",
        "defender-enabled" => {
            "https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-introduction"
        }
        "auto-upgrade-channel" => "https://learn.microsoft.com/azure/aks/auto-upgrade-cluster",
        "node-os-upgrade-channel" => "https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image",
        "maintenance-window" => "https://learn.microsoft.com/azure/aks/planned-maintenance",
        "pod-security-labels" => "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        "network-policy-default-deny" => "https://learn.microsoft.com/azure/aks/use-network-policies",
        "audit-logs" => "https://learn.microsoft.com/azure/aks/monitor-aks",
        "defender-alerts" => "https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers",
        "defender-recommendations" => {
            "https://learn.microsoft.com/azure/defender-for-cloud/review-security-recommendations"
        }
        "running-image-vulnerabilities" => {
            "https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure"
        }
        "azure-policy-assignments" | "azure-policy-compliance" => {
            "https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes"
        }
        "azure-rbac-admins" => "https://learn.microsoft.com/azure/aks/manage-azure-rbac",
        _ => "https://learn.microsoft.com/azure/aks/operator-best-practices-cluster-security",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ALL;

    #[test]
    fn every_rule_has_an_area_and_a_help_page() {
        for rule in ALL {
            assert_ne!(area(rule.id), "Other", "{} has no area", rule.id);
            assert!(AREAS.contains(&area(rule.id)));
            assert!(help_uri(rule.id).starts_with("https://"), "{}", rule.id);
        }
    }
}
