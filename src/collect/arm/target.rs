//! Which cluster to read: the subscription (`--subscription`, else `AZURE_SUBSCRIPTION_ID`, else
//! the Azure CLI's default), and the cluster (`-g` + `-n`, else the one managed cluster of the
//! subscription whose FQDN is the kubeconfig context's API server host).

use super::client::Arm;
use super::reads::{self, CLUSTER, check_segment};
use crate::snapshot::arm::ManagedCluster;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// A managed cluster's place in ARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterId {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl ClusterId {
    pub fn new(subscription: &str, resource_group: &str, name: &str) -> Result<ClusterId> {
        check_segment("resource group name", resource_group).map_err(anyhow::Error::msg)?;
        check_segment("cluster name", name).map_err(anyhow::Error::msg)?;
        Ok(ClusterId {
            subscription: subscription.to_string(),
            resource_group: resource_group.to_string(),
            name: name.to_string(),
        })
    }

    /// `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/N`.
    pub fn path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            self.subscription, self.resource_group, self.name
        )
    }

    /// "cluster aks-prod in resource group rg-prod of subscription S".
    pub fn describe(&self) -> String {
        format!("cluster {} in resource group {} of subscription {}", self.name, self.resource_group, self.subscription)
    }
}

/// The subscription to read, checked to be a plain id; the Azure CLI gets `timeout` to answer.
pub async fn subscription(flag: Option<&str>, timeout: std::time::Duration) -> Result<String> {
    let from_env = std::env::var("AZURE_SUBSCRIPTION_ID").ok().filter(|id| !id.trim().is_empty());
    let id = match flag.map(str::to_string).or(from_env) {
        Some(id) => id.trim().to_string(),
        None => tokio::time::timeout(timeout, cli_default_subscription()).await.map_err(|_| {
            anyhow!(
                "no subscription given, and the Azure CLI did not say its default within {}s (`az account show`); pass --subscription ID or set AZURE_SUBSCRIPTION_ID",
                timeout.as_secs_f64()
            )
        })??,
    };
    check_segment("subscription id", &id).map_err(anyhow::Error::msg)?;
    Ok(id)
}

/// When `az` is not on PATH, which is common in CI images and containers.
const CLI_NOT_INSTALLED: &str = "no subscription given, and the Azure CLI (`az`) is not installed or not on PATH to say its \
     default: pass --subscription ID (or set AZURE_SUBSCRIPTION_ID) with -g RG -n NAME, and credentials that need no CLI \
     (--auth env, workload-identity or managed-identity); or install the Azure CLI and run `az login`; or pass \
     --skip-azure to read only the Kubernetes API";

/// `az account show --query id -o tsv`.
async fn cli_default_subscription() -> Result<String> {
    let help = "run `az login`, or pass --subscription ID or set AZURE_SUBSCRIPTION_ID";
    let output = tokio::process::Command::new("az")
        .args(["account", "show", "--query", "id", "-o", "tsv"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|err| match err.kind() {
            // Logging in would not help: say what is missing and how to do without it.
            std::io::ErrorKind::NotFound => anyhow!("{}", CLI_NOT_INSTALLED),
            _ => {
                anyhow!("no subscription given, and the Azure CLI could not be run to find its default ({err}); {help}")
            }
        })?;
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || id.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = stderr.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("no output");
        bail!("no subscription given, and the Azure CLI has no default one (`az account show`: {why}); {help}");
    }
    Ok(id)
}

/// The cluster whose API server is `server` (a URL): the one managed cluster of the
/// subscription with that host as `fqdn`, `privateFQDN` or `azurePortalFQDN`.
pub async fn discover(arm: &Arm, subscription: &str, server: &str, context: &str) -> Result<(ClusterId, String)> {
    let host = host_of(server);
    let clusters = list_clusters(arm, subscription).await?;
    let matching: Vec<&ManagedCluster> = clusters.iter().filter(|cluster| serves(cluster, &host)).collect();
    match matching.as_slice() {
        [one] => {
            let (group, name) = (one.resource_group().unwrap_or_default(), one.name.as_deref().unwrap_or_default());
            let id = ClusterId::new(subscription, group, name)?;
            let note = format!(
                "auditing {} (its API server is {host}, the server of context '{context}'); pass -g RG -n NAME to audit another",
                id.describe()
            );
            Ok((id, note))
        }
        [] => bail!(
            "no managed cluster in subscription {subscription} has the API server {host} of context '{context}' (the subscription has: {}); pass -g RG -n NAME, another --subscription, or --skip-azure",
            named(&clusters.iter().collect::<Vec<_>>())
        ),
        several => bail!(
            "{} managed clusters in subscription {subscription} have the API server {host}: {}; pass -g RG -n NAME to choose one",
            several.len(),
            named(several)
        ),
    }
}

/// Candidates, for a sentence: at most ten named, then how many more.
fn named(list: &[&ManagedCluster]) -> String {
    const SHOWN: usize = 10;
    let mut names: Vec<String> = list.iter().take(SHOWN).map(|c| describe_short(c)).collect();
    if list.len() > SHOWN {
        names.push(format!("and {} more (`az aks list -o table` lists them)", list.len() - SHOWN));
    }
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}

/// `aks-prod (resource group rg-prod)`.
fn describe_short(cluster: &ManagedCluster) -> String {
    format!("{} (resource group {})", cluster.name.as_deref().unwrap_or("?"), cluster.resource_group().unwrap_or("?"))
}

/// Whether `host` is one of the cluster's API server FQDNs.
pub fn serves(cluster: &ManagedCluster, host: &str) -> bool {
    let p = &cluster.properties;
    [&p.fqdn, &p.private_fqdn, &p.azure_portal_fqdn]
        .iter()
        .any(|fqdn| fqdn.as_deref().is_some_and(|fqdn| fqdn.eq_ignore_ascii_case(host)))
}

/// The host of `https://host:443/path`, lowercase.
pub fn host_of(server: &str) -> String {
    reqwest::Url::parse(server)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_else(|| server.to_string())
        .to_ascii_lowercase()
}

/// Every managed cluster of the subscription, following `nextLink`.
async fn list_clusters(arm: &Arm, subscription: &str) -> Result<Vec<ManagedCluster>> {
    let path = format!("/subscriptions/{subscription}/providers/Microsoft.ContainerService/managedClusters");
    let cannot = |why: String| {
        anyhow!(
            "cannot list the managed clusters of subscription {subscription} to find the cluster of the kubeconfig: {why}; pass -g RG -n NAME, or --skip-azure"
        )
    };
    let pages = super::pages(arm, &path, reads::CLUSTER.api_version).await.map_err(|u| arm.refused(&u))?;
    let items = pages.map_err(|failure| cannot(super::explain(&CLUSTER, &failure, arm)))?;
    items
        .iter()
        .map(|item: &Value| ManagedCluster::from_document(item))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| cannot(format!("the list is not valid ({err})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_candidate_lists_are_cut_at_ten() {
        let clusters: Vec<ManagedCluster> = (1..=12)
            .map(|n| {
                let id = format!(
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c{n}"
                );
                ManagedCluster::from_document(&serde_json::json!({"id": id, "name": format!("c{n}")})).unwrap()
            })
            .collect();
        let all: Vec<&ManagedCluster> = clusters.iter().collect();
        let text = named(&all);
        assert!(text.starts_with("c1 (resource group rg), c2 (resource group rg),"), "{text}");
        assert!(text.ends_with("c10 (resource group rg), and 2 more (`az aks list -o table` lists them)"), "{text}");
        assert_eq!(named(&[]), "none");
    }

    #[test]
    fn hosts_come_from_server_urls() {
        assert_eq!(
            host_of("https://AKS-Prod-abc123.hcp.westeurope.azmk8s.io:443"),
            "aks-prod-abc123.hcp.westeurope.azmk8s.io"
        );
        assert_eq!(host_of("https://10.0.0.1"), "10.0.0.1");
    }
}
