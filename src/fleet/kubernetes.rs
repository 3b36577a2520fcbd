//! The Kubernetes side of a fleet run, from the user's kubeconfig (`--kubeconfig-contexts`): each
//! cluster is read through the context that points at it — the context named as the cluster (as
//! `az aks get-credentials` names it), else one whose API server is one of the cluster's FQDNs —
//! with the same collector as `audit`, within a deadline of its own. A cluster without a context,
//! or whose API server cannot be read, keeps its ARM verdicts and says why its Kubernetes side is
//! unknown; it never stops the fleet.

use super::cluster::FleetCluster;
use crate::collect::arm::target;
use crate::collect::kube as collector;
use ::kube::config::Kubeconfig;
use anyhow::{Context as _, Result};
use std::path::PathBuf;
use std::time::Duration;

/// The kubeconfig's contexts: name and API server URL.
pub struct Contexts {
    path: Option<PathBuf>,
    contexts: Vec<(String, String)>,
}

impl Contexts {
    pub fn read(path: Option<PathBuf>) -> Result<Contexts> {
        let config = match &path {
            Some(path) => {
                Kubeconfig::read_from(path).with_context(|| format!("cannot read the kubeconfig {}", path.display()))
            }
            None => Kubeconfig::read().context("cannot read the kubeconfig (KUBECONFIG or ~/.kube/config)"),
        }?;
        let server = |cluster: &str| {
            config.clusters.iter().find(|c| c.name == cluster).and_then(|c| c.cluster.as_ref()?.server.clone())
        };
        let contexts = config
            .contexts
            .iter()
            .filter_map(|named| {
                let server = server(&named.context.as_ref()?.cluster)?;
                Some((named.name.clone(), server))
            })
            .collect();
        Ok(Contexts { path, contexts })
    }

    /// The context for `cluster`: the one named as it, else the one serving one of its FQDNs.
    fn for_cluster(&self, cluster: &FleetCluster) -> Option<&str> {
        let named = self.contexts.iter().find(|(name, _)| name.eq_ignore_ascii_case(&cluster.name));
        let managed = cluster.cluster.as_ref().ok();
        let served = || {
            self.contexts
                .iter()
                .find(|(_, server)| managed.is_some_and(|m| target::serves(m, &target::host_of(server))))
        };
        named.or_else(served).map(|(name, _)| name.as_str())
    }
}

/// The cluster's Kubernetes parts, or why they are unknown.
pub async fn read(
    contexts: &Contexts,
    cluster: &FleetCluster,
    timeout: Duration,
    deadline: Duration,
) -> Result<crate::snapshot::KubernetesState, String> {
    let Some(context) = contexts.for_cluster(cluster) else {
        return Err("the Kubernetes API was not read: no kubeconfig context is named as the cluster or points at its API server".to_string());
    };
    let options = collector::Options {
        kubeconfig: contexts.path.clone(),
        context: Some(context.to_string()),
        namespaces: Vec::new(),
        timeout,
        skip_kubernetes: false,
        spinner: false,
    };
    match tokio::time::timeout(deadline, collector::collect(&options)).await {
        Ok(Ok(read)) => Ok(read.state),
        Ok(Err(err)) => Err(format!(
            "the Kubernetes API of context '{context}' could not be read: {}",
            crate::redact::server_text(&format!("{err:#}"))
        )),
        Err(_) => Err(format!(
            "the Kubernetes API of context '{context}' was not read within the {}s deadline",
            deadline.as_secs_f64()
        )),
    }
}
