//! What a rule sees: the snapshot, settings, and accessors that turn an unavailable source into
//! a [`Missing`] error, so that `?` makes the rule `unknown` instead of letting it pass.

use super::Rule;
use super::system::Settings;
use super::workloads::{WorkloadIndex, WorkloadRef};
use crate::finding::Finding;
use crate::snapshot::{Part, Snapshot, arm, authorization, kube, policy, security, source};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// A source a rule needs could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub source: &'static str,
    pub reason: String,
}

impl Missing {
    /// "arm/managedCluster is unavailable (forbidden)": for messages that say what was not checked.
    pub fn what(&self) -> String {
        format!("{} is unavailable ({})", self.source, self.reason)
    }
}

/// The message of the `unknown` finding a missing source turns into.
impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "cannot evaluate: {}", self.what())?;
        // Kubernetes-only users (training participants) need to know no cluster data can help.
        if self.source.starts_with("arm/") { f.write_str("; needs ARM access") } else { Ok(()) }
    }
}

fn need<'a, T>(part: &'a Part<T>, source: &'static str) -> Result<&'a T, Missing> {
    part.get().map_err(|reason| Missing { source, reason: reason.to_string() })
}

/// The resource group and cluster name remediation commands are filled in with. Placeholders
/// when the ARM data is not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNames {
    pub resource_group: String,
    pub name: String,
}

pub struct Context<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: &'a Settings,
    workloads: OnceLock<WorkloadIndex<'a>>,
    /// Pods by namespace, built on first use: per-namespace rules stay linear in pods.
    pods_by_namespace: OnceLock<HashMap<&'a str, Vec<&'a kube::Pod>>>,
}

impl<'a> Context<'a> {
    pub fn new(snapshot: &'a Snapshot, settings: &'a Settings) -> Self {
        Context { snapshot, settings, workloads: OnceLock::new(), pods_by_namespace: OnceLock::new() }
    }

    pub fn cluster(&self) -> Result<&'a arm::ManagedCluster, Missing> {
        need(&self.snapshot.azure.managed_cluster, source::MANAGED_CLUSTER)
    }

    pub fn maintenance_configurations(&self) -> Result<&'a [arm::MaintenanceConfiguration], Missing> {
        need(&self.snapshot.azure.maintenance_configurations, source::MAINTENANCE_CONFIGURATIONS).map(Vec::as_slice)
    }

    pub fn defender_pricing(&self) -> Result<&'a arm::DefenderPricing, Missing> {
        need(&self.snapshot.azure.defender_pricing, source::DEFENDER_PRICING)
    }

    pub fn diagnostic_settings(&self) -> Result<&'a [arm::DiagnosticSetting], Missing> {
        need(&self.snapshot.azure.diagnostic_settings, source::DIAGNOSTIC_SETTINGS).map(Vec::as_slice)
    }

    pub fn namespaces(&self) -> Result<&'a [kube::Namespace], Missing> {
        need(&self.snapshot.kubernetes.namespaces, source::NAMESPACES).map(Vec::as_slice)
    }

    pub fn pods(&self) -> Result<&'a [kube::Pod], Missing> {
        need(&self.snapshot.kubernetes.pods, source::PODS).map(Vec::as_slice)
    }

    pub fn network_policies(&self) -> Result<&'a [kube::NetworkPolicy], Missing> {
        need(&self.snapshot.kubernetes.network_policies, source::NETWORK_POLICIES).map(Vec::as_slice)
    }

    pub fn daemon_sets(&self) -> Result<&'a [kube::DaemonSet], Missing> {
        need(&self.snapshot.kubernetes.daemon_sets, source::DAEMON_SETS).map(Vec::as_slice)
    }

    pub fn cluster_role_bindings(&self) -> Result<&'a [kube::ClusterRoleBinding], Missing> {
        need(&self.snapshot.kubernetes.cluster_role_bindings, source::CLUSTER_ROLE_BINDINGS).map(Vec::as_slice)
    }

    pub fn validating_webhook_configurations(&self) -> Result<&'a [kube::OwnedObject], Missing> {
        need(&self.snapshot.kubernetes.validating_webhook_configurations, source::VALIDATING_WEBHOOKS)
            .map(Vec::as_slice)
    }

    pub fn gatekeeper_constraints(&self) -> Result<&'a [kube::Constraint], Missing> {
        need(&self.snapshot.kubernetes.gatekeeper_constraints, source::GATEKEEPER_CONSTRAINTS).map(Vec::as_slice)
    }

    pub fn agent_pool_upgrade_profiles(&self) -> Result<&'a [arm::AgentPoolUpgradeProfile], Missing> {
        need(&self.snapshot.azure.agent_pool_upgrade_profiles, source::AGENT_POOL_UPGRADE_PROFILES).map(Vec::as_slice)
    }

    pub fn kubernetes_versions(&self) -> Result<&'a arm::KubernetesVersions, Missing> {
        need(&self.snapshot.azure.kubernetes_versions, source::KUBERNETES_VERSIONS)
    }

    pub fn defender_cluster_pricing(&self) -> Result<&'a arm::DefenderPricing, Missing> {
        need(&self.snapshot.azure.defender_cluster_pricing, source::DEFENDER_CLUSTER_PRICING)
    }

    pub fn defender_alerts(&self) -> Result<&'a [security::SecurityAlert], Missing> {
        need(&self.snapshot.azure.defender_alerts, source::DEFENDER_ALERTS).map(Vec::as_slice)
    }

    pub fn defender_assessments(&self) -> Result<&'a [security::SecurityAssessment], Missing> {
        need(&self.snapshot.azure.defender_assessments, source::DEFENDER_ASSESSMENTS).map(Vec::as_slice)
    }

    pub fn defender_sub_assessments(&self) -> Result<&'a [security::SubAssessment], Missing> {
        need(&self.snapshot.azure.defender_sub_assessments, source::DEFENDER_SUB_ASSESSMENTS).map(Vec::as_slice)
    }

    pub fn policy_assignments(&self) -> Result<&'a [policy::PolicyAssignment], Missing> {
        need(&self.snapshot.azure.policy_assignments, source::POLICY_ASSIGNMENTS).map(Vec::as_slice)
    }

    pub fn policy_states(&self) -> Result<&'a [policy::PolicyState], Missing> {
        need(&self.snapshot.azure.policy_states, source::POLICY_STATES).map(Vec::as_slice)
    }

    pub fn component_policy_states(&self) -> Result<&'a [policy::PolicyState], Missing> {
        need(&self.snapshot.azure.component_policy_states, source::COMPONENT_POLICY_STATES).map(Vec::as_slice)
    }

    pub fn role_assignments(&self) -> Result<&'a [authorization::RoleAssignment], Missing> {
        need(&self.snapshot.azure.role_assignments, source::ROLE_ASSIGNMENTS).map(Vec::as_slice)
    }

    pub fn nodes(&self) -> Result<&'a [kube::Node], Missing> {
        need(&self.snapshot.kubernetes.nodes, source::NODES).map(Vec::as_slice)
    }

    pub fn pod_disruption_budgets(&self) -> Result<&'a [kube::PodDisruptionBudget], Missing> {
        need(&self.snapshot.kubernetes.pod_disruption_budgets, source::POD_DISRUPTION_BUDGETS).map(Vec::as_slice)
    }

    /// The time the audit judges ages and deadlines against (the system clock, or a test's).
    pub fn now(&self) -> jiff::Timestamp {
        self.settings.now
    }

    /// The resource findings about one agent pool are about.
    pub fn pool_resource(&self, pool: &str) -> String {
        format!("{}/agentPools/{pool}", self.cluster_resource())
    }

    /// One finding per agent pool of the managed cluster, or one unknown when it lists none.
    pub fn each_agent_pool(
        &self,
        rule: &Rule,
        judge: impl Fn(&'a arm::AgentPoolProfile) -> Finding,
    ) -> Result<Vec<Finding>, Missing> {
        let pools = &self.cluster()?.properties.agent_pool_profiles;
        if pools.is_empty() {
            return Ok(vec![
                rule.unknown(self.cluster_resource(), "the managed cluster lists no agent pools to judge"),
            ]);
        }
        Ok(pools.iter().map(judge).collect())
    }

    /// `az aks nodepool <command> -g RG --cluster-name NAME -n POOL <flags>` for this cluster.
    pub fn az_aks_nodepool(&self, command: &str, pool: &str, flags: &str) -> String {
        let names = self.names();
        format!("az aks nodepool {command} -g {} --cluster-name {} -n {pool} {flags}", names.resource_group, names.name)
    }

    pub fn is_system_namespace(&self, namespace: &str) -> bool {
        self.settings.system_namespaces.iter().any(|system| system == namespace)
    }

    /// The running pods outside system namespaces.
    pub fn user_pods(&self) -> Result<impl Iterator<Item = &'a kube::Pod> + '_, Missing> {
        Ok(self.pods()?.iter().filter(|pod| pod.is_running() && !self.is_system_namespace(pod.metadata.namespace())))
    }

    /// Running pods in `namespace` whose names start with one of `prefixes`: how add-ons are
    /// recognised from inside the cluster.
    pub fn pods_named(&self, namespace: &str, prefixes: &[&str]) -> Result<Vec<&'a kube::Pod>, Missing> {
        Ok(self
            .pods()?
            .iter()
            .filter(|pod| pod.is_running() && pod.metadata.namespace() == namespace)
            .filter(|pod| prefixes.iter().any(|prefix| pod.metadata.name.starts_with(prefix)))
            .collect())
    }

    /// The pods of one namespace, in snapshot order.
    pub fn pods_in(&self, namespace: &str) -> Result<&[&'a kube::Pod], Missing> {
        let pods = self.pods()?;
        let index = self.pods_by_namespace.get_or_init(|| {
            let mut index: HashMap<&str, Vec<&kube::Pod>> = HashMap::new();
            for pod in pods {
                index.entry(pod.metadata.namespace()).or_default().push(pod);
            }
            index
        });
        Ok(index.get(namespace).map_or(&[], Vec::as_slice))
    }

    /// The Deployment, StatefulSet, DaemonSet, CronJob, ... that owns a pod.
    pub fn workload_of(&self, pod: &'a kube::Pod) -> WorkloadRef<'a> {
        self.workloads.get_or_init(|| WorkloadIndex::new(&self.snapshot.kubernetes)).resolve(pod)
    }

    /// The cluster's ARM id when known: the resource cluster-wide findings are about.
    pub fn cluster_resource(&self) -> String {
        let cluster = self.snapshot.azure.managed_cluster.collected();
        match cluster.and_then(|c| c.id.clone()) {
            Some(id) => id,
            None => match cluster.and_then(|c| c.name.clone()) {
                Some(name) => format!("managedCluster/{name}"),
                None => "cluster".to_string(),
            },
        }
    }

    pub fn names(&self) -> ClusterNames {
        let cluster = self.snapshot.azure.managed_cluster.collected();
        ClusterNames {
            resource_group: cluster.and_then(|c| c.resource_group()).unwrap_or("<resource-group>").to_string(),
            name: cluster.and_then(|c| c.name.as_deref()).unwrap_or("<cluster-name>").to_string(),
        }
    }

    /// `az aks update -g RG -n NAME <flags>` for this cluster.
    pub fn az_aks_update(&self, flags: &str) -> String {
        let names = self.names();
        format!("az aks update -g {} -n {} {flags}", names.resource_group, names.name)
    }
}
