//! Connecting as kubectl does: `--kubeconfig PATH`, else `KUBECONFIG`, else `~/.kube/config`,
//! else the in-cluster service account when running in a pod; `--context` or the current
//! context. kube-rs runs `exec` credential plugins (kubelogin) itself.

use super::problem;
use anyhow::{Result, anyhow};
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A client for one API server, and how to name it in messages.
pub struct Connection {
    pub client: kube::Client,
    /// The kubeconfig context, or `in-cluster` for the pod's service account.
    pub context: String,
    pub server: String,
    /// Built in memory (the fleet's own credentials), not from a kubeconfig the user can fix.
    pub in_memory: bool,
}

pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>, timeout: Duration) -> Result<Connection> {
    let (config, context) = match kubeconfig_to_read(kubeconfig) {
        Some(source) => from_kubeconfig(source, context).await?,
        None if context.is_none() && in_a_pod() => (in_cluster()?, "in-cluster".to_string()),
        None => return Err(no_kubeconfig()),
    };
    client_for(config, context, timeout)
}

/// A client for `config` (from a kubeconfig, the pod, or built in memory by `aksguard fleet`);
/// `context` names it in messages.
pub fn client_for(mut config: kube::Config, context: String, timeout: Duration) -> Result<Connection> {
    // Retries are ours (see request.rs): kube's own retry layer would multiply them.
    config.default_retry = false;
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    crate::collect::tls::use_aws_lc_rs();
    // Exec credential plugins first run here, as the client is built.
    let client = kube::Client::try_from(config).map_err(|err| match problem::credentials(&err) {
        Some(why) => anyhow!(problem::credentials_failed(&context, &why)),
        None => anyhow!(
            "cannot set up a client for context '{context}': {}; check its cluster and user entries",
            problem::root_cause(&err)
        ),
    })?;
    Ok(Connection { client, context, server, in_memory: false })
}

/// The context and API server URL of the kubeconfig, read without connecting (exec plugins
/// only run when a client is built).
pub async fn server(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<(String, String)> {
    match kubeconfig_to_read(kubeconfig) {
        Some(source) => {
            let (config, context) = from_kubeconfig(source, context).await?;
            Ok((context, config.cluster_url.to_string().trim_end_matches('/').to_string()))
        }
        None if context.is_none() && in_a_pod() => Err(anyhow!(
            "in a pod, aksguard cannot tell which AKS cluster it runs in; pass -g RG -n NAME, or --skip-azure"
        )),
        None => Err(no_kubeconfig()),
    }
}

fn no_kubeconfig() -> anyhow::Error {
    anyhow!(
        "no kubeconfig found (KUBECONFIG is unset and ~/.kube/config does not exist); run `az aks get-credentials -g RG -n NAME`, pass --kubeconfig PATH, or audit files with --demo/--from-az/--from-kubectl"
    )
}

/// Where the kubeconfig comes from.
enum KubeconfigSource {
    Flag(PathBuf),
    /// `KUBECONFIG` or `~/.kube/config`, read (and merged) by kube-rs.
    Default,
}

fn kubeconfig_to_read(flag: Option<&Path>) -> Option<KubeconfigSource> {
    if let Some(path) = flag {
        return Some(KubeconfigSource::Flag(path.to_path_buf()));
    }
    let from_env = std::env::var_os("KUBECONFIG").is_some_and(|value| !value.is_empty());
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    let default_exists = home.is_some_and(|home| Path::new(&home).join(".kube").join("config").is_file());
    (from_env || default_exists).then_some(KubeconfigSource::Default)
}

fn in_a_pod() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

async fn from_kubeconfig(source: KubeconfigSource, context: Option<&str>) -> Result<(kube::Config, String)> {
    let (kubeconfig, described) = match &source {
        KubeconfigSource::Flag(path) => (Kubeconfig::read_from(path), path.display().to_string()),
        KubeconfigSource::Default => (Kubeconfig::read(), "the kubeconfig (KUBECONFIG or ~/.kube/config)".to_string()),
    };
    let kubeconfig = kubeconfig.map_err(|err| {
        anyhow!("cannot read {described}: {}; check the file, or pass --kubeconfig PATH", problem::kubeconfig(&err))
    })?;
    let name = match context {
        Some(name) => name.to_string(),
        None => kubeconfig.current_context.clone().filter(|name| !name.is_empty()).ok_or_else(|| {
            anyhow!(
                "{described} has no current context; pass --context NAME (`kubectl config get-contexts` lists them)"
            )
        })?,
    };
    if !kubeconfig.contexts.iter().any(|named| named.name == name) {
        let known: Vec<&str> = kubeconfig.contexts.iter().map(|named| named.name.as_str()).collect();
        return Err(anyhow!(
            "context '{name}' is not in {described} (it has: {}); pass one of them with --context",
            if known.is_empty() { "no contexts".to_string() } else { known.join(", ") }
        ));
    }
    let options = KubeConfigOptions { context: Some(name.clone()), ..KubeConfigOptions::default() };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|err| anyhow!("cannot use context '{name}' of {described}: {}", problem::kubeconfig(&err)))?;
    Ok((config, name))
}

fn in_cluster() -> Result<kube::Config> {
    kube::Config::incluster().map_err(|err| {
        anyhow!(
            "cannot use the pod's service account: {}; mount its token (automountServiceAccountToken) or pass --kubeconfig",
            problem::root_cause(&err)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Building a client initialises TLS with aws-lc-rs, the one provider of the whole binary,
    /// whatever providers dependencies compile in (aws-lc-rs offers the post-quantum X25519MLKEM768
    /// key exchange; ring does not).
    #[tokio::test]
    async fn a_client_builds_with_aws_lc_rs_as_the_one_provider() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(
            &path,
            r#"{"apiVersion": "v1", "kind": "Config", "current-context": "dev",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}]}"#,
        )
        .unwrap();
        let connection = connect(Some(&path), None, Duration::from_secs(1)).await.expect("a client");
        assert_eq!(connection.context, "dev");
        assert_eq!(connection.server, "https://127.0.0.1:1");
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a process-wide provider");
        let groups: Vec<String> = provider.kx_groups.iter().map(|g| format!("{:?}", g.name())).collect();
        let aws_lc_rs = rustls::crypto::aws_lc_rs::default_provider();
        let expected: Vec<String> = aws_lc_rs.kx_groups.iter().map(|g| format!("{:?}", g.name())).collect();
        assert_eq!(groups, expected);
        assert!(groups.iter().any(|g| g.contains("MLKEM")), "{groups:?}");
        let missing = connect(Some(&path), Some("prod"), Duration::from_secs(1)).await.err().unwrap();
        assert_eq!(
            missing.to_string(),
            format!("context 'prod' is not in {} (it has: dev); pass one of them with --context", path.display())
        );
    }
}
