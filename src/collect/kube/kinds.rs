//! What live collection reads from the Kubernetes API: one list job per kind of the declaration
//! (`snapshot::sources`), which says where the API serves it and which part it fills (plus its
//! rule in `deploy/aksguard-reader.yaml`, which a test keeps in sync with the declaration).

use super::list::Lister;
use super::reason;
use super::request::Fatal;
use super::request::{self, Failure};
use crate::snapshot::sources::{self, KubernetesKind, KubernetesSource, KubernetesVisitor, Scope};
use crate::snapshot::{KubernetesState, Part};
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

impl Api {
    /// Where the declaration says a kind is served (`*` for a discovered group).
    pub fn of(kind: &KubernetesKind) -> Api {
        Api {
            group: kind.group,
            version: kind.version,
            plural: kind.rbac_resource(),
            namespaced: kind.scope == Scope::Namespaced,
        }
    }
}

/// Stores a finished list into the snapshot. Lists of different item types run side by side,
/// so each job hands back this closure rather than its typed list.
pub type Store = Box<dyn FnOnce(&mut KubernetesState) + Send>;

/// One job per kind of the declaration (`snapshot::sources`), in its order: each lists every
/// object of its kind (all pages, each selected namespace) and hands back where it goes.
pub fn jobs(lister: &Lister) -> Vec<BoxFuture<'_, Result<Store, Fatal>>> {
    struct Jobs<'a> {
        lister: &'a Lister,
        jobs: Vec<BoxFuture<'a, Result<Store, Fatal>>>,
    }
    impl KubernetesVisitor for Jobs<'_> {
        fn visit<S: KubernetesSource>(&mut self) {
            let lister = self.lister;
            self.jobs.push(Box::pin(async move {
                let kind = S::KIND.info();
                lister.progress.start(kind.source);
                let part = match kind.scope {
                    Scope::Discovered => discovered::<S::Object>(lister, kind).await?,
                    _ => lister.list::<S::Object>(kind.source, Api::of(kind)).await?,
                };
                Ok(Box::new(move |state: &mut KubernetesState| *S::part_mut(state) = part) as Store)
            }));
        }
    }
    let mut jobs = Jobs { lister, jobs: Vec::new() };
    sources::each_kubernetes(&mut jobs);
    jobs.jobs
}

#[derive(serde::Deserialize)]
struct Discovery {
    #[serde(default)]
    resources: Vec<DiscoveredResource>,
}

#[derive(serde::Deserialize)]
struct DiscoveredResource {
    name: String,
}

/// A discovered kind (Gatekeeper constraints: one resource per constraint template, so their
/// names are only known from API discovery): every resource of its group, each listed in turn.
/// The group not being served means the add-on is not installed: none, rather than unknown.
async fn discovered<T: DeserializeOwned>(lister: &Lister, kind: &KubernetesKind) -> Result<Part<Vec<T>>, Fatal> {
    let part = discover::<T>(lister, kind).await;
    lister.progress.finish(kind.source);
    part
}

async fn discover<T: DeserializeOwned>(lister: &Lister, kind: &KubernetesKind) -> Result<Part<Vec<T>>, Fatal> {
    let group = Api::of(kind);
    let path = format!("/apis/{}/{}", group.group, group.version);
    let body = match request::get(&lister.client, &path, &lister.policy).await? {
        Ok(body) => body,
        Err(Failure::Status { status: http::StatusCode::NOT_FOUND, .. }) => return Ok(Part::Collected(Vec::new())),
        Err(failure) => return Ok(Part::unavailable(reason::explain(&failure, group, None, &lister.policy))),
    };
    let discovery: Discovery = match serde_json::from_slice(&body) {
        Ok(discovery) => discovery,
        Err(err) => return Ok(Part::unavailable(reason::not_a_list(group, &path, &err))),
    };
    let mut objects = Vec::new();
    // Subresources (`k8sazurev2noprivilege/status`) are not lists of objects.
    for resource in discovery.resources.into_iter().filter(|r| !r.name.contains('/')) {
        // Api holds 'static names; a run discovers a handful of constraint kinds once.
        let plural: &'static str = Box::leak(resource.name.into_boxed_str());
        match lister.list::<T>(kind.source, Api { plural, ..group }).await? {
            Part::Collected(items) => objects.extend(items),
            unavailable => return Ok(unavailable),
        }
    }
    Ok(Part::Collected(objects))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Kind;

    #[test]
    fn paths_follow_the_api_layout() {
        let api = |kind: Kind| Api::of(kind.info());
        assert_eq!(api(Kind::Pod).list_path(None), "/api/v1/pods");
        assert_eq!(api(Kind::Pod).list_path(Some("shop")), "/api/v1/namespaces/shop/pods");
        assert_eq!(
            api(Kind::Namespace).list_path(Some("shop")),
            "/api/v1/namespaces",
            "cluster-scoped stays cluster-wide"
        );
        assert_eq!(
            api(Kind::NetworkPolicy).list_path(Some("shop")),
            "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies"
        );
        assert_eq!(api(Kind::NetworkPolicy).qualified_name(), "networking.k8s.io/networkpolicies");
        assert_eq!(api(Kind::Pod).qualified_name(), "pods");
        assert_eq!(api(Kind::Constraint).plural, "*");
    }
}
