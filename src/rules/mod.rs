//! The rule registry. Each rule lives in its own file (`src/rules/<id>.rs`, with `-` as `_`)
//! holding its documentation, its logic and its tests, and is listed once in [`ALL`]. What rules
//! share (the context, workload grouping, inference, the CIS catalog, ...) is in [`helpers`].

pub mod azure_policy_map;
pub mod helpers;

use helpers::{aks_calendar, clock, defender_severity, inference, kube_version, node_image, workload_check};
pub use helpers::{cis, images, meta, restricted_profile, system, workloads};

mod api_server_access;
mod auto_upgrade_channel;
mod defender_enabled;
mod local_accounts;
mod maintenance_window;
mod network_policy_default_deny;
mod node_os_upgrade_channel;
mod pod_security_labels;
mod pod_security_rejected_workloads;

mod default_namespace_workloads;
mod host_namespaces;
mod image_tag_pinning;
mod privilege_escalation;
mod privileged_containers;
mod seccomp_profile;
mod trusted_registries;

mod audit_logs;
mod azure_policy_addon;
mod cluster_admin_bindings;
mod entra_rbac;
mod image_integrity;
mod keyvault_secrets_provider;
mod monitoring_enabled;
mod workload_identity;
// Patching and upgrade readiness.
mod cluster_sku_tier;
mod kubernetes_version_support;
mod node_image_age;
mod node_pool_version_skew;
mod node_ssh_access;
mod nodes_not_ready;
mod pdb_blocks_drain;
mod upgrade_surge;
// The Azure Policy built-ins' workload and cluster settings.
mod allowed_capabilities;
mod allowed_sysctls;
mod allowed_volume_types;
mod apparmor_profile;
mod approved_user_group_ids;
mod automount_service_account_token;
mod azure_cni;
mod bare_pods;
mod csi_drivers;
mod health_probes;
mod host_ports;
mod image_cleaner;
mod kms_etcd_encryption;
mod pod_anti_affinity;
mod proc_mount;
mod read_only_root_filesystem;
mod resource_limits;
mod selinux_options;
mod windows_container_privileges;
// Services, Ingresses, RBAC roles and StorageClasses (issue 14, phase 2).
mod aggregate_to_edit_endpoints;
mod ingress_https;
mod public_load_balancers;
mod rbac_wildcards;
mod service_exposure;
mod service_selector_collisions;
mod storage_class_csi;

// Defender, Azure Policy and Azure RBAC (issue 13).
mod azure_policy_assignments;
mod azure_policy_compliance;
mod azure_rbac_admins;
mod defender_alerts;
mod defender_recommendations;
mod running_image_vulnerabilities;

#[cfg(test)]
pub(crate) use helpers::testing;

pub use helpers::{ClusterNames, Context, Missing, Settings};

use crate::finding::{Confidence, Finding, Resource, Severity, Status};
pub use helpers::meta::Area;

/// A rule: everything about it in one place, next to its check. `aksguard rules` and `explain`
/// list it, reports group its findings by `area`, SARIF links `help_uri`.
pub struct Rule {
    /// Kebab-case, never changes once released.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The part of the cluster's posture it judges: how HTML and Markdown reports group findings.
    pub area: Area,
    /// The page that documents the setting it checks (SARIF `helpUri`):
    /// [`meta::BEST_PRACTICES`] when no page is more specific.
    pub help_uri: &'static str,
    /// The snapshot sources it reads (`crate::snapshot::source`).
    pub reads: &'static [&'static str],
    /// Markdown: what it checks, why it matters, how to fix it.
    pub docs: &'static str,
    /// The CIS AKS Benchmark v1.8 controls it automates (ids of [`cis::CONTROLS`]).
    pub cis: &'static [&'static str],
    /// Defender for Cloud recommendations, Azure Policy built-ins, documentation.
    pub references: &'static [&'static str],
    /// Evaluates the rule. `Err(Missing)` when a source it cannot do without is unavailable:
    /// the audit turns that into an `unknown` finding with the reason.
    pub check: fn(&Context) -> Result<Vec<Finding>, Missing>,
}

/// Every rule, in the order `aksguard rules` lists them.
pub static ALL: &[&Rule] = &[
    &api_server_access::RULE,
    &local_accounts::RULE,
    &defender_enabled::RULE,
    &auto_upgrade_channel::RULE,
    &node_os_upgrade_channel::RULE,
    &maintenance_window::RULE,
    &pod_security_labels::RULE,
    &pod_security_rejected_workloads::RULE,
    &network_policy_default_deny::RULE,
    &privileged_containers::RULE,
    &host_namespaces::RULE,
    &privilege_escalation::RULE,
    &seccomp_profile::RULE,
    &trusted_registries::RULE,
    &image_tag_pinning::RULE,
    &default_namespace_workloads::RULE,
    &entra_rbac::RULE,
    &cluster_admin_bindings::RULE,
    &workload_identity::RULE,
    &image_integrity::RULE,
    &monitoring_enabled::RULE,
    &keyvault_secrets_provider::RULE,
    &azure_policy_addon::RULE,
    &audit_logs::RULE,
    // Patching and upgrade readiness.
    &kubernetes_version_support::RULE,
    &node_pool_version_skew::RULE,
    &node_image_age::RULE,
    &upgrade_surge::RULE,
    &pdb_blocks_drain::RULE,
    &nodes_not_ready::RULE,
    &node_ssh_access::RULE,
    &cluster_sku_tier::RULE,
    // The Azure Policy built-ins' workload and cluster settings.
    &resource_limits::RULE,
    &health_probes::RULE,
    &pod_anti_affinity::RULE,
    &read_only_root_filesystem::RULE,
    &allowed_capabilities::RULE,
    &allowed_volume_types::RULE,
    &host_ports::RULE,
    &approved_user_group_ids::RULE,
    &allowed_sysctls::RULE,
    &apparmor_profile::RULE,
    &selinux_options::RULE,
    &proc_mount::RULE,
    &windows_container_privileges::RULE,
    &automount_service_account_token::RULE,
    &bare_pods::RULE,
    &kms_etcd_encryption::RULE,
    &image_cleaner::RULE,
    &csi_drivers::RULE,
    &azure_cni::RULE,
    &public_load_balancers::RULE,
    &ingress_https::RULE,
    &rbac_wildcards::RULE,
    &storage_class_csi::RULE,
    &aggregate_to_edit_endpoints::RULE,
    &service_selector_collisions::RULE,
    &service_exposure::RULE,
    // Defender, Azure Policy and Azure RBAC (issue 13).
    &defender_alerts::RULE,
    &defender_recommendations::RULE,
    &running_image_vulnerabilities::RULE,
    &azure_policy_assignments::RULE,
    &azure_policy_compliance::RULE,
    &azure_rbac_admins::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|rule| rule.id == id)
}

/// ` (did you mean 'ID'?)` for a mistyped rule id close to a real one, else empty.
pub fn did_you_mean(id: &str) -> String {
    ALL.iter()
        .map(|rule| (strsim::jaro_winkler(id, rule.id), rule.id))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| format!(" (did you mean '{id}'?)"))
        .unwrap_or_default()
}

impl Rule {
    pub fn finding(&self, status: Status, resource: Resource, message: impl Into<String>) -> Finding {
        let mut message = message.into();
        // No spare capacity: an audit of a large cluster holds hundreds of thousands of findings.
        message.shrink_to_fit();
        Finding {
            rule: self.id.to_string(),
            severity: self.severity,
            status,
            resource,
            message,
            evidence: Vec::new(),
            confidence: Confidence::High,
            remediation: None,
            platform_managed: false,
            baseline: None,
        }
    }

    pub fn fail(&self, resource: Resource, message: impl Into<String>) -> Finding {
        self.finding(Status::Fail, resource, message)
    }

    pub fn pass(&self, resource: Resource, message: impl Into<String>) -> Finding {
        self.finding(Status::Pass, resource, message)
    }

    pub fn unknown(&self, resource: Resource, message: impl Into<String>) -> Finding {
        self.finding(Status::Unknown, resource, message)
    }

    pub fn not_applicable(&self, resource: Resource, message: impl Into<String>) -> Finding {
        self.finding(Status::NotApplicable, resource, message)
    }

    /// Runs the check; a missing source becomes one `unknown` finding on the cluster.
    pub fn evaluate(&self, ctx: &Context) -> Vec<Finding> {
        match (self.check)(ctx) {
            Ok(findings) => findings,
            Err(missing) => vec![self.unknown(ctx.cluster_resource(), missing.to_string())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = HashSet::new();
        for rule in ALL {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", rule.id);
            for heading in ["## What it checks", "## Why it matters", "## How to fix"] {
                assert!(rule.docs.contains(heading), "{} docs lack {heading}", rule.id);
            }
            assert!(!rule.references.is_empty(), "{} has no references", rule.id);
            assert!(!rule.reads.is_empty(), "{} reads nothing", rule.id);
        }
    }
}
