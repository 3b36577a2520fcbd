//! Live collection from the AKS management (ARM) API: credentials (`credential`), the cloud's
//! endpoints (`cloud`), which cluster (`target`: subscription, `-g`/`-n` or discovery from the
//! kubeconfig's server), the reads (`reads`: the table of what is read, with which permission)
//! and the HTTPS client (`client`: token, timeout, retries).
//!
//! A read that fails becomes an *unavailable* part with the reason and the rest continues, as
//! on the Kubernetes side; a refused token (401), a cluster that does not exist (404) or an
//! unreachable endpoint stop the run with one sentence.

mod claims;
pub mod client;
pub mod cloud;
pub mod credential;
pub mod reads;
pub mod target;

use crate::collect::kube::reason::after;
use crate::collect::kube::request::Policy;
use crate::snapshot::arm::{
    AgentPoolUpgradeProfile, DefenderPricing, DiagnosticSetting, KubernetesVersions, MaintenanceConfiguration,
    ManagedCluster, UpgradeProfile,
};
use crate::snapshot::{AzureState, Part};
use anyhow::{Result, bail};
use client::{Arm, Failure, Reply, Unauthorized};
use cloud::Cloud;
use credential::Auth;
use http::StatusCode;
use reads::Read;
use serde_json::Value;
use std::time::Duration;
use target::ClusterId;

pub const SKIPPED: &str = "not requested: --skip-azure";

#[derive(Debug, Clone)]
pub struct Options {
    pub skip: bool,
    pub auth: Auth,
    pub cloud: Cloud,
    /// `--arm-endpoint`, else the cloud's.
    pub endpoint: Option<String>,
    pub subscription: Option<String>,
    /// `-g` and `-n`; discovered from the kubeconfig's server when `None`.
    pub cluster: Option<(String, String)>,
    pub timeout: Duration,
}

/// The kubeconfig context and its API server URL, which discovery matches.
pub struct KubeServer {
    pub context: String,
    pub server: String,
}

/// Who read what, for the snapshot's source line and `aksguard doctor`.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credential: &'static str,
    /// From the token's claims: `user alice@contoso.com`.
    pub identity: Option<String>,
    pub cluster: ClusterId,
    pub endpoint: String,
    /// How the cluster was found, when it was discovered.
    pub discovered: Option<String>,
}

/// Reads every ARM part into `azure`.
pub async fn collect(options: &Options, kube: Option<KubeServer>, azure: &mut AzureState) -> Result<Resolved> {
    // Before any HTTPS client is built: azure_identity's (for Entra ID) and ours (for ARM).
    crate::collect::tls::use_aws_lc_rs();
    let subscription = target::subscription(options.subscription.as_deref(), options.timeout).await?;
    let credential = credential::choose(options.auth, options.cloud, &subscription).map_err(anyhow::Error::msg)?;
    let bearer = credential.token(options.cloud, options.timeout).await.map_err(anyhow::Error::msg)?;
    let endpoint = options.endpoint.as_deref().unwrap_or(options.cloud.arm_endpoint());
    let arm = Arm::new(endpoint, &credential, bearer, Policy::new(options.timeout)).map_err(anyhow::Error::msg)?;
    let (cluster, discovered) = match (&options.cluster, kube) {
        (Some((group, name)), _) => (ClusterId::new(&subscription, group, name)?, None),
        (None, Some(kube)) => {
            let (id, note) = target::discover(&arm, &subscription, &kube.server, &kube.context).await?;
            (id, Some(note))
        }
        (None, None) => bail!("no cluster to read from ARM: pass -g RG -n NAME, or --skip-azure"),
    };
    read_everything(&arm, &cluster, azure).await?;
    Ok(Resolved {
        credential: credential.name,
        identity: arm.identity(),
        cluster,
        endpoint: arm.endpoint.clone(),
        discovered,
    })
}

/// Marks every ARM part unavailable with `reason`.
pub fn skip(azure: &mut AzureState, reason: &str) {
    *azure = crate::snapshot::Snapshot::empty("", reason).azure;
}

async fn read_everything(arm: &Arm, id: &ClusterId, azure: &mut AzureState) -> Result<()> {
    let cluster = read_cluster(arm, id).await?;
    let base = id.path();
    let subscription = &id.subscription;
    let pricing = format!("/subscriptions/{subscription}/providers/Microsoft.Security/pricings/Containers");
    let maintenance = format!("{base}/maintenanceConfigurations");
    let upgrade = format!("{base}/upgradeProfiles/default");
    let diagnostics = format!("{base}/providers/Microsoft.Insights/diagnosticSettings");
    let (maintenance, upgrade, defender, diagnostics, pools, versions) = futures::try_join!(
        list(arm, &maintenance, &reads::MAINTENANCE, MaintenanceConfiguration::from_document),
        one(arm, &upgrade, &reads::UPGRADE_PROFILE, UpgradeProfile::from_document),
        one(arm, &pricing, &reads::DEFENDER_PRICING, containers_plan),
        list(arm, &diagnostics, &reads::DIAGNOSTIC_SETTINGS, DiagnosticSetting::from_document),
        pool_profiles(arm, &base, &cluster),
        kubernetes_versions(arm, subscription, &cluster),
    )
    .map_err(|refused| arm.refused(&refused))?;
    *azure = AzureState {
        managed_cluster: cluster,
        maintenance_configurations: maintenance,
        upgrade_profile: upgrade,
        defender_pricing: defender,
        diagnostic_settings: diagnostics,
        agent_pool_upgrade_profiles: pools,
        kubernetes_versions: versions,
        ..crate::snapshot::Snapshot::empty("", "not read yet: issue 13 wires this read").azure
    };
    Ok(())
}

/// The cluster: not found, or ARM unreachable, stops the run; forbidden makes it unavailable.
async fn read_cluster(arm: &Arm, id: &ClusterId) -> Result<Part<ManagedCluster>> {
    let reply = arm.get(&id.path(), reads::CLUSTER.api_version).await.map_err(|refused| arm.refused(&refused))?;
    Ok(match reply {
        Ok(document) => parse(&reads::CLUSTER, &document, ManagedCluster::from_document),
        Err(Failure::Status { status: StatusCode::NOT_FOUND, code, .. }) => bail!(
            "{} was not found at {} (404 {code}); check -g, -n and --subscription (`az aks list -o table` lists the clusters you can see)",
            id.describe(),
            arm.endpoint
        ),
        Err(Failure::Transport { message, .. }) => bail!(
            "cannot reach ARM at {}: {message}; check the network, HTTPS_PROXY/NO_PROXY, SSL_CERT_FILE (for a TLS-inspecting proxy) and --cloud/--arm-endpoint",
            arm.endpoint
        ),
        Err(failure) => Part::unavailable(explain(&reads::CLUSTER, &failure, arm)),
    })
}

/// One resource.
async fn one<T>(
    arm: &Arm,
    path: &str,
    read: &Read,
    from_document: fn(&Value) -> Result<T, serde_json::Error>,
) -> Result<Part<T>, Unauthorized> {
    Ok(match arm.get(path, read.api_version).await? {
        Ok(document) => parse(read, &document, from_document),
        Err(failure) => Part::unavailable(explain(read, &failure, arm)),
    })
}

/// A list, every page of it.
async fn list<T>(
    arm: &Arm,
    path: &str,
    read: &Read,
    from_document: fn(&Value) -> Result<T, serde_json::Error>,
) -> Result<Part<Vec<T>>, Unauthorized> {
    Ok(match pages(arm, path, read.api_version).await? {
        Ok(items) => match items.iter().map(from_document).collect() {
            Ok(all) => Part::Collected(all),
            Err(err) => Part::unavailable(format!("ARM's answer for {} cannot be read ({err})", read.what)),
        },
        Err(failure) => Part::unavailable(explain(read, &failure, arm)),
    })
}

/// The `value` items of a list and of every `nextLink` page after it.
pub(crate) async fn pages(
    arm: &Arm,
    path: &str,
    api_version: &str,
) -> Result<Result<Vec<Value>, Failure>, Unauthorized> {
    let mut items = Vec::new();
    let mut reply: Reply = arm.get(path, api_version).await?;
    loop {
        let page = match reply {
            Ok(page) => page,
            Err(failure) => return Ok(Err(failure)),
        };
        match page.get("value").and_then(Value::as_array) {
            Some(values) => items.extend(values.iter().cloned()),
            None => return Ok(Err(Failure::NotJson("the answer is not a list (it has no `value`)".into()))),
        }
        match page.get("nextLink").and_then(Value::as_str).filter(|link| !link.is_empty()) {
            Some(link) => reply = arm.next(link).await?,
            None => return Ok(Ok(items)),
        }
    }
}

/// Each agent pool's upgrade profile (its newest node image); needs the cluster's pool names.
async fn pool_profiles(
    arm: &Arm,
    base: &str,
    cluster: &Part<ManagedCluster>,
) -> Result<Part<Vec<AgentPoolUpgradeProfile>>, Unauthorized> {
    let read = &reads::POOL_UPGRADE_PROFILES;
    let Some(cluster) = cluster.collected() else { return Ok(needs_cluster(read)) };
    let mut profiles = Vec::new();
    for pool in cluster.properties.agent_pool_profiles.iter().filter_map(|pool| pool.name.as_deref()) {
        if let Err(why) = reads::check_segment("agent pool name", pool) {
            return Ok(Part::unavailable(why));
        }
        let path = format!("{base}/agentPools/{pool}/upgradeProfiles/default");
        match one(arm, &path, read, AgentPoolUpgradeProfile::from_document).await? {
            Part::Collected(profile) => profiles.push(profile),
            Part::Unavailable(reason) => return Ok(Part::Unavailable(reason)),
        }
    }
    Ok(Part::Collected(profiles))
}

/// The Kubernetes versions AKS offers in the cluster's region.
async fn kubernetes_versions(
    arm: &Arm,
    subscription: &str,
    cluster: &Part<ManagedCluster>,
) -> Result<Part<KubernetesVersions>, Unauthorized> {
    let read = &reads::KUBERNETES_VERSIONS;
    let Some(location) = cluster.collected().and_then(|c| c.location.as_deref()) else {
        return Ok(needs_cluster(read));
    };
    if let Err(why) = reads::check_segment("region", location) {
        return Ok(Part::unavailable(why));
    }
    let path = format!(
        "/subscriptions/{subscription}/providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions"
    );
    one(arm, &path, read, |doc| serde_json::from_value(doc.clone())).await
}

/// `pricings/Containers`, and nothing else: the deprecated `KubernetesService` plan is not
/// Defender for Containers.
fn containers_plan(doc: &Value) -> Result<DefenderPricing, serde_json::Error> {
    let pricing = DefenderPricing::from_document(doc)?;
    match pricing.name.as_deref() {
        Some(name) if name.eq_ignore_ascii_case("Containers") => Ok(pricing),
        other => Err(serde::de::Error::custom(format!("it is the plan {}, not Containers", other.unwrap_or("?")))),
    }
}

fn needs_cluster<T>(read: &Read) -> Part<T> {
    Part::unavailable(format!("cannot read {}: it needs the managed cluster, which could not be read", read.what))
}

fn parse<T>(read: &Read, document: &Value, from_document: fn(&Value) -> Result<T, serde_json::Error>) -> Part<T> {
    match from_document(document) {
        Ok(value) => Part::Collected(value),
        Err(err) => Part::unavailable(format!("ARM's answer for {} cannot be read ({err})", read.what)),
    }
}

/// Why a read failed, saying what to do.
pub(crate) fn explain(read: &Read, failure: &Failure, arm: &Arm) -> String {
    match failure {
        Failure::Status { status: StatusCode::FORBIDDEN, code, .. } => format!(
            "forbidden: cannot read {} ({}); grant {}, as deploy/aksguard-reader-role.json does",
            read.what,
            if code.is_empty() { "403" } else { code },
            read.action
        ),
        Failure::Status { status, code, message, attempts } => {
            let detail =
                [code.as_str(), message.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
            let detail = if detail.is_empty() { String::new() } else { format!(": {}", detail.join(": ")) };
            format!("ARM answered {status} to the read of {} {}{detail}", read.what, after(*attempts))
        }
        Failure::Transport { message, attempts } => {
            format!("the read of {} failed {}: {message}", read.what, after(*attempts))
        }
        Failure::TimedOut => format!(
            "timeout: the read of {} took longer than {}s; raise --timeout",
            read.what,
            arm.policy.timeout.as_secs_f64()
        ),
        Failure::NotJson(why) => format!("ARM's answer for {} cannot be read ({why})", read.what),
    }
}
