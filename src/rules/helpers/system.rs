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
    // Excluded by the pod security and CIS initiatives' defaults: Azure extensions' usage metering.
    "azure-extensions-usage-system",
    "aks-command",
    "app-routing-system",
];

/// Registries images may come from unless the user says otherwise (`--allowed-registry`,
/// `allowed_registries` in aksguard.toml).
pub const DEFAULT_ALLOWED_REGISTRIES: &[&str] = &["*.azurecr.io", "mcr.microsoft.com"];

/// Settings rules read beyond the snapshot: flags and `aksguard.toml` fill them in.
#[derive(Debug, Clone)]
pub struct Settings {
    pub system_namespaces: Vec<String>,
    /// Registry host patterns (`*.azurecr.io` matches subdomains) for `trusted-registries`.
    pub allowed_registries: Vec<String>,
    /// Ports Services may listen on (`allowed_service_ports` in aksguard.toml) for
    /// `service-exposure`; `None`: not given, so ports are not judged (the built-in has no default).
    pub allowed_service_ports: Option<Vec<u16>>,
    /// The only external IPs Services may use (`allowed_external_ips`); empty: none, as the
    /// built-in's default.
    pub allowed_external_ips: Vec<std::net::IpAddr>,
    /// "Now" for rules that judge ages and deadlines; tests set it, the CLI uses the clock.
    pub now: jiff::Timestamp,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            system_namespaces: SYSTEM_NAMESPACES.iter().map(|ns| ns.to_string()).collect(),
            allowed_registries: DEFAULT_ALLOWED_REGISTRIES.iter().map(|r| r.to_string()).collect(),
            allowed_service_ports: None,
            allowed_external_ips: Vec::new(),
            now: jiff::Timestamp::now(),
        }
    }
}
