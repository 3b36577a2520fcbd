//! The Kubernetes side of a fleet run, each cluster within a deadline of its own, read with the
//! same collector as `audit`. Two ways in:
//!
//! - by default, the fleet's own credentials ([`Own`]): ARM's `listClusterUserCredential`, its
//!   kubeconfig read in memory only (see `collect::arm::user_credential`), and for Entra ID
//!   clusters a token for the AKS server application from aksguard's own Azure credential;
//! - with `--kubeconfig-contexts`, the user's kubeconfig ([`Contexts`]): the context named as the
//!   cluster (as `az aks get-credentials` names it), else one whose API server is one of the
//!   cluster's FQDNs.
//!
//! A cluster whose credential cannot be had (403, legacy Entra ID, a kubeconfig aksguard will not
//! follow) or whose API server cannot be read (a private cluster out of reach, a timeout) keeps
//! its ARM verdicts and says why its Kubernetes side is unknown; it never stops the fleet.

use super::cluster::FleetCluster;
use crate::collect::arm::client::Arm;
use crate::collect::arm::credential::{Bearer, Credential};
use crate::collect::arm::target::{self, ClusterId};
use crate::collect::arm::user_credential::{self, UserAuth, UserCredential};
use crate::collect::kube as collector;
use crate::snapshot::KubernetesState;
use crate::snapshot::arm::ManagedCluster;
use ::kube::config::{KubeConfigOptions, Kubeconfig};
use anyhow::{Context as _, Result};
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// How the fleet reads the clusters' Kubernetes APIs.
pub struct KubernetesSide {
    pub access: Access,
    /// Each request's timeout.
    pub timeout: Duration,
    /// All of one cluster's Kubernetes side: its credential and every list.
    pub deadline: Duration,
}

pub enum Access {
    Own(Own),
    Contexts(Contexts),
}

impl KubernetesSide {
    /// The cluster's Kubernetes parts, or why they are unknown; `Err` only for a token ARM
    /// refuses, which stops the fleet as it does for every ARM read.
    pub async fn read(&self, arm: &Arm, cluster: &FleetCluster) -> Result<Result<KubernetesState, String>> {
        let work = async {
            match &self.access {
                Access::Own(own) => own.read(arm, cluster, self.timeout).await,
                Access::Contexts(contexts) => Ok(read(contexts, cluster, self.timeout).await),
            }
        };
        match tokio::time::timeout(self.deadline, work).await {
            Ok(outcome) => outcome,
            Err(_) => Ok(Err(format!(
                "the Kubernetes API was not read within the {}s deadline (--cluster-deadline)",
                self.deadline.as_secs_f64()
            ))),
        }
    }
}

/// The fleet's own credentials: the ARM credential's identity, and its token for the AKS server
/// application once asked (or why there is none), shared by every Entra ID cluster of the run.
pub struct Own {
    credential: Credential,
    token: tokio::sync::Mutex<Option<Result<(Bearer, i64), String>>>,
}

/// A token with less than this left is asked for again.
const TOKEN_MARGIN_SECONDS: i64 = 300;

impl Own {
    pub fn new(credential: Credential) -> Own {
        Own { credential, token: tokio::sync::Mutex::new(None) }
    }

    async fn read(
        &self,
        arm: &Arm,
        cluster: &FleetCluster,
        timeout: Duration,
    ) -> Result<Result<KubernetesState, String>> {
        let not_read = |why: String| Ok(Err(format!("the Kubernetes API was not read: {why}")));
        let Ok(managed) = &cluster.cluster else { return not_read("the managed cluster could not be read".into()) };
        let id = match ClusterId::new(&cluster.subscription, &cluster.resource_group, &cluster.name) {
            Ok(id) => id,
            Err(why) => return not_read(why.to_string()),
        };
        let credential = match user_credential::list(arm, &id).await.map_err(|refused| arm.refused(&refused))? {
            Ok(credential) => credential,
            Err(why) => return not_read(why),
        };
        if let Err(why) = check_server(&credential, managed) {
            return not_read(why);
        }
        let config = match self.config(&credential, timeout).await {
            Ok(config) => config,
            Err(why) => return not_read(why),
        };
        let options = collector::Options {
            kubeconfig: None,
            context: None,
            namespaces: Vec::new(),
            timeout,
            skip_kubernetes: false,
            spinner: false,
        };
        Ok(match collector::collect_with(config, &cluster.name, &options).await {
            Ok(read) => Ok(read.state),
            Err(err) => Err(format!(
                "the Kubernetes API of {} could not be read with {}: {}{}",
                cluster.name,
                credential.describe(),
                crate::redact::server_text(&format!("{err:#}")),
                private_hint(managed)
            )),
        })
    }

    /// kube's client configuration for the credential, built in memory.
    async fn config(&self, credential: &UserCredential, timeout: Duration) -> Result<::kube::Config, String> {
        let token = match credential.auth {
            UserAuth::EntraId => Some(self.entra_token(timeout).await?),
            UserAuth::Static { .. } => None,
        };
        let options = KubeConfigOptions::default();
        // kube's errors about certificates can quote them: described, not repeated.
        ::kube::Config::from_custom_kubeconfig(credential.kubeconfig(token), &options).await.map_err(|_| {
            "the certificate-authority-data or client certificate of its listClusterUserCredential kubeconfig cannot be read".to_string()
        })
    }

    /// The token for the AKS server application: asked once (the Azure CLI takes a second a
    /// call), again only when it is about to expire; a failure is remembered, not retried per
    /// cluster.
    async fn entra_token(&self, timeout: Duration) -> Result<SecretString, String> {
        let mut cached = self.token.lock().await;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let fresh = match &*cached {
            Some(Ok((_, expires))) => *expires - now > TOKEN_MARGIN_SECONDS,
            Some(Err(_)) => true,
            None => false,
        };
        if !fresh {
            *cached = Some(self.credential.token_for(user_credential::AKS_SCOPE, timeout).await);
        }
        match cached.as_ref() {
            Some(Ok((bearer, _))) => Ok(bearer.secret()),
            Some(Err(why)) => Err(format!("no Entra ID token for the AKS server application: {why}")),
            None => unreachable!("set above"),
        }
    }
}

/// `doctor --fleet` on one cluster: the credential action, the Entra ID token when the cluster
/// needs one, and the API server's `/version` through them; each line ✓ or ✗ with the reason.
pub async fn check(own: &Own, arm: &Arm, cluster: &FleetCluster, timeout: Duration) -> Vec<String> {
    let mut lines = Vec::new();
    let (Ok(managed), Ok(id)) =
        (&cluster.cluster, ClusterId::new(&cluster.subscription, &cluster.resource_group, &cluster.name))
    else {
        return vec!["✗ listClusterUserCredential: not checked, the sample cluster's row cannot be read".to_string()];
    };
    let credential = match user_credential::list(arm, &id).await {
        Ok(Ok(credential)) => credential,
        Ok(Err(why)) => return vec![format!("✗ listClusterUserCredential: {why}")],
        Err(refused) => return vec![format!("✗ listClusterUserCredential: {:#}", arm.refused(&refused))],
    };
    lines.push(format!(
        "✓ listClusterUserCredential: a kubeconfig for {} ({}), kept in memory",
        target::host_of(&credential.server),
        credential.describe()
    ));
    if let Err(why) = check_server(&credential, managed) {
        lines.push(format!("✗ API server: {why}"));
        return lines;
    }
    let config = match own.config(&credential, timeout).await {
        Ok(config) => config,
        Err(why) => {
            lines.push(format!("✗ credential: {why}"));
            return lines;
        }
    };
    if matches!(credential.auth, UserAuth::EntraId) {
        lines.push(format!("✓ Entra ID: a token for the AKS server application from {}", own.credential.name));
    }
    let version = async {
        let client = ::kube::Client::try_from(config).map_err(|err| crate::redact::server_text(&err.to_string()))?;
        client.apiserver_version().await.map_err(|err| crate::redact::server_text(&err.to_string()))
    };
    lines.push(match tokio::time::timeout(timeout, version).await {
        Ok(Ok(info)) => format!("✓ Kubernetes API: {} answers (Kubernetes {})", credential.server, info.git_version),
        Ok(Err(why)) => {
            format!("✗ Kubernetes API: {} could not be read: {why}{}", credential.server, private_hint(managed))
        }
        Err(_) => format!(
            "✗ Kubernetes API: {} did not answer within {}s{}",
            credential.server,
            timeout.as_secs_f64(),
            private_hint(managed)
        ),
    });
    lines
}

/// The kubeconfig ARM gave must point at the cluster it was asked for: a credential (or an Entra
/// ID token of the user's) is sent only to one of the cluster's own FQDNs.
fn check_server(credential: &UserCredential, managed: &ManagedCluster) -> Result<(), String> {
    let host = target::host_of(&credential.server);
    match target::serves(managed, &host) {
        true => Ok(()),
        false => Err(format!(
            "the API server '{}' of its listClusterUserCredential kubeconfig is none of the cluster's FQDNs (fqdn, privateFQDN, azurePortalFQDN), so no credential was sent to it",
            crate::redact::server_text(&host)
        )),
    }
}

fn private_hint(managed: &ManagedCluster) -> &'static str {
    let private = managed.properties.api_server_access_profile.as_ref().and_then(|p| p.enable_private_cluster);
    match private {
        Some(true) => " (a private cluster: run aksguard where its API server is reachable, or pass --skip-kubernetes)",
        _ => "",
    }
}

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

/// The cluster's Kubernetes parts through the user's kubeconfig, or why they are unknown.
async fn read(contexts: &Contexts, cluster: &FleetCluster, timeout: Duration) -> Result<KubernetesState, String> {
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
    collector::collect(&options).await.map(|read| read.state).map_err(|err| {
        format!(
            "the Kubernetes API of context '{context}' could not be read: {}",
            crate::redact::server_text(&format!("{err:#}"))
        )
    })
}
