//! The one list of namespaces that belong to the platform (AKS and its add-ons), not to the
//! cluster's users. Workload rules skip them; RULES.md documents the same list.

pub const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",
    "calico-system",
    "tigera-operator",
    "azure-arc",
    "aks-command",
    "app-routing-system",
];

/// Settings rules read beyond the snapshot (the config file will fill these in).
#[derive(Debug, Clone)]
pub struct Settings {
    pub system_namespaces: Vec<String>,
    /// "Now" for rules that judge ages and deadlines; tests set it, the CLI uses the clock.
    pub now: jiff::Timestamp,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            system_namespaces: SYSTEM_NAMESPACES.iter().map(|ns| ns.to_string()).collect(),
            now: jiff::Timestamp::now(),
        }
    }
}
