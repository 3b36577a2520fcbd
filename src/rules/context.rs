//! What a rule sees: the snapshot, settings, and accessors that turn an unavailable source into
//! a [`Missing`] error, so that `?` makes the rule `unknown` instead of letting it pass.

use super::system::Settings;
use super::workloads::{WorkloadIndex, WorkloadRef};
use crate::snapshot::{Part, Snapshot, arm, kube, source};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// A source a rule needs could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub source: &'static str,
    pub reason: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "cannot evaluate: {} is unavailable ({})", self.source, self.reason)
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

    pub fn is_system_namespace(&self, namespace: &str) -> bool {
        self.settings.system_namespaces.iter().any(|system| system == namespace)
    }

    /// The running pods outside system namespaces.
    pub fn user_pods(&self) -> Result<impl Iterator<Item = &'a kube::Pod> + '_, Missing> {
        Ok(self.pods()?.iter().filter(|pod| pod.is_running() && !self.is_system_namespace(pod.metadata.namespace())))
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
