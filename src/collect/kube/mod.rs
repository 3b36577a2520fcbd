//! Live collection from the Kubernetes API: connect (kubeconfig, context, exec plugins,
//! in-cluster), check the server answers, then list every kind in [`kinds::ALL`] in parallel,
//! with bounded concurrency. A source that cannot be read becomes *unavailable* with the reason;
//! only refused credentials or an unreachable server stop the run.
//!
//! One job per file: `connect` (the client), `version` (the first request), `kinds` (what is
//! read and where it goes), `list` (pagination), `request` (timeout and retries), `reason`
//! (why a source is unavailable), `problem` (library errors in words, without secrets),
//! `progress` (the spinner).

mod connect;
pub mod kinds;
mod list;
mod problem;

mod progress;
pub(crate) mod reason;
pub(crate) mod request;
mod version;

use super::KubeServer;
use crate::snapshot::kube::Namespace;
use crate::snapshot::{KubernetesState, Part};
use anyhow::{Result, anyhow};
use futures::{StreamExt as _, TryStreamExt as _};
use std::path::PathBuf;
use std::time::Duration;

/// Lists read at the same time: enough to overlap round trips, few enough to stay polite to
/// the API server's priority and fairness limits.
const CONCURRENCY: usize = 4;

pub const SKIPPED: &str = "not requested: --skip-kubernetes";

#[derive(Debug, Clone)]
pub struct Options {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// Namespaced kinds are read in these namespaces only; all when empty.
    pub namespaces: Vec<String>,
    pub timeout: Duration,
    pub skip_kubernetes: bool,
    /// Draw the spinner (stderr is a terminal and `--quiet` was not given).
    pub spinner: bool,
}

/// Marks every Kubernetes part unavailable with `reason`.
pub fn skip(state: &mut KubernetesState, reason: &str) {
    *state = KubernetesState::unavailable(reason);
}

/// The context and API server URL the kubeconfig points at, without connecting: what ARM
/// discovery matches the managed clusters' FQDNs against.
pub async fn server(options: &Options) -> Result<KubeServer> {
    let (context, server) = connect::server(options.kubeconfig.as_deref(), options.context.as_deref()).await?;
    Ok(KubeServer { context, server })
}

/// What the Kubernetes API gave: the snapshot's Kubernetes part, and where it came from.
pub struct Kubernetes {
    pub state: KubernetesState,
    /// "live: context aks-prod (https://…:443), Kubernetes v1.33.2".
    pub source: String,
}

/// Reads every kind from the cluster `options` point at (see `collect::live`).
pub async fn collect(options: &Options) -> Result<Kubernetes> {
    if options.skip_kubernetes {
        return Ok(Kubernetes {
            state: KubernetesState::unavailable(SKIPPED),
            source: "live: --skip-kubernetes".into(),
        });
    }
    let connection =
        connect::connect(options.kubeconfig.as_deref(), options.context.as_deref(), options.timeout).await?;
    read_through(connection, options).await
}

/// Reads every kind through `config`, a client configuration built in memory (the fleet's own
/// cluster credentials: nothing of it is on disk); `name` says which cluster in messages. Only
/// `namespaces`, `timeout` and `spinner` of `options` apply.
pub async fn collect_with(config: kube::Config, name: &str, options: &Options) -> Result<Kubernetes> {
    let connection = connect::client_for(config, name.to_string(), options.timeout)?;
    read_through(connect::Connection { in_memory: true, ..connection }, options).await
}

async fn read_through(connection: connect::Connection, options: &Options) -> Result<Kubernetes> {
    let namespaces = distinct(&options.namespaces);
    let lister = list::Lister {
        client: connection.client.clone(),
        policy: request::Policy::new(options.timeout),
        namespaces: namespaces.clone(),
        progress: progress::Progress::new(options.spinner),
    };
    lister.progress.say(format!("connecting to {} (context {})", connection.server, connection.context));
    let outcome = read_everything(&lister).await;
    lister.progress.clear();
    let (version, stores) = outcome.map_err(|fatal| stop(fatal, &connection))?;
    let mut state = KubernetesState::unavailable("not listed");
    for store in stores {
        store(&mut state);
    }
    keep_selected(&mut state.namespaces, &namespaces);
    Ok(Kubernetes { state, source: describe(&connection, version.as_deref(), &namespaces) })
}

async fn read_everything(lister: &list::Lister) -> Result<(Option<String>, Vec<kinds::Store>), request::Fatal> {
    let version = version::probe(&lister.client, &lister.policy).await?;
    let stores = futures::stream::iter(kinds::jobs(lister)).buffer_unordered(CONCURRENCY).try_collect().await?;
    Ok((version, stores))
}

/// `--namespace a --namespace a` lists `a` once.
fn distinct(namespaces: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    namespaces.iter().filter(|ns| seen.insert(ns.as_str())).cloned().collect()
}

/// With `--namespace`, the Namespace objects are listed cluster-wide (they are cluster-scoped)
/// but only the selected ones are judged, like every namespaced kind.
fn keep_selected(namespaces: &mut Part<Vec<Namespace>>, selected: &[String]) {
    if let (Part::Collected(namespaces), false) = (namespaces, selected.is_empty()) {
        namespaces.retain(|namespace| selected.contains(&namespace.metadata.name));
    }
}

/// "live: context aks-prod (https://…:443), Kubernetes v1.33.2, namespaces shop, web".
fn describe(connection: &connect::Connection, version: Option<&str>, namespaces: &[String]) -> String {
    let mut text = format!("live: context {} ({})", connection.context, connection.server);
    if let Some(version) = version {
        text.push_str(&format!(", Kubernetes {version}"));
    }
    if !namespaces.is_empty() {
        text.push_str(&format!(", namespaces {}", namespaces.join(", ")));
    }
    text
}

/// The one sentence the run stops with.
fn stop(fatal: request::Fatal, connection: &connect::Connection) -> anyhow::Error {
    let (context, server) = (&connection.context, &connection.server);
    if connection.in_memory {
        return anyhow!(stop_in_memory(fatal, server).replace('\n', " "));
    }
    let message = match fatal {
        request::Fatal::Unauthorized => format!(
            "the API server of context '{context}' ({server}) refused the credentials (401 Unauthorized); refresh them (for AKS: `az aks get-credentials`, then `kubelogin convert-kubeconfig -l azurecli`) or choose another context with --context"
        ),
        request::Fatal::Credentials(why) => problem::credentials_failed(context, &why),
        request::Fatal::Unreachable(why) if crate::collect::http::untrusted_certificate(&why).is_some() => format!(
            "cannot connect to the API server of context '{context}' at {server}: {}; fix the cluster's certificate-authority-data in the kubeconfig (`az aks get-credentials` writes it) or the server's certificate",
            crate::collect::http::untrusted_certificate(&why).unwrap_or_default()
        ),
        request::Fatal::Unreachable(why) => format!(
            "cannot reach the API server of context '{context}' at {server}: {why}; check the network, VPN or the cluster's authorized IP ranges, or choose another context with --context"
        ),
    };
    anyhow!(message.replace('\n', " "))
}

/// The same, for a configuration built in memory (no kubeconfig or context to fix).
fn stop_in_memory(fatal: request::Fatal, server: &str) -> String {
    match fatal {
        request::Fatal::Unauthorized => format!("the API server {server} refused the credential (401 Unauthorized)"),
        request::Fatal::Credentials(why) => format!("the credential for {server} could not be used: {why}"),
        request::Fatal::Unreachable(why) => match crate::collect::http::untrusted_certificate(&why) {
            Some(untrusted) => format!("cannot connect to the API server {server}: {untrusted}"),
            None => format!("cannot reach the API server {server}: {why}"),
        },
    }
}
