//! The table of what live collection reads: one entry per Kubernetes kind, saying where the API
//! serves it and which snapshot part it fills. Adding a kind is one entry in [`ALL`] (plus its
//! rule in `deploy/aksguard-reader.yaml`, which a test keeps in sync with this table).

use super::list::Lister;
use super::request::Fatal;
use crate::snapshot::kube::{DaemonSet, Namespace, NetworkPolicy, OwnedObject, Pod};
use crate::snapshot::{KubernetesState, Part, source};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

/// Where the API serves a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// The API group; `""` is the core group (`/api/v1`).
    pub group: &'static str,
    pub version: &'static str,
    /// The resource name, as in the URL and in RBAC rules.
    pub plural: &'static str,
    pub namespaced: bool,
}

impl Api {
    /// The list URL path: cluster-wide, or in one namespace for namespaced resources.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        let prefix = match self.group {
            "" => format!("/api/{}", self.version),
            group => format!("/apis/{group}/{}", self.version),
        };
        match namespace {
            Some(namespace) if self.namespaced => format!("{prefix}/namespaces/{namespace}/{}", self.plural),
            _ => format!("{prefix}/{}", self.plural),
        }
    }

    /// The name RBAC rules and kubectl use: `networking.k8s.io/networkpolicies`, or `pods`.
    pub fn qualified_name(&self) -> String {
        match self.group {
            "" => self.plural.to_string(),
            group => format!("{group}/{}", self.plural),
        }
    }
}

/// One kind: its source name (as reports print it), where it is served, and how the collected
/// list (or the reason it is missing) is stored in the snapshot.
pub struct Kind<T> {
    pub source: &'static str,
    pub api: Api,
    pub store: fn(&mut KubernetesState, Part<Vec<T>>),
}

/// Stores a finished list into the snapshot. Lists of different item types run side by side,
/// so each job hands back this closure rather than its typed list.
pub type Store = Box<dyn FnOnce(&mut KubernetesState) + Send>;

/// A [`Kind`] with its item type erased, so the table can hold every kind.
pub trait Resource: Sync {
    fn source(&self) -> &'static str;
    fn api(&self) -> Api;
    /// Lists every object of the kind (all pages, each selected namespace).
    fn collect<'a>(&'a self, lister: &'a Lister) -> BoxFuture<'a, Result<Store, Fatal>>;
    /// Marks the kind unavailable without reading it.
    fn skip(&self, state: &mut KubernetesState, reason: &str);
}

impl<T: DeserializeOwned + Send + 'static> Resource for Kind<T> {
    fn source(&self) -> &'static str {
        self.source
    }

    fn api(&self) -> Api {
        self.api
    }

    fn collect<'a>(&'a self, lister: &'a Lister) -> BoxFuture<'a, Result<Store, Fatal>> {
        Box::pin(async move {
            let part = lister.list::<T>(self.source, self.api).await?;
            let store = self.store;
            Ok(Box::new(move |state: &mut KubernetesState| store(state, part)) as Store)
        })
    }

    fn skip(&self, state: &mut KubernetesState, reason: &str) {
        (self.store)(state, Part::unavailable(reason))
    }
}

/// A namespaced resource; `group` is `""` for the core group.
const fn namespaced(group: &'static str, version: &'static str, plural: &'static str) -> Api {
    Api { group, version, plural, namespaced: true }
}

/// A cluster-scoped resource: listed cluster-wide even with `--namespace`.
const fn cluster(group: &'static str, version: &'static str, plural: &'static str) -> Api {
    Api { group, version, plural, namespaced: false }
}

static NAMESPACES: Kind<Namespace> =
    Kind { source: source::NAMESPACES, api: cluster("", "v1", "namespaces"), store: |k, part| k.namespaces = part };
static PODS: Kind<Pod> =
    Kind { source: source::PODS, api: namespaced("", "v1", "pods"), store: |k, part| k.pods = part };
static NETWORK_POLICIES: Kind<NetworkPolicy> = Kind {
    source: source::NETWORK_POLICIES,
    api: namespaced("networking.k8s.io", "v1", "networkpolicies"),
    store: |k, part| k.network_policies = part,
};
static DAEMON_SETS: Kind<DaemonSet> = Kind {
    source: source::DAEMON_SETS,
    api: namespaced("apps", "v1", "daemonsets"),
    store: |k, part| k.daemon_sets = part,
};
static REPLICA_SETS: Kind<OwnedObject> = Kind {
    source: source::REPLICA_SETS,
    api: namespaced("apps", "v1", "replicasets"),
    store: |k, part| k.replica_sets = part,
};
static JOBS: Kind<OwnedObject> =
    Kind { source: source::JOBS, api: namespaced("batch", "v1", "jobs"), store: |k, part| k.jobs = part };

/// Every kind live collection reads, in the order the spinner names them. Never Secrets or
/// ConfigMaps.
pub static ALL: &[&dyn Resource] = &[&NAMESPACES, &PODS, &NETWORK_POLICIES, &DAEMON_SETS, &REPLICA_SETS, &JOBS];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_api_layout() {
        assert_eq!(PODS.api.list_path(None), "/api/v1/pods");
        assert_eq!(PODS.api.list_path(Some("shop")), "/api/v1/namespaces/shop/pods");
        assert_eq!(NAMESPACES.api.list_path(Some("shop")), "/api/v1/namespaces", "cluster-scoped stays cluster-wide");
        assert_eq!(
            NETWORK_POLICIES.api.list_path(Some("shop")),
            "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies"
        );
        assert_eq!(NETWORK_POLICIES.api.qualified_name(), "networking.k8s.io/networkpolicies");
        assert_eq!(PODS.api.qualified_name(), "pods");
    }

    #[test]
    fn every_kubernetes_part_has_an_entry_and_none_is_secret() {
        let mut state = crate::snapshot::Snapshot::empty("test", "untouched").kubernetes;
        for kind in ALL {
            kind.skip(&mut state, "skipped");
            assert!(!["secrets", "configmaps"].contains(&kind.api().plural));
        }
        let snapshot = crate::snapshot::Snapshot { kubernetes: state, ..crate::snapshot::Snapshot::empty("t", "x") };
        for (source, reason) in snapshot.sources() {
            if source.starts_with("kubernetes/") {
                assert_eq!(reason, Some("skipped"), "{source} has no entry in kinds::ALL");
            }
        }
    }
}
