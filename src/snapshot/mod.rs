//! The snapshot: everything aksguard knows about one cluster, from whatever source. Rules read
//! only this type. It is saved and loaded as versioned JSON (`aksguard snapshot -o FILE`).

pub mod arm;
pub mod kube;
mod part;

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
    pub managed_cluster: Part<arm::ManagedCluster>,
    pub maintenance_configurations: Part<Vec<arm::MaintenanceConfiguration>>,
    pub upgrade_profile: Part<arm::UpgradeProfile>,
    pub defender_pricing: Part<arm::DefenderPricing>,
    // Upgrade readiness. Absent from snapshots written before they were read: unavailable.
    #[serde(default = "not_in_snapshot")]
    pub agent_pool_upgrade_profiles: Part<Vec<arm::AgentPoolUpgradeProfile>>,
    #[serde(default = "not_in_snapshot")]
    pub kubernetes_versions: Part<arm::KubernetesVersions>,
}

/// What the Kubernetes API says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubernetesState {
    pub namespaces: Part<Vec<kube::Namespace>>,
    pub pods: Part<Vec<kube::Pod>>,
    pub network_policies: Part<Vec<kube::NetworkPolicy>>,
    pub daemon_sets: Part<Vec<kube::DaemonSet>>,
    pub replica_sets: Part<Vec<kube::OwnedObject>>,
    pub jobs: Part<Vec<kube::OwnedObject>>,
    // Upgrade readiness. Absent from snapshots written before they were read: unavailable.
    #[serde(default = "not_in_snapshot")]
    pub nodes: Part<Vec<kube::Node>>,
    #[serde(default = "not_in_snapshot")]
    pub pod_disruption_budgets: Part<Vec<kube::PodDisruptionBudget>>,
}

/// A source an older snapshot does not hold: unavailable, so rules that need it say `unknown`.
fn not_in_snapshot<T>() -> Part<T> {
    Part::unavailable("not in this snapshot: it was written by an aksguard that did not read this source")
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
                agent_pool_upgrade_profiles: Part::unavailable(reason),
                kubernetes_versions: Part::unavailable(reason),
            },
            kubernetes: KubernetesState {
                namespaces: Part::unavailable(reason),
                pods: Part::unavailable(reason),
                network_policies: Part::unavailable(reason),
                daemon_sets: Part::unavailable(reason),
                replica_sets: Part::unavailable(reason),
                jobs: Part::unavailable(reason),
                nodes: Part::unavailable(reason),
                pod_disruption_budgets: Part::unavailable(reason),
            },
        }
    }

    /// Every source with its unavailability reason, in a fixed order; `None` when collected.
    pub fn sources(&self) -> [(&'static str, Option<&str>); 14] {
        let (a, k) = (&self.azure, &self.kubernetes);
        [
            (source::MANAGED_CLUSTER, a.managed_cluster.unavailable_reason()),
            (source::MAINTENANCE_CONFIGURATIONS, a.maintenance_configurations.unavailable_reason()),
            (source::UPGRADE_PROFILE, a.upgrade_profile.unavailable_reason()),
            (source::DEFENDER_PRICING, a.defender_pricing.unavailable_reason()),
            (source::AGENT_POOL_UPGRADE_PROFILES, a.agent_pool_upgrade_profiles.unavailable_reason()),
            (source::KUBERNETES_VERSIONS, a.kubernetes_versions.unavailable_reason()),
            (source::NAMESPACES, k.namespaces.unavailable_reason()),
            (source::PODS, k.pods.unavailable_reason()),
            (source::NETWORK_POLICIES, k.network_policies.unavailable_reason()),
            (source::DAEMON_SETS, k.daemon_sets.unavailable_reason()),
            (source::REPLICA_SETS, k.replica_sets.unavailable_reason()),
            (source::JOBS, k.jobs.unavailable_reason()),
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
    pub const AGENT_POOL_UPGRADE_PROFILES: &str = "arm/agentPools/upgradeProfiles";
    pub const KUBERNETES_VERSIONS: &str = "arm/kubernetesVersions";
    pub const NAMESPACES: &str = "kubernetes/namespaces";
    pub const PODS: &str = "kubernetes/pods";
    pub const NETWORK_POLICIES: &str = "kubernetes/networkpolicies";
    pub const DAEMON_SETS: &str = "kubernetes/daemonsets";
    pub const REPLICA_SETS: &str = "kubernetes/replicasets";
    pub const JOBS: &str = "kubernetes/jobs";
    pub const NODES: &str = "kubernetes/nodes";
    pub const POD_DISRUPTION_BUDGETS: &str = "kubernetes/poddisruptionbudgets";
}
