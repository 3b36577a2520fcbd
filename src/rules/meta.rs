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

/// Rules for controls of the Pod Security Standards, documented on the Standards' page.
const POD_SECURITY_STANDARD_RULES: &[&str] = &[
    "read-only-root-filesystem",
    "allowed-capabilities",
    "allowed-volume-types",
    "host-ports",
    "approved-user-group-ids",
    "allowed-sysctls",
    "apparmor-profile",
    "selinux-options",
    "proc-mount",
    "windows-container-privileges",
];

/// The area a rule id belongs to (catalog ids from RULES.md included, so new rules land right).
pub fn area(rule: &str) -> &'static str {
    match rule {
        "api-server-access"
        | "local-accounts"
        | "entra-rbac"
        | "cluster-admin-bindings"
        | "workload-identity"
        | "node-ssh-access" => "Access control",
        "network-policy-default-deny" | "azure-cni" => "Network",
        "defender-enabled" => "Threat protection",
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
        | "default-namespace-workloads"
        | "automount-service-account-token" => "Workload security",
        pss if POD_SECURITY_STANDARD_RULES.contains(&pss) => "Workload security",
        "trusted-registries" | "image-tag-pinning" | "image-integrity" | "image-cleaner" => "Supply chain",
        "azure-policy-addon" | "keyvault-secrets-provider" | "kms-etcd-encryption" => "Governance and secrets",
        "monitoring-enabled" | "audit-logs" | "cluster-sku-tier" | "nodes-not-ready" => "Operations",
        "resource-limits" | "health-probes" | "pod-anti-affinity" | "bare-pods" | "csi-drivers" => "Operations",
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
        "kms-etcd-encryption" => "https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption",
        "image-cleaner" => "https://learn.microsoft.com/azure/aks/image-cleaner",
        "csi-drivers" => "https://learn.microsoft.com/azure/aks/csi-storage-drivers",
        "azure-cni" => "https://learn.microsoft.com/azure/aks/concepts-network-cni-overview",
        "resource-limits" | "health-probes" | "pod-anti-affinity" | "bare-pods" => {
            "https://learn.microsoft.com/azure/aks/deployment-safeguards"
        }
        pss if POD_SECURITY_STANDARD_RULES.contains(&pss) => {
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
        }
        "automount-service-account-token" => {
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"
        }
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
