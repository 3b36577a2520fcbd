//! The table of what live collection reads: one entry per Kubernetes kind, saying where the API
//! serves it and which snapshot part it fills. Adding a kind is one entry in [`ALL`] (plus its
//! rule in `deploy/aksguard-reader.yaml`, which a test keeps in sync with this table).

use super::list::Lister;
use super::reason;
use super::request::Fatal;
use super::request::{self, Failure};
use crate::snapshot::kube::{
    ClusterRoleBinding, Constraint, DaemonSet, Namespace, NetworkPolicy, Node, OwnedObject, Pod, PodDisruptionBudget,
};
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
static NODES: Kind<Node> =
    Kind { source: source::NODES, api: cluster("", "v1", "nodes"), store: |k, part| k.nodes = part };
static POD_DISRUPTION_BUDGETS: Kind<PodDisruptionBudget> = Kind {
    source: source::POD_DISRUPTION_BUDGETS,
    api: namespaced("policy", "v1", "poddisruptionbudgets"),
    store: |k, part| k.pod_disruption_budgets = part,
};
static CLUSTER_ROLE_BINDINGS: Kind<ClusterRoleBinding> = Kind {
    source: source::CLUSTER_ROLE_BINDINGS,
    api: cluster("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
    store: |k, part| k.cluster_role_bindings = part,
};
static VALIDATING_WEBHOOKS: Kind<OwnedObject> = Kind {
    source: source::VALIDATING_WEBHOOKS,
    api: cluster("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"),
    store: |k, part| k.validating_webhook_configurations = part,
};

/// Every kind live collection reads, in the order the spinner names them. Never Secrets or
/// ConfigMaps.
pub static ALL: &[&dyn Resource] = &[
    &NAMESPACES,
    &PODS,
    &NETWORK_POLICIES,
    &DAEMON_SETS,
    &REPLICA_SETS,
    &JOBS,
    &NODES,
    &POD_DISRUPTION_BUDGETS,
    &CLUSTER_ROLE_BINDINGS,
    &VALIDATING_WEBHOOKS,
    &GatekeeperConstraints,
];

/// Gatekeeper constraints: every resource of the `constraints.gatekeeper.sh` group (one per
/// constraint template, so their names are only known from API discovery), each listed in turn.
struct GatekeeperConstraints;

/// The group and version discovery is asked about; `*` in RBAC covers every constraint kind.
const CONSTRAINTS: Api = cluster("constraints.gatekeeper.sh", "v1beta1", "*");

#[derive(serde::Deserialize)]
struct Discovery {
    #[serde(default)]
    resources: Vec<DiscoveredResource>,
}

#[derive(serde::Deserialize)]
struct DiscoveredResource {
    name: String,
}

impl Resource for GatekeeperConstraints {
    fn source(&self) -> &'static str {
        source::GATEKEEPER_CONSTRAINTS
    }

    fn api(&self) -> Api {
        CONSTRAINTS
    }

    fn collect<'a>(&'a self, lister: &'a Lister) -> BoxFuture<'a, Result<Store, Fatal>> {
        Box::pin(async move {
            let part = self.read(lister).await?;
            lister.progress.finish(self.source());
            Ok(Box::new(move |state: &mut KubernetesState| state.gatekeeper_constraints = part) as Store)
        })
    }

    fn skip(&self, state: &mut KubernetesState, reason: &str) {
        state.gatekeeper_constraints = Part::unavailable(reason);
    }
}

impl GatekeeperConstraints {
    async fn read(&self, lister: &Lister) -> Result<Part<Vec<Constraint>>, Fatal> {
        let path = format!("/apis/{}/{}", CONSTRAINTS.group, CONSTRAINTS.version);
        let body = match request::get(&lister.client, &path, &lister.policy).await? {
            Ok(body) => body,
            // The group is not served: Gatekeeper is not installed, so there are no constraints.
            Err(Failure::Status { code: http::StatusCode::NOT_FOUND, .. }) => return Ok(Part::Collected(Vec::new())),
            Err(failure) => return Ok(Part::unavailable(reason::explain(&failure, CONSTRAINTS, None, &lister.policy))),
        };
        let discovery: Discovery = match serde_json::from_slice(&body) {
            Ok(discovery) => discovery,
            Err(err) => return Ok(Part::unavailable(reason::not_a_list(CONSTRAINTS, &path, &err))),
        };
        let mut constraints = Vec::new();
        // Subresources (`k8sazurev2noprivilege/status`) are not lists of constraints.
        for resource in discovery.resources.into_iter().filter(|r| !r.name.contains('/')) {
            // Api holds 'static names; a run discovers a handful of constraint kinds once.
            let plural: &'static str = Box::leak(resource.name.into_boxed_str());
            let api = Api { plural, ..CONSTRAINTS };
            match lister.list::<Constraint>(self.source(), api).await? {
                Part::Collected(items) => constraints.extend(items),
                unavailable => return Ok(unavailable),
            }
        }
        Ok(Part::Collected(constraints))
    }
}

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
