//! `--from-kubectl`: JSON printed by `kubectl get <kinds> -A -o json` (a `List` of mixed kinds),
//! a typed list from the API (`PodList`), or a single object. Files are read a chunk at a time and
//! each item in one pass ([`super::kubectl_stream`]) by the same types live collection uses; kinds
//! aksguard does not read (Secrets, ConfigMaps, ...) are skipped without being parsed into
//! anything. Only the typed views stay in memory, never the file's text.
//!
//! A kind no file contains is *unavailable*, never empty, unless `--kubectl-kinds` says the files
//! were asked for it (kubectl prints nothing of a kind that has no objects).

use super::input::{invalid_json, open, unreadable};
use super::kubectl_stream::{self, Item, KindName, Object, RawFields, ReadError};
use crate::snapshot::kube::{
    ClusterRoleBinding, Constraint, DaemonSet, Namespace, NetworkPolicy, Node, ObjectMeta, OwnedObject, Pod,
    PodDisruptionBudget,
};
use crate::snapshot::{Part, Snapshot};
use anyhow::{Result, bail};
use serde_json::error::Category;
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
    Node,
    PodDisruptionBudget,
    ClusterRoleBinding,
    ValidatingWebhookConfiguration,
    /// Gatekeeper constraints: any kind in the `constraints.gatekeeper.sh` API group.
    Constraint,
}

/// The API group of Gatekeeper constraints (each constraint template is a kind of its own).
pub const CONSTRAINTS_GROUP: &str = "constraints.gatekeeper.sh/";

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::NetworkPolicy,
        Kind::DaemonSet,
        Kind::ReplicaSet,
        Kind::Job,
        Kind::Node,
        Kind::PodDisruptionBudget,
        Kind::ClusterRoleBinding,
        Kind::ValidatingWebhookConfiguration,
        Kind::Constraint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::DaemonSet => "DaemonSet",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Job => "Job",
            Kind::Node => "Node",
            Kind::PodDisruptionBudget => "PodDisruptionBudget",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::ValidatingWebhookConfiguration => "ValidatingWebhookConfiguration",
            Kind::Constraint => "Gatekeeper constraint",
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
            Kind::Node => "nodes",
            Kind::PodDisruptionBudget => "poddisruptionbudgets",
            Kind::ClusterRoleBinding => "clusterrolebindings",
            Kind::ValidatingWebhookConfiguration => "validatingwebhookconfigurations",
            Kind::Constraint => "constraints",
        }
    }

    /// The kind named by an object's `kind` (constraints are recognised by their API group).
    pub(super) fn from_kind(kind: &str) -> Option<Kind> {
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
    nodes: Vec<Node>,
    pod_disruption_budgets: Vec<PodDisruptionBudget>,
    cluster_role_bindings: Vec<ClusterRoleBinding>,
    webhooks: Vec<OwnedObject>,
    constraints: Vec<Constraint>,
    /// Kinds seen (or declared complete): these become collected parts.
    seen: BTreeSet<Kind>,
}

impl Objects {
    fn add(&mut self, object: Object) {
        self.seen.insert(object.kind());
        match object {
            Object::Namespace(o) => self.namespaces.push(o),
            Object::Pod(o) => self.pods.push(o),
            Object::NetworkPolicy(o) => self.network_policies.push(o),
            Object::DaemonSet(o) => self.daemon_sets.push(o),
            Object::ReplicaSet(o) => self.replica_sets.push(o),
            Object::Job(o) => self.jobs.push(o),
            Object::Node(o) => self.nodes.push(o),
            Object::PodDisruptionBudget(o) => self.pod_disruption_budgets.push(o),
            Object::ClusterRoleBinding(o) => self.cluster_role_bindings.push(o),
            Object::ValidatingWebhookConfiguration(o) => self.webhooks.push(o),
            Object::Constraint(o) => self.constraints.push(o),
        }
    }

    /// The same object in two files (or named twice in one) counts once: the first is kept.
    fn dedupe(&mut self) {
        dedupe(&mut self.namespaces, |o| &o.metadata);
        dedupe(&mut self.pods, |o| &o.metadata);
        dedupe(&mut self.network_policies, |o| &o.metadata);
        dedupe(&mut self.daemon_sets, |o| &o.metadata);
        dedupe(&mut self.replica_sets, |o| &o.metadata);
        dedupe(&mut self.jobs, |o| &o.metadata);
        dedupe(&mut self.nodes, |o| &o.metadata);
        dedupe(&mut self.pod_disruption_budgets, |o| &o.metadata);
        dedupe(&mut self.cluster_role_bindings, |o| &o.metadata);
        dedupe(&mut self.webhooks, |o| &o.metadata);
        dedupe(&mut self.constraints, |o| &o.metadata);
    }
}

/// Keeps the first object of each (namespace, name). Done once all files are read, with keys
/// borrowed from the objects: no string is copied per object.
fn dedupe<T>(objects: &mut Vec<T>, metadata: impl Fn(&T) -> &ObjectMeta) {
    let mut seen = HashSet::with_capacity(objects.len());
    let keep: Vec<bool> = objects
        .iter()
        .map(|object| {
            let meta = metadata(object);
            seen.insert((meta.namespace(), meta.name.as_str()))
        })
        .collect();
    drop(seen);
    if keep.iter().all(|kept| *kept) {
        return;
    }
    let mut keep = keep.into_iter();
    objects.retain(|_| keep.next().unwrap_or(true));
}

pub fn read_into(paths: &[PathBuf], complete: &[Kind], snapshot: &mut Snapshot, notes: &mut Vec<String>) -> Result<()> {
    let mut objects = Objects::default();
    for path in paths {
        read_file(path, &mut objects, notes)?;
    }
    objects.dedupe();
    objects.seen.extend(complete.iter().copied());
    let seen = &objects.seen;
    let k8s = &mut snapshot.kubernetes;
    k8s.namespaces = collected(seen, Kind::Namespace, objects.namespaces);
    k8s.pods = collected(seen, Kind::Pod, objects.pods);
    k8s.network_policies = collected(seen, Kind::NetworkPolicy, objects.network_policies);
    k8s.daemon_sets = collected(seen, Kind::DaemonSet, objects.daemon_sets);
    k8s.replica_sets = collected(seen, Kind::ReplicaSet, objects.replica_sets);
    k8s.jobs = collected(seen, Kind::Job, objects.jobs);
    k8s.nodes = collected(seen, Kind::Node, objects.nodes);
    k8s.pod_disruption_budgets = collected(seen, Kind::PodDisruptionBudget, objects.pod_disruption_budgets);
    k8s.cluster_role_bindings = collected(seen, Kind::ClusterRoleBinding, objects.cluster_role_bindings);
    k8s.validating_webhook_configurations = collected(seen, Kind::ValidatingWebhookConfiguration, objects.webhooks);
    k8s.gatekeeper_constraints = collected(seen, Kind::Constraint, objects.constraints);
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
    let file = open(path, "--from-kubectl")?;
    let hint = format!("pass the unmodified output of `{}`", kubectl_command());
    let mut skipped = BTreeSet::new();
    let mut read = 0;
    let mut untyped = Vec::new();
    let document = kubectl_stream::read(file, &mut |item| match item {
        Item::Object(object) => {
            objects.add(object);
            read += 1;
        }
        Item::Skipped(kind) => {
            skipped.insert(kind);
        }
        Item::Untyped(fields) => untyped.push(fields),
    })
    .map_err(|err| read_error(path, err, &hint))?;
    if document.resource_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("microsoft.")) {
        bail!("{} is not Kubernetes JSON; it looks like az output: pass it with --from-az", path.display());
    }
    match (document.items, &document.kind) {
        (Some(count), list_kind) => {
            // A typed list (`PodList`) names its items' kind once; a `List` names it on each item.
            let item_kind = list_kind.as_ref().and_then(KindName::item_kind);
            match &item_kind {
                Some(KindName::Known(kind)) => {
                    objects.seen.insert(*kind);
                }
                Some(KindName::Other(other)) => {
                    skipped.insert(other.clone());
                }
                None => {}
            }
            read += add_untyped(path, untyped, item_kind.as_ref(), objects)?;
            if count == 0 && item_kind.is_none() {
                notes.push(format!(
                    "{} is an empty List, which does not say which kinds were asked for; use --kubectl-kinds to say they have no objects",
                    path.display()
                ));
                return Ok(());
            }
        }
        (None, Some(_)) => {}
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

/// Items without a `kind` of their own, read once the typed list's `kind` (after them) is known.
fn add_untyped(path: &Path, untyped: Vec<RawFields>, kind: Option<&KindName>, objects: &mut Objects) -> Result<usize> {
    if untyped.is_empty() {
        return Ok(0);
    }
    let kind = match kind {
        Some(KindName::Known(kind)) => *kind,
        Some(KindName::Other(_)) => return Ok(0),
        None => bail!("{} holds a List item without `kind`; pass the output of kubectl get -o json", path.display()),
    };
    let count = untyped.len();
    for fields in untyped {
        let object = fields
            .into_object(kind)
            .map_err(|err| anyhow::anyhow!("{} holds a {} that cannot be read ({err})", path.display(), kind.name()))?;
        objects.add(object);
    }
    Ok(count)
}

/// The file failed, its JSON is invalid, or valid JSON is not the object it claims to be.
fn read_error(path: &Path, err: ReadError, hint: &str) -> anyhow::Error {
    match err {
        ReadError::Io(err) => unreadable(path, "--from-kubectl", &err),
        ReadError::Json { category: Category::Data, message, kind: Some(kind) } => {
            anyhow::anyhow!("{} holds a {} that cannot be read ({message})", path.display(), kind.name())
        }
        ReadError::Json { message, .. } => invalid_json(path, &message, hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(documents: &[&str]) -> Result<Snapshot> {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = documents
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let path = dir.path().join(format!("{i}.json"));
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let mut snapshot = Snapshot::empty("test", "not provided");
        read_into(&paths, &[], &mut snapshot, &mut Vec::new())?;
        Ok(snapshot)
    }

    const POD_KIND_FIRST: &str = r#"{"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "CANARY"}},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx", "env": [{"name": "P", "value": "CANARY"}]}]},
        "status": {"phase": "Running"}}"#;
    /// The same pod with `kind` last: the fields before it are read once it is known.
    const POD_KIND_LAST: &str = r#"{"status": {"phase": "Running"},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx", "env": [{"name": "P", "value": "CANARY"}]}]},
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "CANARY"}},
        "apiVersion": "v1", "kind": "Pod"}"#;

    fn pods(snapshot: &Snapshot) -> &[Pod] {
        snapshot.kubernetes.pods.collected().unwrap()
    }

    #[test]
    fn key_order_does_not_matter() {
        let first = read(&[&format!(r#"{{"kind": "List", "items": [{POD_KIND_FIRST}]}}"#)]).unwrap();
        let last = read(&[&format!(r#"{{"items": [{POD_KIND_LAST}], "kind": "List"}}"#)]).unwrap();
        assert_eq!(pods(&first).len(), 1);
        assert!(pods(&first)[0].spec.host_network);
        assert_eq!(pods(&first), pods(&last));
        let single = read(&[POD_KIND_LAST]).unwrap();
        assert_eq!(pods(&single), pods(&first));
    }

    #[test]
    fn a_typed_list_names_its_items_kind_before_or_after_them() {
        let item = r#"{"metadata": {"name": "web", "namespace": "shop"}, "spec": {"containers": [{"name": "c"}]}}"#;
        for text in [
            format!(r#"{{"kind": "PodList", "apiVersion": "v1", "items": [{item}]}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "PodList"}}"#),
        ] {
            let snapshot = read(&[&text]).unwrap();
            assert_eq!(pods(&snapshot).len(), 1, "{text}");
            assert_eq!(pods(&snapshot)[0].spec.containers[0].name, "c");
        }
        let untyped = read(&[&format!(r#"{{"kind": "List", "items": [{item}]}}"#)]).unwrap_err().to_string();
        assert!(untyped.contains("holds a List item without `kind`"), "{untyped}");
    }

    #[test]
    fn an_object_read_twice_counts_once() {
        let list = format!(r#"{{"kind": "List", "items": [{POD_KIND_FIRST}, {POD_KIND_LAST}]}}"#);
        let snapshot = read(&[&list, POD_KIND_FIRST]).unwrap();
        assert_eq!(pods(&snapshot).len(), 1);
    }

    #[test]
    fn an_object_that_does_not_fit_its_kind_is_named_in_the_error() {
        let bad = r#"{"kind": "List", "items": [{"kind": "Namespace", "metadata": {"name": "shop"}},
            {"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": "nginx"}}]}"#;
        let err = read(&[bad]).unwrap_err().to_string();
        assert!(err.contains("holds a Pod that cannot be read (invalid type: string \"nginx\""), "{err}");
        assert!(err.contains("line 2"), "the position is in the file: {err}");
        let not_json = read(&[r#"{"kind": "List", "items": [{"kind": "Pod",}]}"#]).unwrap_err().to_string();
        assert!(not_json.contains("is not valid JSON"), "{not_json}");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_where_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.json");
        std::fs::write(&path, b"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"caf\xe9\"}}").unwrap();
        let mut snapshot = Snapshot::empty("test", "not provided");
        let err = read_into(&[path], &[], &mut snapshot, &mut Vec::new()).unwrap_err().to_string();
        assert!(err.contains("is not valid JSON (invalid unicode code point at line 1 column"), "{err}");
    }

    #[test]
    fn kinds_parse_like_kubectl() {
        assert_eq!(Kind::parse("netpol"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("NetworkPolicies"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("pod"), Ok(Kind::Pod));
        assert!(Kind::parse("secrets").unwrap_err().contains("not a kind aksguard reads"));
    }

    #[test]
    fn constraints_are_recognised_by_their_api_group_and_keep_their_kind() {
        let list = r#"{"kind": "List", "items": [
            {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sAzureV2NoPrivilege",
             "metadata": {"name": "no-privilege"}, "spec": {"enforcementAction": "dryrun"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "dev"},
             "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "dev@x"}]}]}"#;
        let snapshot = read(&[list]).unwrap();
        let constraints = snapshot.kubernetes.gatekeeper_constraints.collected().unwrap();
        assert_eq!(constraints[0].kind, "K8sAzureV2NoPrivilege");
        assert_eq!(constraints[0].enforcement_action(), "dryrun");
        let bindings = snapshot.kubernetes.cluster_role_bindings.collected().unwrap();
        assert_eq!(
            (bindings[0].role_ref.name.as_str(), bindings[0].subjects[0].name.as_str()),
            ("cluster-admin", "dev@x")
        );
    }
}
