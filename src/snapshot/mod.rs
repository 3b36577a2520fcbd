//! The snapshot: everything aksguard knows about one cluster, from whatever source. Rules read
//! only this type. It is saved and loaded as versioned JSON (`aksguard snapshot -o FILE`).

pub mod arm;
pub mod authorization;
pub mod kube;
mod part;
pub mod policy;
pub mod security;
pub mod strict;

pub use part::Part;

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change to the snapshot's JSON form.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    /// Where the data came from, for people: `demo insecure`, `files: a.json, b.json`.
    pub source: String,
    pub azure: AzureState,
    pub kubernetes: KubernetesState,
}

/// What the AKS management (ARM) API says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AzureState {
    #[serde(default = "not_in_snapshot")]
    pub managed_cluster: Part<arm::ManagedCluster>,
    #[serde(default = "not_in_snapshot")]
    pub maintenance_configurations: Part<Vec<arm::MaintenanceConfiguration>>,
    #[serde(default = "not_in_snapshot")]
    pub upgrade_profile: Part<arm::UpgradeProfile>,
    #[serde(default = "not_in_snapshot")]
    pub defender_pricing: Part<arm::DefenderPricing>,
    #[serde(default = "not_in_snapshot")]
    pub diagnostic_settings: Part<Vec<arm::DiagnosticSetting>>,
    #[serde(default = "not_in_snapshot")]
    pub agent_pool_upgrade_profiles: Part<Vec<arm::AgentPoolUpgradeProfile>>,
    #[serde(default = "not_in_snapshot")]
    pub kubernetes_versions: Part<arm::KubernetesVersions>,
    // Defender, Azure Policy and Azure RBAC (issue 13).
    #[serde(default = "not_in_snapshot")]
    pub defender_cluster_pricing: Part<arm::DefenderPricing>,
    #[serde(default = "not_in_snapshot")]
    pub defender_alerts: Part<Vec<security::SecurityAlert>>,
    #[serde(default = "not_in_snapshot")]
    pub defender_assessments: Part<Vec<security::SecurityAssessment>>,
    #[serde(default = "not_in_snapshot")]
    pub defender_sub_assessments: Part<Vec<security::SubAssessment>>,
    #[serde(default = "not_in_snapshot")]
    pub policy_assignments: Part<Vec<policy::PolicyAssignment>>,
    #[serde(default = "not_in_snapshot")]
    pub policy_states: Part<Vec<policy::PolicyState>>,
    #[serde(default = "not_in_snapshot")]
    pub component_policy_states: Part<Vec<policy::PolicyState>>,
    #[serde(default = "not_in_snapshot")]
    pub role_assignments: Part<Vec<authorization::RoleAssignment>>,
}

/// What the Kubernetes API says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubernetesState {
    #[serde(default = "not_in_snapshot")]
    pub namespaces: Part<Vec<kube::Namespace>>,
    #[serde(default = "not_in_snapshot")]
    pub pods: Part<Vec<kube::Pod>>,
    #[serde(default = "not_in_snapshot")]
    pub network_policies: Part<Vec<kube::NetworkPolicy>>,
    #[serde(default = "not_in_snapshot")]
    pub daemon_sets: Part<Vec<kube::DaemonSet>>,
    #[serde(default = "not_in_snapshot")]
    pub replica_sets: Part<Vec<kube::OwnedObject>>,
    #[serde(default = "not_in_snapshot")]
    pub jobs: Part<Vec<kube::OwnedObject>>,
    #[serde(default = "not_in_snapshot")]
    pub cluster_role_bindings: Part<Vec<kube::ClusterRoleBinding>>,
    #[serde(default = "not_in_snapshot")]
    pub validating_webhook_configurations: Part<Vec<kube::OwnedObject>>,
    #[serde(default = "not_in_snapshot")]
    pub gatekeeper_constraints: Part<Vec<kube::Constraint>>,
    #[serde(default = "not_in_snapshot")]
    pub nodes: Part<Vec<kube::Node>>,
    #[serde(default = "not_in_snapshot")]
    pub pod_disruption_budgets: Part<Vec<kube::PodDisruptionBudget>>,
}

/// A part missing from a snapshot file (taken by an aksguard that did not read that source yet) is
/// unavailable, so adding a source never breaks older snapshots.
fn not_in_snapshot<T>() -> Part<T> {
    Part::unavailable("not in this snapshot: it was taken by an aksguard that did not read this source")
}

/// A source that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnavailableSource {
    pub source: &'static str,
    pub reason: String,
}

impl Snapshot {
    /// A snapshot where every source is unavailable for the same reason; input paths fill in
    /// what they have.
    pub fn empty(source: impl Into<String>, reason: &str) -> Self {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            source: source.into(),
            azure: AzureState {
                managed_cluster: Part::unavailable(reason),
                maintenance_configurations: Part::unavailable(reason),
                upgrade_profile: Part::unavailable(reason),
                defender_pricing: Part::unavailable(reason),
                diagnostic_settings: Part::unavailable(reason),
                agent_pool_upgrade_profiles: Part::unavailable(reason),
                kubernetes_versions: Part::unavailable(reason),
                defender_cluster_pricing: Part::unavailable(reason),
                defender_alerts: Part::unavailable(reason),
                defender_assessments: Part::unavailable(reason),
                defender_sub_assessments: Part::unavailable(reason),
                policy_assignments: Part::unavailable(reason),
                policy_states: Part::unavailable(reason),
                component_policy_states: Part::unavailable(reason),
                role_assignments: Part::unavailable(reason),
            },
            kubernetes: KubernetesState {
                namespaces: Part::unavailable(reason),
                pods: Part::unavailable(reason),
                network_policies: Part::unavailable(reason),
                daemon_sets: Part::unavailable(reason),
                replica_sets: Part::unavailable(reason),
                jobs: Part::unavailable(reason),
                cluster_role_bindings: Part::unavailable(reason),
                validating_webhook_configurations: Part::unavailable(reason),
                gatekeeper_constraints: Part::unavailable(reason),
                nodes: Part::unavailable(reason),
                pod_disruption_budgets: Part::unavailable(reason),
            },
        }
    }

    /// Every source with its unavailability reason, in a fixed order; `None` when collected.
    pub fn sources(&self) -> [(&'static str, Option<&str>); 26] {
        let (a, k) = (&self.azure, &self.kubernetes);
        [
            (source::MANAGED_CLUSTER, a.managed_cluster.unavailable_reason()),
            (source::MAINTENANCE_CONFIGURATIONS, a.maintenance_configurations.unavailable_reason()),
            (source::UPGRADE_PROFILE, a.upgrade_profile.unavailable_reason()),
            (source::DEFENDER_PRICING, a.defender_pricing.unavailable_reason()),
            (source::DIAGNOSTIC_SETTINGS, a.diagnostic_settings.unavailable_reason()),
            (source::AGENT_POOL_UPGRADE_PROFILES, a.agent_pool_upgrade_profiles.unavailable_reason()),
            (source::KUBERNETES_VERSIONS, a.kubernetes_versions.unavailable_reason()),
            (source::DEFENDER_CLUSTER_PRICING, a.defender_cluster_pricing.unavailable_reason()),
            (source::DEFENDER_ALERTS, a.defender_alerts.unavailable_reason()),
            (source::DEFENDER_ASSESSMENTS, a.defender_assessments.unavailable_reason()),
            (source::DEFENDER_SUB_ASSESSMENTS, a.defender_sub_assessments.unavailable_reason()),
            (source::POLICY_ASSIGNMENTS, a.policy_assignments.unavailable_reason()),
            (source::POLICY_STATES, a.policy_states.unavailable_reason()),
            (source::COMPONENT_POLICY_STATES, a.component_policy_states.unavailable_reason()),
            (source::ROLE_ASSIGNMENTS, a.role_assignments.unavailable_reason()),
            (source::NAMESPACES, k.namespaces.unavailable_reason()),
            (source::PODS, k.pods.unavailable_reason()),
            (source::NETWORK_POLICIES, k.network_policies.unavailable_reason()),
            (source::DAEMON_SETS, k.daemon_sets.unavailable_reason()),
            (source::REPLICA_SETS, k.replica_sets.unavailable_reason()),
            (source::JOBS, k.jobs.unavailable_reason()),
            (source::CLUSTER_ROLE_BINDINGS, k.cluster_role_bindings.unavailable_reason()),
            (source::VALIDATING_WEBHOOKS, k.validating_webhook_configurations.unavailable_reason()),
            (source::GATEKEEPER_CONSTRAINTS, k.gatekeeper_constraints.unavailable_reason()),
            (source::NODES, k.nodes.unavailable_reason()),
            (source::POD_DISRUPTION_BUDGETS, k.pod_disruption_budgets.unavailable_reason()),
        ]
    }

    pub fn unavailable_sources(&self) -> Vec<UnavailableSource> {
        self.sources()
            .into_iter()
            .filter_map(|(source, reason)| Some(UnavailableSource { source, reason: reason?.to_string() }))
            .collect()
    }
}

/// The names of the sources, as rules declare them and reports print them.
pub mod source {
    pub const MANAGED_CLUSTER: &str = "arm/managedCluster";
    pub const MAINTENANCE_CONFIGURATIONS: &str = "arm/maintenanceConfigurations";
    pub const UPGRADE_PROFILE: &str = "arm/upgradeProfile";
    pub const DEFENDER_PRICING: &str = "arm/pricings/Containers";
    pub const DIAGNOSTIC_SETTINGS: &str = "arm/diagnosticSettings";
    pub const AGENT_POOL_UPGRADE_PROFILES: &str = "arm/agentPools/upgradeProfiles";
    pub const KUBERNETES_VERSIONS: &str = "arm/kubernetesVersions";
    pub const DEFENDER_CLUSTER_PRICING: &str = "arm/cluster/pricings/Containers";
    pub const DEFENDER_ALERTS: &str = "arm/security/alerts";
    pub const DEFENDER_ASSESSMENTS: &str = "arm/security/assessments";
    pub const DEFENDER_SUB_ASSESSMENTS: &str = "arm/security/subAssessments";
    pub const POLICY_ASSIGNMENTS: &str = "arm/policyAssignments";
    pub const POLICY_STATES: &str = "arm/policyStates";
    pub const COMPONENT_POLICY_STATES: &str = "arm/componentPolicyStates";
    pub const ROLE_ASSIGNMENTS: &str = "arm/roleAssignments";
    pub const NAMESPACES: &str = "kubernetes/namespaces";
    pub const PODS: &str = "kubernetes/pods";
    pub const NETWORK_POLICIES: &str = "kubernetes/networkpolicies";
    pub const DAEMON_SETS: &str = "kubernetes/daemonsets";
    pub const REPLICA_SETS: &str = "kubernetes/replicasets";
    pub const JOBS: &str = "kubernetes/jobs";
    pub const CLUSTER_ROLE_BINDINGS: &str = "kubernetes/clusterrolebindings";
    pub const VALIDATING_WEBHOOKS: &str = "kubernetes/validatingwebhookconfigurations";
    pub const GATEKEEPER_CONSTRAINTS: &str = "kubernetes/constraints";
    pub const NODES: &str = "kubernetes/nodes";
    pub const POD_DISRUPTION_BUDGETS: &str = "kubernetes/poddisruptionbudgets";
}
