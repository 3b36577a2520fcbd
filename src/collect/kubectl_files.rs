//! `--from-kubectl`: JSON printed by `kubectl get <kinds> -A -o json` (a `List` of mixed kinds),
//! a typed list from the API (`PodList`), or a single object. Items are read straight from the
//! file text by the same types live collection uses; kinds aksguard does not read (Secrets,
//! ConfigMaps, ...) are skipped without being parsed into anything.
//!
//! A kind no file contains is *unavailable*, never empty, unless `--kubectl-kinds` says the files
//! were asked for it (kubectl prints nothing of a kind that has no objects).

use super::input::{invalid_json, read_text};
use crate::snapshot::kube::{
    ClusterRoleBinding, Constraint, DaemonSet, Namespace, NetworkPolicy, Node, OwnedObject, Pod, PodDisruptionBudget,
};
use crate::snapshot::{Part, Snapshot};
use anyhow::{Result, bail};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// The Kubernetes kinds aksguard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Pod,
    NetworkPolicy,
    DaemonSet,
    ReplicaSet,
    Job,
    ClusterRoleBinding,
    ValidatingWebhookConfiguration,
    /// Gatekeeper constraints: any kind in the `constraints.gatekeeper.sh` API group.
    Constraint,
    // Upgrade readiness.
    Node,
    PodDisruptionBudget,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::NetworkPolicy,
        Kind::DaemonSet,
        Kind::ReplicaSet,
        Kind::Job,
        Kind::ClusterRoleBinding,
        Kind::ValidatingWebhookConfiguration,
        Kind::Constraint,
        Kind::Node,
        Kind::PodDisruptionBudget,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::DaemonSet => "DaemonSet",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Job => "Job",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::ValidatingWebhookConfiguration => "ValidatingWebhookConfiguration",
            Kind::Constraint => "Gatekeeper constraint",
            Kind::Node => "Node",
            Kind::PodDisruptionBudget => "PodDisruptionBudget",
        }
    }

    /// The resource name kubectl takes (`kubectl get networkpolicies`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::NetworkPolicy => "networkpolicies",
            Kind::DaemonSet => "daemonsets",
            Kind::ReplicaSet => "replicasets",
            Kind::Job => "jobs",
            Kind::ClusterRoleBinding => "clusterrolebindings",
            Kind::ValidatingWebhookConfiguration => "validatingwebhookconfigurations",
            Kind::Constraint => "constraints",
            Kind::Node => "nodes",
            Kind::PodDisruptionBudget => "poddisruptionbudgets",
        }
    }

    /// The kind of an object from its `kind` and `apiVersion`.
    fn of(kind: &str, api_version: Option<&str>) -> Option<Kind> {
        if api_version.is_some_and(|v| v.starts_with(CONSTRAINTS_GROUP)) {
            return Some(Kind::Constraint);
        }
        Kind::ALL.into_iter().find(|k| *k != Kind::Constraint && k.name() == kind)
    }

    /// Parses what kubectl accepts: plural, singular or short name, any case.
    pub fn parse(text: &str) -> Result<Kind, String> {
        let lower = text.trim().to_ascii_lowercase();
        let short = match lower.as_str() {
            "ns" => Some(Kind::Namespace),
            "po" => Some(Kind::Pod),
            "netpol" => Some(Kind::NetworkPolicy),
            "ds" => Some(Kind::DaemonSet),
            "rs" => Some(Kind::ReplicaSet),
            "no" => Some(Kind::Node),
            "pdb" => Some(Kind::PodDisruptionBudget),
            _ => None,
        };
        short
            .or_else(|| Kind::ALL.into_iter().find(|k| k.plural() == lower || k.name().to_ascii_lowercase() == lower))
            .ok_or_else(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
                format!("'{text}' is not a kind aksguard reads ({})", known.join(", "))
            })
    }
}

const CONSTRAINTS_GROUP: &str = "constraints.gatekeeper.sh/";

/// The command that collects every kind aksguard reads, for messages and the README.
pub fn kubectl_command() -> String {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
    format!("kubectl get {} -A -o json", kinds.join(","))
}

#[derive(Default)]
struct Objects {
    namespaces: Vec<Namespace>,
    pods: Vec<Pod>,
    network_policies: Vec<NetworkPolicy>,
    daemon_sets: Vec<DaemonSet>,
    replica_sets: Vec<OwnedObject>,
    jobs: Vec<OwnedObject>,
    cluster_role_bindings: Vec<ClusterRoleBinding>,
    webhooks: Vec<OwnedObject>,
    constraints: Vec<Constraint>,
    nodes: Vec<Node>,
    pod_disruption_budgets: Vec<PodDisruptionBudget>,
    /// Kinds seen (or declared complete): these become collected parts.
    seen: BTreeSet<Kind>,
    /// (kind, namespace, name) already read: the same object in two files counts once.
    keys: HashSet<(Kind, String, String)>,
}

/// Just enough of a document to dispatch it.
#[derive(Deserialize)]
struct Header<'a> {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    /// ARM documents have a `type` such as `Microsoft.ContainerService/ManagedClusters`.
    #[serde(rename = "type")]
    resource_type: Option<String>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct TypeMeta {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
}

pub fn read_into(paths: &[PathBuf], complete: &[Kind], snapshot: &mut Snapshot, notes: &mut Vec<String>) -> Result<()> {
    let mut objects = Objects::default();
    for path in paths {
        read_file(path, &mut objects, notes)?;
    }
    objects.seen.extend(complete.iter().copied());
    let seen = &objects.seen;
    let k8s = &mut snapshot.kubernetes;
    k8s.namespaces = collected(seen, Kind::Namespace, objects.namespaces);
    k8s.pods = collected(seen, Kind::Pod, objects.pods);
    k8s.network_policies = collected(seen, Kind::NetworkPolicy, objects.network_policies);
    k8s.daemon_sets = collected(seen, Kind::DaemonSet, objects.daemon_sets);
    k8s.replica_sets = collected(seen, Kind::ReplicaSet, objects.replica_sets);
    k8s.jobs = collected(seen, Kind::Job, objects.jobs);
    k8s.cluster_role_bindings = collected(seen, Kind::ClusterRoleBinding, objects.cluster_role_bindings);
    k8s.validating_webhook_configurations = collected(seen, Kind::ValidatingWebhookConfiguration, objects.webhooks);
    k8s.gatekeeper_constraints = collected(seen, Kind::Constraint, objects.constraints);
    k8s.nodes = collected(seen, Kind::Node, objects.nodes);
    k8s.pod_disruption_budgets = collected(seen, Kind::PodDisruptionBudget, objects.pod_disruption_budgets);
    Ok(())
}

fn collected<T>(seen: &BTreeSet<Kind>, kind: Kind, items: Vec<T>) -> Part<Vec<T>> {
    match seen.contains(&kind) {
        true => Part::Collected(items),
        false => Part::unavailable(format!(
            "not provided: no {} in the --from-kubectl files (pass `kubectl get {} -A -o json`, or --kubectl-kinds {} if there are none)",
            kind.name(),
            kind.plural(),
            kind.plural()
        )),
    }
}

fn read_file(path: &Path, objects: &mut Objects, notes: &mut Vec<String>) -> Result<()> {
    let text = read_text(path, "--from-kubectl")?;
    let hint = format!("pass the unmodified output of `{}`", kubectl_command());
    let header: Header = serde_json::from_str(&text).map_err(|err| invalid_json(path, &err, &hint))?;
    if header.resource_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("microsoft.")) {
        bail!("{} is not Kubernetes JSON; it looks like az output: pass it with --from-az", path.display());
    }
    let mut skipped = BTreeSet::new();
    let mut read = 0;
    match (header.items, header.kind.as_deref()) {
        (Some(items), list_kind) => {
            // A typed list (`PodList`) names its items' kind once; a `List` names it on each item.
            let item_kind = list_kind.and_then(|k| k.strip_suffix("List")).filter(|k| !k.is_empty());
            match item_kind.map(|k| (k, Kind::of(k, header.api_version.as_deref()))) {
                Some((_, Some(kind))) => {
                    objects.seen.insert(kind);
                }
                Some((other, None)) => {
                    skipped.insert(other.to_string());
                }
                None => {}
            }
            for item in &items {
                let (name, kind) = match item_kind {
                    Some(name) => (name.to_string(), Kind::of(name, header.api_version.as_deref())),
                    None => {
                        let meta = peek_type(path, item)?;
                        let kind = Kind::of(&meta.0, meta.1.as_deref());
                        (meta.0, kind)
                    }
                };
                match kind {
                    Some(kind) => {
                        add(path, kind, item.get(), objects)?;
                        read += 1;
                    }
                    None => {
                        skipped.insert(name);
                    }
                }
            }
            if items.is_empty() && item_kind.is_none() {
                notes.push(format!(
                    "{} is an empty List, which does not say which kinds were asked for; use --kubectl-kinds to say they have no objects",
                    path.display()
                ));
                return Ok(());
            }
        }
        (None, Some(name)) => match Kind::of(name, header.api_version.as_deref()) {
            Some(kind) => {
                add(path, kind, &text, objects)?;
                read += 1;
            }
            None => {
                skipped.insert(name.to_string());
            }
        },
        (None, None) => bail!("{} is not Kubernetes JSON (no `kind`); {hint}", path.display()),
    }
    if read == 0 && !skipped.is_empty() {
        let found: Vec<String> = skipped.into_iter().collect();
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
        bail!(
            "{} holds no kind aksguard reads (found {}); it reads {}",
            path.display(),
            found.join(", "),
            known.join(", ")
        );
    }
    Ok(())
}

/// An item's `kind` and `apiVersion`.
fn peek_type(path: &Path, item: &RawValue) -> Result<(String, Option<String>)> {
    let peeked: TypeMeta = serde_json::from_str(item.get())
        .map_err(|err| anyhow::anyhow!("{} holds a list item that cannot be read ({err})", path.display()))?;
    let kind = peeked.kind.ok_or_else(|| {
        anyhow::anyhow!("{} holds a List item without `kind`; pass the output of kubectl get -o json", path.display())
    })?;
    Ok((kind, peeked.api_version))
}

/// Reads one object of a kind aksguard reads into `objects`.
fn add(path: &Path, kind: Kind, json: &str, objects: &mut Objects) -> Result<()> {
    objects.seen.insert(kind);
    match kind {
        Kind::Namespace => {
            push(path, kind, json, &mut objects.keys, &mut objects.namespaces, |o: &Namespace| &o.metadata)
        }
        Kind::Pod => push(path, kind, json, &mut objects.keys, &mut objects.pods, |o: &Pod| &o.metadata),
        Kind::NetworkPolicy => {
            push(path, kind, json, &mut objects.keys, &mut objects.network_policies, |o: &NetworkPolicy| &o.metadata)
        }
        Kind::DaemonSet => {
            push(path, kind, json, &mut objects.keys, &mut objects.daemon_sets, |o: &DaemonSet| &o.metadata)
        }
        Kind::ReplicaSet => {
            push(path, kind, json, &mut objects.keys, &mut objects.replica_sets, |o: &OwnedObject| &o.metadata)
        }
        Kind::Job => push(path, kind, json, &mut objects.keys, &mut objects.jobs, |o: &OwnedObject| &o.metadata),
        Kind::ClusterRoleBinding => {
            push(path, kind, json, &mut objects.keys, &mut objects.cluster_role_bindings, |o: &ClusterRoleBinding| {
                &o.metadata
            })
        }
        Kind::ValidatingWebhookConfiguration => {
            push(path, kind, json, &mut objects.keys, &mut objects.webhooks, |o: &OwnedObject| &o.metadata)
        }
        Kind::Constraint => {
            push(path, kind, json, &mut objects.keys, &mut objects.constraints, |o: &Constraint| &o.metadata)
        }
        Kind::Node => push(path, kind, json, &mut objects.keys, &mut objects.nodes, |o: &Node| &o.metadata),
        Kind::PodDisruptionBudget => {
            push(path, kind, json, &mut objects.keys, &mut objects.pod_disruption_budgets, |o: &PodDisruptionBudget| {
                &o.metadata
            })
        }
    }
}

fn push<T: DeserializeOwned>(
    path: &Path,
    kind: Kind,
    json: &str,
    keys: &mut HashSet<(Kind, String, String)>,
    into: &mut Vec<T>,
    metadata: impl Fn(&T) -> &crate::snapshot::kube::ObjectMeta,
) -> Result<()> {
    let object: T = serde_json::from_str(json)
        .map_err(|err| anyhow::anyhow!("{} holds a {} that cannot be read ({err})", path.display(), kind.name()))?;
    let meta = metadata(&object);
    if keys.insert((kind, meta.namespace().to_string(), meta.name.clone())) {
        into.push(object);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_like_kubectl() {
        assert_eq!(Kind::parse("netpol"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("NetworkPolicies"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("pod"), Ok(Kind::Pod));
        assert_eq!(Kind::parse("pdb"), Ok(Kind::PodDisruptionBudget));
        assert_eq!(Kind::parse("no"), Ok(Kind::Node));
        assert!(Kind::parse("secrets").unwrap_err().contains("not a kind aksguard reads"));
    }
}
