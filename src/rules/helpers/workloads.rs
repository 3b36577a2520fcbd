//! Resolves pods to the workload that owns them (ReplicaSet → Deployment, Job → CronJob), so a
//! 50-replica Deployment is one finding listing its pods, not fifty findings.

use crate::snapshot::KubernetesState;
use crate::snapshot::kube::{OwnedObject, Pod};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A workload, borrowed from the snapshot: resolving 100,000 pods allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadRef<'a> {
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl fmt::Display for WorkloadRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// (namespace, name) of an object → (kind, name) of its controlling owner.
type Owners<'a> = HashMap<(&'a str, &'a str), (&'a str, &'a str)>;

/// Owner lookups for ReplicaSets and Jobs; `None` when that kind was not collected.
pub struct WorkloadIndex<'a> {
    replica_set_owners: Option<Owners<'a>>,
    job_owners: Option<Owners<'a>>,
}

fn owners(objects: Option<&Vec<OwnedObject>>) -> Option<Owners<'_>> {
    Some(
        objects?
            .iter()
            .filter_map(|object| {
                let owner = object.metadata.controller()?;
                let key = (object.metadata.namespace(), object.metadata.name.as_str());
                Some((key, (owner.kind.as_str(), owner.name.as_str())))
            })
            .collect(),
    )
}

impl<'a> WorkloadIndex<'a> {
    pub fn new(kubernetes: &'a KubernetesState) -> Self {
        WorkloadIndex {
            replica_set_owners: owners(kubernetes.replica_sets.collected()),
            job_owners: owners(kubernetes.jobs.collected()),
        }
    }

    pub fn resolve<'p>(&self, pod: &'p Pod) -> WorkloadRef<'p>
    where
        'a: 'p,
    {
        let namespace = pod.metadata.namespace();
        let Some(owner) = pod.metadata.controller() else {
            return WorkloadRef { kind: "Pod", namespace, name: &pod.metadata.name };
        };
        let own = (owner.kind.as_str(), owner.name.as_str());
        let (kind, name) = match own.0 {
            "ReplicaSet" => self
                .parent(&self.replica_set_owners, namespace, &owner.name)
                .unwrap_or_else(|| deployment_from_hash(pod, &owner.name).unwrap_or(own)),
            "Job" => self.parent(&self.job_owners, namespace, &owner.name).unwrap_or(own),
            _ => own,
        };
        WorkloadRef { kind, namespace, name }
    }

    fn parent(&self, index: &Option<Owners<'a>>, namespace: &str, name: &str) -> Option<(&'a str, &'a str)> {
        index.as_ref()?.get(&(namespace, name)).copied()
    }
}

/// Without ReplicaSet data, a Deployment's ReplicaSet is named `<deployment>-<pod-template-hash>`
/// and its pods carry that hash as a label: enough to name the Deployment.
fn deployment_from_hash<'p>(pod: &Pod, replica_set: &'p str) -> Option<(&'p str, &'p str)> {
    let hash = pod.metadata.labels.get("pod-template-hash")?;
    let deployment = replica_set.strip_suffix(hash.as_str())?.strip_suffix('-')?;
    Some(("Deployment", deployment))
}

/// Groups pods by workload, in a stable order.
pub fn group_by_workload<'a>(
    pods: impl Iterator<Item = &'a Pod>,
    resolve: impl Fn(&'a Pod) -> WorkloadRef<'a>,
) -> BTreeMap<WorkloadRef<'a>, Vec<&'a Pod>> {
    let mut groups: BTreeMap<WorkloadRef, Vec<&Pod>> = BTreeMap::new();
    for pod in pods {
        groups.entry(resolve(pod)).or_default().push(pod);
    }
    groups
}

/// "web-1, web-2 and 3 more": pod names for evidence, capped.
pub fn pod_names(pods: &[&Pod]) -> String {
    const SHOWN: usize = 3;
    let mut names = String::new();
    for (i, pod) in pods.iter().take(SHOWN).enumerate() {
        if i > 0 {
            names.push_str(", ");
        }
        names.push_str(&pod.metadata.name);
    }
    match pods.len().saturating_sub(SHOWN) {
        0 => names,
        more => format!("{names} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{k8s, pod_in};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn pod_owned_by(kind: &str, name: &str, labels: serde_json::Value) -> Pod {
        k8s(json!({"metadata": {"name": format!("{name}-x"), "namespace": "ns", "labels": labels,
            "ownerReferences": [{"kind": kind, "name": name, "controller": true}]}}))
    }

    #[test]
    fn resolves_replica_sets_and_jobs_to_their_parents() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.replica_sets =
            Part::Collected(vec![k8s(json!({"metadata": {"name": "web-5d8f", "namespace": "ns",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}}))]);
        snapshot.kubernetes.jobs =
            Part::Collected(vec![k8s(json!({"metadata": {"name": "backup-2890", "namespace": "ns",
            "ownerReferences": [{"kind": "CronJob", "name": "backup", "controller": true}]}}))]);
        let index = WorkloadIndex::new(&snapshot.kubernetes);
        assert_eq!(index.resolve(&pod_owned_by("ReplicaSet", "web-5d8f", json!({}))).to_string(), "Deployment/ns/web");
        assert_eq!(index.resolve(&pod_owned_by("Job", "backup-2890", json!({}))).to_string(), "CronJob/ns/backup");
        assert_eq!(index.resolve(&pod_owned_by("StatefulSet", "db", json!({}))).to_string(), "StatefulSet/ns/db");
        assert_eq!(index.resolve(&pod_in("ns", "bare")).to_string(), "Pod/ns/bare");
    }

    #[test]
    fn without_replica_sets_the_template_hash_names_the_deployment() {
        let snapshot = Snapshot::empty("test", "not provided");
        let index = WorkloadIndex::new(&snapshot.kubernetes);
        let pod = pod_owned_by("ReplicaSet", "api-server-7c9f", json!({"pod-template-hash": "7c9f"}));
        assert_eq!(index.resolve(&pod).to_string(), "Deployment/ns/api-server");
        let unlabelled = pod_owned_by("ReplicaSet", "api-server-7c9f", json!({}));
        assert_eq!(index.resolve(&unlabelled).to_string(), "ReplicaSet/ns/api-server-7c9f");
    }

    #[test]
    fn pod_names_are_capped() {
        let pods: Vec<Pod> = (1..=5).map(|i| pod_in("ns", &format!("p{i}"))).collect();
        let refs: Vec<&Pod> = pods.iter().collect();
        assert_eq!(pod_names(&refs), "p1, p2, p3 and 2 more");
        assert_eq!(pod_names(&refs[..2]), "p1, p2");
    }
}
