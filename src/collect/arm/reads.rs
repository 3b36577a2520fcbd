//! What aksguard reads from ARM: one entry per read, with the snapshot source it fills, the
//! pinned api-version and the RBAC action it needs. `deploy/aksguard-reader-role.json` grants
//! exactly these actions (a test keeps the two in sync), and `aksguard doctor` lists them.

use crate::snapshot::source;

/// The AKS API: the latest GA version (see ../shared/reference/arm/).
pub const AKS_API: &str = "2026-01-01";
/// Defender for Cloud pricings, GA.
pub const PRICINGS_API: &str = "2024-01-01";
/// Diagnostic settings: the GA 2016-09-01 has no category groups (`audit`, `allLogs`), which is
/// how most clusters send `kube-audit`; az uses this version too.
pub const DIAGNOSTICS_API: &str = "2021-05-01-preview";

/// Defender for Cloud alerts, GA.
pub const ALERTS_API: &str = "2022-01-01";
/// Defender for Cloud assessments (recommendations), GA.
pub const ASSESSMENTS_API: &str = "2021-06-01";
/// Defender for Cloud sub-assessments: the only version there is.
pub const SUB_ASSESSMENTS_API: &str = "2019-01-01-preview";
/// Policy assignments: GA and served by every cloud; 2025-03-01 has the same shape.
pub const POLICY_ASSIGNMENTS_API: &str = "2023-04-01";
/// Policy Insights: the first GA version with `componentPolicyStates`; 2024-10-01 has the same shape.
pub const POLICY_STATES_API: &str = "2022-04-01";
/// Role assignments, GA.
pub const ROLE_ASSIGNMENTS_API: &str = "2022-04-01";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    pub source: &'static str,
    /// For sentences: "the managed cluster".
    pub what: &'static str,
    pub api_version: &'static str,
    /// The Azure RBAC action the read needs.
    pub action: &'static str,
}

pub const CLUSTER: Read = Read {
    source: source::MANAGED_CLUSTER,
    what: "the managed cluster",
    api_version: AKS_API,
    action: "Microsoft.ContainerService/managedClusters/read",
};
pub const MAINTENANCE: Read = Read {
    source: source::MAINTENANCE_CONFIGURATIONS,
    what: "the maintenance configurations",
    api_version: AKS_API,
    action: "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read",
};
pub const UPGRADE_PROFILE: Read = Read {
    source: source::UPGRADE_PROFILE,
    what: "the cluster's upgrade profile",
    api_version: AKS_API,
    action: "Microsoft.ContainerService/managedClusters/upgradeProfiles/read",
};
pub const POOL_UPGRADE_PROFILES: Read = Read {
    source: source::AGENT_POOL_UPGRADE_PROFILES,
    what: "the agent pools' upgrade profiles",
    api_version: AKS_API,
    action: "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles/read",
};
pub const KUBERNETES_VERSIONS: Read = Read {
    source: source::KUBERNETES_VERSIONS,
    what: "the region's Kubernetes versions",
    api_version: AKS_API,
    action: "Microsoft.ContainerService/locations/kubernetesVersions/read",
};
/// The Defender for Containers plan. Never the deprecated `KubernetesService` plan, which is
/// not it.
pub const DEFENDER_PRICING: Read = Read {
    source: source::DEFENDER_PRICING,
    what: "the subscription's Defender for Containers plan",
    api_version: PRICINGS_API,
    action: "Microsoft.Security/pricings/read",
};
pub const DIAGNOSTIC_SETTINGS: Read = Read {
    source: source::DIAGNOSTIC_SETTINGS,
    what: "the cluster's diagnostic settings",
    api_version: DIAGNOSTICS_API,
    action: "Microsoft.Insights/diagnosticSettings/read",
};

// Defender, Azure Policy and Azure RBAC (issue 13).
pub const DEFENDER_CLUSTER_PRICING: Read = Read {
    source: source::DEFENDER_CLUSTER_PRICING,
    what: "the cluster's own Defender for Containers plan",
    api_version: PRICINGS_API,
    action: "Microsoft.Security/pricings/read",
};
pub const DEFENDER_ALERTS: Read = Read {
    source: source::DEFENDER_ALERTS,
    what: "the subscription's Defender alerts",
    api_version: ALERTS_API,
    action: "Microsoft.Security/locations/alerts/read",
};
pub const DEFENDER_ASSESSMENTS: Read = Read {
    source: source::DEFENDER_ASSESSMENTS,
    what: "the Defender recommendations",
    api_version: ASSESSMENTS_API,
    action: "Microsoft.Security/assessments/read",
};
pub const DEFENDER_SUB_ASSESSMENTS: Read = Read {
    source: source::DEFENDER_SUB_ASSESSMENTS,
    what: "Defender's registry image vulnerabilities",
    api_version: SUB_ASSESSMENTS_API,
    action: "Microsoft.Security/assessments/subAssessments/read",
};
pub const POLICY_ASSIGNMENTS: Read = Read {
    source: source::POLICY_ASSIGNMENTS,
    what: "the policy assignments that apply to the cluster",
    api_version: POLICY_ASSIGNMENTS_API,
    action: "Microsoft.Authorization/policyAssignments/read",
};
pub const POLICY_STATES: Read = Read {
    source: source::POLICY_STATES,
    what: "the cluster's policy compliance states",
    api_version: POLICY_STATES_API,
    action: "Microsoft.PolicyInsights/policyStates/queryResults/read",
};
pub const COMPONENT_POLICY_STATES: Read = Read {
    source: source::COMPONENT_POLICY_STATES,
    what: "the compliance states of the cluster's Kubernetes objects",
    api_version: POLICY_STATES_API,
    action: "Microsoft.PolicyInsights/componentPolicyStates/queryResults/read",
};
pub const ROLE_ASSIGNMENTS: Read = Read {
    source: source::ROLE_ASSIGNMENTS,
    what: "the role assignments at the cluster's scope and above",
    api_version: ROLE_ASSIGNMENTS_API,
    action: "Microsoft.Authorization/roleAssignments/read",
};

/// Every read, in the order of the snapshot's ARM parts.
pub const ALL: [Read; 15] = [
    CLUSTER,
    MAINTENANCE,
    UPGRADE_PROFILE,
    DEFENDER_PRICING,
    DIAGNOSTIC_SETTINGS,
    POOL_UPGRADE_PROFILES,
    KUBERNETES_VERSIONS,
    DEFENDER_CLUSTER_PRICING,
    DEFENDER_ALERTS,
    DEFENDER_ASSESSMENTS,
    DEFENDER_SUB_ASSESSMENTS,
    POLICY_ASSIGNMENTS,
    POLICY_STATES,
    COMPONENT_POLICY_STATES,
    ROLE_ASSIGNMENTS,
];

/// The distinct actions, sorted: the custom role's `Actions`.
pub fn actions() -> Vec<&'static str> {
    let mut actions: Vec<&str> = ALL.iter().map(|read| read.action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// An ARM path segment aksguard puts in a URL (subscription, resource group, cluster, pool,
/// region): ARM's name characters only, so nothing can change the path or query.
pub fn check_segment(what: &str, value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= 90
        && !value.chars().all(|c| c == '.')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
    match valid {
        true => Ok(()),
        false => Err(format!("'{value}' is not a valid {what}: use letters, digits, '-', '_', '.', '(' and ')'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snapshot_arm_part_has_one_read() {
        let snapshot = crate::snapshot::Snapshot::empty("test", "none");
        let arm_sources: Vec<&str> =
            snapshot.sources().iter().map(|(s, _)| *s).filter(|s| s.starts_with("arm/")).collect();
        assert_eq!(arm_sources, ALL.map(|read| read.source));
    }

    #[test]
    fn segments_cannot_escape_the_path() {
        assert!(check_segment("resource group", "rg-prod_1.(eu)").is_ok());
        for bad in ["", "..", "a/b", "a?b", "a b", "..%2f"] {
            assert!(check_segment("resource group", bad).is_err(), "{bad}");
        }
    }
}
