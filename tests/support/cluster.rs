//! API-shaped content for the test server: a cluster's objects served the way the Kubernetes
//! API serves them — `/version`, cluster-wide and namespaced list paths, `limit` + `continue`
//! pagination, bearer-token checks — from the items of a `kubectl get -o json` List.

#![allow(dead_code)] // each test binary uses a different part

use super::apiserver::{Reply, Request};
use aksguard::snapshot::sources::{Scope, kubernetes_kinds};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

pub struct Cluster {
    /// Items by resource plural (`pods`), in the order given.
    objects: BTreeMap<String, Vec<Value>>,
    /// The bearer token every request must carry.
    pub token: String,
}

const CONSTRAINTS: &str = "constraints.gatekeeper.sh/v1beta1";

/// (kind, plural, group/version, cluster-scoped) for every kind the fake serves: every kind of
/// the declaration (`snapshot::sources`), Gatekeeper constraint kinds, and Secrets and
/// ConfigMaps (which aksguard must never list).
static KINDS: LazyLock<Vec<(&'static str, &'static str, &'static str, bool)>> = LazyLock::new(|| {
    let mut kinds: Vec<_> = kubernetes_kinds()
        .filter(|kind| kind.scope != Scope::Discovered)
        .map(|kind| {
            let group_version = match kind.group {
                "" => kind.version.to_string(),
                group => format!("{group}/{}", kind.version),
            };
            (kind.kind, kind.plural, &*Box::leak(group_version.into_boxed_str()), kind.scope == Scope::Cluster)
        })
        .collect();
    kinds.extend([
        // Gatekeeper constraints: custom resources, one kind per constraint template.
        ("K8sAzureV2NoPrivilege", "k8sazurev2noprivilege", CONSTRAINTS, true),
        ("K8sAzureV2ContainerAllowedImages", "k8sazurev2containerallowedimages", CONSTRAINTS, true),
        ("K8sAzureV3HostFilesystem", "k8sazurev3hostfilesystem", CONSTRAINTS, true),
        ("Secret", "secrets", "v1", false),
        ("ConfigMap", "configmaps", "v1", false),
    ]);
    kinds
});

impl Cluster {
    /// The items of a `kubectl get -o json` List, served by kind.
    pub fn from_list(list: &Value, token: &str) -> Cluster {
        let mut cluster = Cluster { objects: BTreeMap::new(), token: token.to_string() };
        for item in list["items"].as_array().expect("a List") {
            cluster.add(item.clone());
        }
        cluster
    }

    pub fn add(&mut self, mut item: Value) {
        let kind = item["kind"].as_str().expect("items have a kind").to_string();
        let (_, plural, group_version, _) =
            KINDS.iter().find(|(k, ..)| *k == kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
        // The API does not repeat kind and apiVersion on list items of built-in kinds (kubectl
        // adds them); custom resources keep them.
        if *group_version != CONSTRAINTS {
            let object = item.as_object_mut().unwrap();
            object.remove("kind");
            object.remove("apiVersion");
        }
        self.objects.entry(plural.to_string()).or_default().push(item);
    }

    pub fn count(&self, plural: &str) -> usize {
        self.objects.get(plural).map_or(0, Vec::len)
    }

    pub fn serve(&self, request: &Request) -> Reply {
        if request.authorization.as_deref() != Some(&format!("Bearer {}", self.token)) {
            return Reply::status(401, "Unauthorized", "Unauthorized");
        }
        if request.path == "/version" {
            return Reply::json(200, json!({"major": "1", "minor": "33", "gitVersion": "v1.33.2"}).to_string());
        }
        if let Some(document) = discovery(&request.path) {
            return Reply::json(200, document.to_string());
        }
        match route(&request.path) {
            Some((plural, group_version, namespace)) => self.list(request, plural, group_version, namespace),
            None => Reply::status(404, "NotFound", "the server could not find the requested resource"),
        }
    }

    fn list(&self, request: &Request, plural: &str, group_version: &str, namespace: Option<&str>) -> Reply {
        let all = self.objects.get(plural).map(Vec::as_slice).unwrap_or_default();
        let selected: Vec<&Value> =
            all.iter().filter(|item| namespace.is_none_or(|ns| item["metadata"]["namespace"] == ns)).collect();
        let limit: usize = request.query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(usize::MAX);
        let start = request.query.get("continue").map_or(0, |token| decode_token(token));
        let end = start.saturating_add(limit).min(selected.len());
        let page = &selected[start.min(end)..end];
        let kind = KINDS.iter().find(|(_, p, ..)| *p == plural).unwrap().0;
        let mut metadata = json!({"resourceVersion": "12345"});
        if end < selected.len() {
            metadata["continue"] = Value::String(encode_token(end));
        }
        let body =
            json!({"kind": format!("{kind}List"), "apiVersion": group_version, "metadata": metadata, "items": page});
        Reply::json(200, body.to_string())
    }
}

/// Continue tokens are opaque; these carry characters that must be percent-encoded.
pub fn encode_token(offset: usize) -> String {
    format!("next+{offset}/=")
}

fn decode_token(token: &str) -> usize {
    token.trim_start_matches("next+").trim_end_matches("/=").parse().expect("a token this server issued")
}

/// The legacy discovery documents kubectl reads before it lists anything (aksguard reads none).
fn discovery(path: &str) -> Option<Value> {
    let group_versions: BTreeSet<&str> = KINDS.iter().map(|(_, _, gv, _)| *gv).collect();
    let resources = |group_version: &str| -> Value {
        let list: Vec<Value> = KINDS
            .iter()
            .filter(|(_, _, gv, _)| *gv == group_version)
            .map(|(kind, plural, _, cluster_scoped)| {
                json!({"name": plural, "singularName": kind.to_lowercase(), "kind": kind,
                       "namespaced": !cluster_scoped,
                       "verbs": ["get", "list"]})
            })
            .collect();
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list})
    };
    match path {
        "/api" => Some(json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})),
        "/apis" => {
            let groups: Vec<Value> = group_versions
                .iter()
                .filter_map(|gv| gv.split_once('/'))
                .map(|(group, version)| {
                    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
                    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
                })
                .collect();
            Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        "/api/v1" => Some(resources("v1")),
        _ => {
            let group_version = path.strip_prefix("/apis/")?;
            group_versions.contains(group_version).then(|| resources(group_version))
        }
    }
}

/// `/api/v1/pods`, `/apis/apps/v1/namespaces/shop/daemonsets` → (plural, group/version, namespace).
pub fn route(path: &str) -> Option<(&'static str, &'static str, Option<&str>)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group_version, rest) = match segments.as_slice() {
        ["api", "v1", rest @ ..] => ("v1".to_string(), rest),
        ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
        _ => return None,
    };
    let (plural, namespace) = match rest {
        [plural] => (*plural, None),
        ["namespaces", namespace, plural] => (*plural, Some(*namespace)),
        _ => return None,
    };
    let (_, plural, gv, _) = KINDS.iter().find(|(_, p, gv, _)| *p == plural && *gv == group_version)?;
    Some((plural, gv, namespace))
}
