//! Live collection from the AKS management (ARM) API: credentials (`credential`), the cloud's
//! endpoints (`cloud`), which cluster (`target`: subscription, `-g`/`-n` or discovery from the
//! kubeconfig's server), the reads (`reads`: the table of what is read, with which permission)
//! and the HTTPS client (`client`: token, timeout, retries).
//!
//! A read that fails becomes an *unavailable* part with the reason and the rest continues, as
//! on the Kubernetes side; a refused token (401), a cluster that does not exist (404) or an
//! unreachable endpoint stop the run with one sentence.

mod budget;
mod claims;
pub mod client;
pub mod cloud;
pub mod credential;
pub mod reads;
pub mod resource_graph;
pub mod shared;
pub mod target;
pub mod user_credential;

use crate::collect::KubeServer;
use crate::collect::http::{Policy, after};
use crate::snapshot::arm::{ArmResource, ManagedCluster};
use crate::snapshot::sources::{self, ArmPath, ArmSource, ArmVisitor};
use crate::snapshot::{AzureState, Part};
use anyhow::{Result, bail};
use client::{Arm, Failure, Reply, Unauthorized};
use cloud::Cloud;
use credential::Auth;
use futures::future::BoxFuture;
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
    let arm = Arm::new(endpoint, &credential, bearer, Policy::new(options.timeout))?;
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
    *azure = AzureState::unavailable(reason);
}

async fn read_everything(arm: &Arm, id: &ClusterId, azure: &mut AzureState) -> Result<()> {
    let cluster = read_cluster(arm, id).await?;
    let jobs = jobs(arm, id, &cluster).into_iter().map(|(_, job)| job);
    let stores = futures::future::try_join_all(jobs).await.map_err(|refused| arm.refused(&refused))?;
    *azure = AzureState::unavailable("not read");
    azure.managed_cluster = cluster;
    for store in stores {
        store(azure);
    }
    Ok(())
}

/// Every ARM part but the managed cluster, which the caller has already (the fleet reads it from
/// Resource Graph), and but the sources named in `given` (the caller has them too, and fills
/// them in): the same reads, paths and parsing as [`collect`].
pub async fn read_around(
    arm: &Arm,
    id: &ClusterId,
    cluster: Part<ManagedCluster>,
    given: &[&str],
) -> Result<AzureState, Unauthorized> {
    let mut jobs = jobs(arm, id, &cluster);
    jobs.retain(|(source, _)| !given.contains(source));
    let stores = futures::future::try_join_all(jobs.into_iter().map(|(_, job)| job)).await?;
    let mut azure = AzureState::unavailable("not read");
    for store in stores {
        store(&mut azure);
    }
    azure.managed_cluster = cluster;
    Ok(azure)
}

/// Stores a finished read into the snapshot (reads of different types run side by side).
type Store = Box<dyn FnOnce(&mut AzureState) + Send>;

/// A read not started yet, with its source's name.
type Job<'a> = (&'static str, BoxFuture<'a, Result<Store, Unauthorized>>);

/// One job per ARM source of the declaration but the cluster itself (read first, as its
/// failures stop the run and other reads need its pools and region).
fn jobs<'a>(arm: &'a Arm, id: &'a ClusterId, cluster: &'a Part<ManagedCluster>) -> Vec<Job<'a>> {
    struct Jobs<'a> {
        arm: &'a Arm,
        id: &'a ClusterId,
        cluster: &'a Part<ManagedCluster>,
        jobs: Vec<Job<'a>>,
    }
    impl ArmVisitor for Jobs<'_> {
        fn visit<S: ArmSource>(&mut self) {
            if S::READ.path == ArmPath::Cluster("") {
                return;
            }
            let (arm, id, cluster) = (self.arm, self.id, self.cluster);
            self.jobs.push((
                S::READ.source,
                Box::pin(async move {
                    let part = match tokio::time::timeout(arm.policy.deadline, read::<S>(arm, id, cluster)).await {
                        Ok(part) => part?,
                        Err(_) => Part::unavailable(format!(
                            "timeout: the read of {} was not complete after {}s ({} × --timeout)",
                            S::READ.what,
                            arm.policy.deadline.as_secs_f64(),
                            crate::collect::http::DEADLINE_TIMEOUTS
                        )),
                    };
                    Ok(Box::new(move |azure: &mut AzureState| *S::part_mut(azure) = part) as Store)
                }),
            ));
        }
    }
    let mut jobs = Jobs { arm, id, cluster, jobs: Vec::new() };
    sources::each_arm(&mut jobs);
    jobs.jobs
}

/// The cluster: not found, or ARM unreachable, stops the run; forbidden makes it unavailable.
async fn read_cluster(arm: &Arm, id: &ClusterId) -> Result<Part<ManagedCluster>> {
    let reply = arm.get(&id.path(), reads::CLUSTER.api_version).await.map_err(|refused| arm.refused(&refused))?;
    Ok(match reply {
        Ok(document) => match documents::<ManagedCluster>(&reads::CLUSTER, vec![document]) {
            Ok(mut cluster) => Part::Collected(cluster.remove(0)),
            Err(reason) => Part::Unavailable(reason),
        },
        Err(Failure::Status { status: StatusCode::NOT_FOUND, code, .. }) => bail!(
            "{} was not found at {} (404 {code}); check -g, -n and --subscription (`az aks list -o table` lists the clusters you can see)",
            id.describe(),
            arm.endpoint
        ),
        Err(Failure::Transport { message, .. }) if crate::collect::http::untrusted_certificate(&message).is_some() => {
            bail!(
                "cannot connect to ARM at {}: {}; for a TLS-inspecting proxy, point SSL_CERT_FILE at its CA certificate",
                arm.endpoint,
                crate::collect::http::untrusted_certificate(&message).unwrap_or_default()
            )
        }
        Err(Failure::Transport { message, .. }) => bail!(
            "cannot reach ARM at {}: {message}; check the network, HTTPS_PROXY/NO_PROXY, SSL_CERT_FILE (for a TLS-inspecting proxy) and --cloud/--arm-endpoint",
            arm.endpoint
        ),
        Err(failure) => Part::unavailable(explain(&reads::CLUSTER, &failure, arm)),
    })
}

/// Reads one source where the declaration says it is: every document (and every page of a
/// list), or why not.
async fn read<S: ArmSource>(
    arm: &Arm,
    id: &ClusterId,
    cluster: &Part<ManagedCluster>,
) -> Result<Part<S::Data>, Unauthorized> {
    let read = &S::READ;
    let paths = match paths(read, id, cluster) {
        Ok(paths) => paths,
        Err(reason) => return Ok(Part::Unavailable(reason)),
    };
    // A list part is an ARM list (`value` + `nextLink`), or one document per agent pool.
    let paged = read.list && !matches!(read.path, ArmPath::EachAgentPool(_));
    let mut values = Vec::new();
    for path in paths {
        let reply = match read.path {
            // The subscription's and region's reads serve all its clusters of a fleet.
            ArmPath::Subscription(_) | ArmPath::ClusterLocation(_) => {
                let key = format!("{path}?api-version={}", read.api_version);
                arm.shared.get(&id.subscription, &key, fetch(arm, read, &path, paged)).await?
            }
            _ => fetch(arm, read, &path, paged).await?,
        };
        match reply {
            Ok(more) => values.extend(more),
            Err(failure) => return Ok(Part::unavailable(explain(read, &failure, arm))),
        }
    }
    Ok(match documents::<S::Document>(read, values).map(S::from_documents) {
        Ok(Some(data)) => Part::Collected(data),
        Ok(None) => Part::unavailable(format!("ARM returned no document for {}", read.what)),
        Err(reason) => Part::Unavailable(reason),
    })
}

/// The documents of a subscription's read (`ArmPath::Subscription`), as Resource Graph gave them:
/// every cluster of that subscription then parses them as it parses ARM's answer.
pub fn seed_subscription_read(arm: &Arm, read: &Read, subscription: &str, documents: Vec<Value>) {
    if let ArmPath::Subscription(under) = read.path {
        arm.shared.seed(&format!("/subscriptions/{subscription}{under}?api-version={}", read.api_version), documents);
    }
}

/// One path of a read: a query's pages, a list's pages, or one document.
async fn fetch(arm: &Arm, read: &Read, path: &str, paged: bool) -> shared::Outcome {
    Ok(match (read.path, paged) {
        (ArmPath::ClusterQuery(_), _) => query_pages(arm, path, read.api_version).await?,
        (_, true) => pages(arm, path, read.api_version).await?,
        (_, false) => arm.get(path, read.api_version).await?.map(|document| vec![document]),
    })
}

/// The URL paths a read GETs: one, or one per agent pool.
fn paths(read: &Read, id: &ClusterId, cluster: &Part<ManagedCluster>) -> Result<Vec<String>, String> {
    let subscription = &id.subscription;
    let needs_cluster = || format!("cannot read {}: it needs the managed cluster, which could not be read", read.what);
    Ok(match read.path {
        ArmPath::Cluster(under) | ArmPath::ClusterQuery(under) => vec![format!("{}{under}", id.path())],
        ArmPath::Subscription(under) => vec![format!("/subscriptions/{subscription}{under}")],
        ArmPath::EachAgentPool(under) => {
            let cluster = cluster.collected().ok_or_else(needs_cluster)?;
            let pools = cluster.properties.agent_pool_profiles.iter().filter_map(|pool| pool.name.as_deref());
            pools
                .map(|pool| {
                    reads::check_segment("agent pool name", pool)?;
                    Ok(format!("{}/agentPools/{pool}{under}", id.path()))
                })
                .collect::<Result<_, String>>()?
        }
        ArmPath::ClusterLocation(under) => {
            let location = cluster.collected().and_then(|c| c.location.as_deref()).ok_or_else(needs_cluster)?;
            reads::check_segment("region", location)?;
            vec![format!(
                "/subscriptions/{subscription}/providers/Microsoft.ContainerService/locations/{location}{under}"
            )]
        }
    })
}

/// The documents ARM returned, read into their model, or why one cannot be.
fn documents<T: ArmResource>(read: &Read, values: Vec<Value>) -> Result<Vec<T>, String> {
    values.iter().map(|value| read_document(read, value, "ARM's answer")).collect()
}

/// One document of `read` in its model, as every ARM answer is read (the fleet reads Resource
/// Graph's rows with it too), or why it cannot be: `origin` says whose answer it was.
pub fn read_document<T: ArmResource>(read: &Read, value: &Value, origin: &str) -> Result<T, String> {
    let cannot = |why: String| format!("{origin} for {} cannot be read ({why})", read.what);
    let document = T::from_document(value).map_err(|err| cannot(err.to_string()))?;
    match document.refuse() {
        Some(why) => Err(cannot(format!("it is {why}"))),
        None => Ok(document),
    }
}

/// ARM lists aksguard reads (maintenance configurations, diagnostic settings) have a page or
/// two; a list of more pages is a server that pages forever.
const MAX_PAGES: usize = 100;

/// The `value` items of a list and of every `nextLink` page after it.
pub(crate) async fn pages(
    arm: &Arm,
    path: &str,
    api_version: &str,
) -> Result<Result<Vec<Value>, Failure>, Unauthorized> {
    let mut items = Vec::new();
    let mut links = std::collections::HashSet::new();
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
            Some(link) if !links.insert(link.to_string()) => {
                let why = format!(
                    "a nextLink already followed came back after {} page(s): the list does not end",
                    links.len() + 1
                );
                return Ok(Err(Failure::NotJson(why)));
            }
            Some(_) if links.len() > MAX_PAGES => {
                let why = format!("it has more than {MAX_PAGES} pages, more than any list aksguard reads");
                return Ok(Err(Failure::NotJson(why)));
            }
            Some(link) => reply = arm.next(link).await?,
            None => return Ok(Ok(items)),
        }
    }
}

/// The most pages of one query (Policy Insights pages hold up to 1,000 rows).
const QUERY_PAGES: usize = 100;

/// The `value` rows of a POSTed query and of every `@odata.nextLink` page after it; a link that
/// repeats, or more than [`QUERY_PAGES`] pages, ends it as a failure rather than a silent cut.
async fn query_pages(arm: &Arm, path: &str, api_version: &str) -> Result<Result<Vec<Value>, Failure>, Unauthorized> {
    let mut rows = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut reply: Reply = arm.post(path, api_version).await?;
    loop {
        let page = match reply {
            Ok(page) => page,
            Err(failure) => return Ok(Err(failure)),
        };
        match page.get("value").and_then(Value::as_array) {
            Some(values) => rows.extend(values.iter().cloned()),
            None => return Ok(Err(Failure::NotJson("the answer is not a query result (it has no `value`)".into()))),
        }
        let Some(link) = page.get("@odata.nextLink").and_then(Value::as_str).filter(|link| !link.is_empty()) else {
            return Ok(Ok(rows));
        };
        if seen.iter().any(|known| known == link) || seen.len() >= QUERY_PAGES {
            let why =
                format!("the query's pages do not end (a repeated @odata.nextLink, or more than {QUERY_PAGES} pages)");
            return Ok(Err(Failure::NotJson(why)));
        }
        seen.push(link.to_string());
        reply = arm.next_post(link).await?;
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
