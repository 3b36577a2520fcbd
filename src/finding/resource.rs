//! What a finding is about, as a typed value: an ARM resource (or, without ARM data, the cluster
//! by name), or a Kubernetes object by kind, namespace and name. Its string form is stable (it is
//! the finding's identity in baselines, waivers and SARIF fingerprints) and made once; the
//! namespace is kept as a position in it, so nothing parses the string to recover it.

use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// An ARM id (`/subscriptions/...`) or a part of one (`.../agentPools/pool`).
    Arm,
    /// The cluster when its ARM id is not known: `managedCluster/NAME`, or `cluster`.
    Cluster,
    /// A Kubernetes object: `Kind/namespace/name`, `Namespace/name`, or `Kind/name` when
    /// cluster-scoped.
    Kubernetes,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    text: String,
    shape: Shape,
    /// Where the namespace is in `text`, for namespaced objects and namespaces.
    namespace: Option<(usize, usize)>,
}

impl Resource {
    /// An ARM resource by its id.
    pub fn arm(id: impl Into<String>) -> Self {
        Resource { text: id.into(), shape: Shape::Arm, namespace: None }
    }

    /// The cluster when ARM gave no id: by name when known, else `cluster`.
    pub fn cluster_without_id(name: Option<&str>) -> Self {
        let text = match name {
            Some(name) => format!("managedCluster/{name}"),
            None => "cluster".to_string(),
        };
        Resource { text, shape: Shape::Cluster, namespace: None }
    }

    /// A part of an ARM resource (or of the cluster): `{self}/agentPools/{name}`.
    pub fn child(&self, collection: &str, name: &str) -> Self {
        Resource { text: format!("{}/{collection}/{name}", self.text), shape: self.shape, namespace: None }
    }

    /// A namespaced Kubernetes object: `Kind/namespace/name`.
    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> Self {
        let start = kind.len() + 1;
        Resource {
            text: [kind, "/", namespace, "/", name].concat(),
            shape: Shape::Kubernetes,
            namespace: Some((start, start + namespace.len())),
        }
    }

    /// A namespace: `Namespace/name`.
    pub fn kube_namespace(name: &str) -> Self {
        const KIND: &str = "Namespace/";
        Resource {
            text: format!("{KIND}{name}"),
            shape: Shape::Kubernetes,
            namespace: Some((KIND.len(), KIND.len() + name.len())),
        }
    }

    /// A cluster-scoped Kubernetes object: `Kind/name`.
    pub fn cluster_scoped(kind: &str, name: &str) -> Self {
        Resource { text: format!("{kind}/{name}"), shape: Shape::Kubernetes, namespace: None }
    }

    /// The namespace of a namespaced object or of a namespace; `None` otherwise.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.map(|(start, end)| &self.text[start..end])
    }

    /// The kind: `Deployment`, `Namespace`, `Node`; for ARM ids the last resource type
    /// (`managedClusters`, `agentPools`); for the cluster without an id its first word.
    pub fn kind(&self) -> &str {
        match self.shape {
            Shape::Arm => {
                let mut parts = self.text.trim_start_matches('/').rsplit('/');
                parts.next();
                parts.next().unwrap_or("resource")
            }
            Shape::Cluster | Shape::Kubernetes => self.text.split('/').next().unwrap_or("resource"),
        }
    }

    /// The name: what follows the namespace for namespaced objects (whatever it holds), else the
    /// last part of the string form.
    pub fn name(&self) -> &str {
        match (self.shape, self.namespace) {
            // A namespace ends with its name, which is the namespace.
            (Shape::Kubernetes, Some((start, end))) if end == self.text.len() => &self.text[start..end],
            (Shape::Kubernetes, Some((_, end))) => &self.text[end + 1..],
            (Shape::Kubernetes, None) => self.text.split_once('/').map_or(self.text.as_str(), |(_, name)| name),
            _ => self.text.rsplit('/').next().unwrap_or(&self.text),
        }
    }

    /// An ARM resource, or the cluster itself.
    pub fn is_azure(&self) -> bool {
        matches!(self.shape, Shape::Arm | Shape::Cluster)
    }

    /// A resource by its string form alone, for renderer tests that need no shape.
    #[cfg(test)]
    pub(crate) fn for_test(text: &str) -> Self {
        Resource { text: text.to_string(), shape: Shape::Arm, namespace: None }
    }

    /// The stable string form.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Deref for Resource {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// By the string form, as reports have always ordered resources.
impl Ord for Resource {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}

impl PartialOrd for Resource {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq<str> for Resource {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Resource {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// As the string form: the JSON report's `resource` stays a string.
impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_and_namespaces() {
        let deployment = Resource::namespaced("Deployment", "shop", "web");
        assert_eq!(deployment, "Deployment/shop/web");
        assert_eq!(deployment.namespace(), Some("shop"));
        assert_eq!(Resource::kube_namespace("shop").as_str(), "Namespace/shop");
        assert_eq!(Resource::kube_namespace("shop").namespace(), Some("shop"));
        assert_eq!(Resource::cluster_scoped("Node", "aks-1").namespace(), None);
        let arm =
            Resource::arm("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a");
        assert_eq!(arm.child("agentPools", "np").namespace(), None);
        assert!(arm.child("agentPools", "np").ends_with("/managedClusters/a/agentPools/np"));
        assert_eq!(Resource::cluster_without_id(Some("a")).as_str(), "managedCluster/a");
        assert_eq!(Resource::cluster_without_id(None).child("agentPools", "np").as_str(), "cluster/agentPools/np");
        assert!(Resource::cluster_without_id(None).is_azure() && !deployment.is_azure());
    }

    #[test]
    fn kinds_and_names() {
        let kind_name = |r: Resource| (r.kind().to_string(), r.name().to_string());
        let pair = |k: &str, n: &str| (k.to_string(), n.to_string());
        assert_eq!(kind_name(Resource::namespaced("Deployment", "shop", "web")), pair("Deployment", "web"));
        assert_eq!(kind_name(Resource::kube_namespace("shop")), pair("Namespace", "shop"));
        assert_eq!(kind_name(Resource::cluster_scoped("Node", "aks-1")), pair("Node", "aks-1"));
        let arm = Resource::arm("/subscriptions/s/providers/Microsoft.ContainerService/managedClusters/aks");
        assert_eq!(kind_name(arm.clone()), pair("managedClusters", "aks"));
        assert_eq!(kind_name(arm.child("agentPools", "np")), pair("agentPools", "np"));
        assert_eq!(kind_name(Resource::cluster_without_id(None)), pair("cluster", "cluster"));
        assert_eq!(
            kind_name(Resource::cluster_without_id(Some("a")).child("agentPools", "np")),
            pair("managedCluster", "np")
        );
    }

    /// A hostile name with a slash cannot move the namespace: it is a position, not a parse.
    #[test]
    fn the_namespace_is_not_parsed_from_the_name() {
        let odd = Resource::namespaced("Pod", "team-a", "x/team-b/y");
        assert_eq!(odd.namespace(), Some("team-a"));
        assert_eq!(odd.name(), "x/team-b/y");
        assert_eq!(Resource::kube_namespace("a/b").namespace(), Some("a/b"));
    }

    #[test]
    fn resources_order_and_serialise_as_their_string_form() {
        let mut resources = [Resource::kube_namespace("a"), Resource::arm("/s"), Resource::namespaced("D", "n", "w")];
        resources.sort();
        let texts: Vec<&str> = resources.iter().map(Resource::as_str).collect();
        assert_eq!(texts, ["/s", "D/n/w", "Namespace/a"]);
        assert_eq!(serde_json::to_value(&resources[0]).unwrap(), serde_json::json!("/s"));
    }
}
