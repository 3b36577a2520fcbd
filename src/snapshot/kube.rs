//! The security-relevant view of Kubernetes objects. Each type reads the JSON an API server
//! returns (and `kubectl get -o json` prints) and writes the same shape back, keeping only the
//! fields rules need. Fields that can hold secrets (env values, annotations such as
//! `last-applied-configuration`, Secret data) are not part of any type, so they are dropped on
//! read and can never reach a snapshot or a report.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;

/// Labels (and `matchLabels`): key-value pairs sorted by key, read and written as a JSON map.
/// A sorted `Vec` rather than a `BTreeMap`: objects carry a handful of labels, and a B-tree
/// allocates a whole node (about 540 bytes) for even one, which at 20,000 pods is most of the
/// memory a live audit needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&String>
    where
        String: Borrow<Q>,
    {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        String: Borrow<Q>,
    {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`; the value it replaces, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// In key order, as a map iterates.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        String: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| Borrow::<Q>::borrow(k).cmp(key))
    }
}

impl FromIterator<(String, String)> for Labels {
    /// A later pair for the same key wins, as with a map.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: equal keys keep their order, and the last of them is kept below.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut labels: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match labels.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => labels.push(pair),
            }
        }
        labels.shrink_to_fit();
        Labels(labels)
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of labels")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(pairs.into_iter().collect())
            }
        }
        deserializer.deserialize_map(LabelsVisitor)
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// `null` reads as the empty value (API servers omit, kubectl sometimes prints `null`).
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A value the API never sends as `null` (a pod's `containers`, a container's `image`): `null`
/// is an error, so that the object is unreadable rather than read as having none. Absent is
/// still the default (with `#[serde(default)]`).
fn never_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(d)
}

/// `never_null` for an optional value: absent is `None`, `null` an error.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A list, never `null`, holding no spare capacity (see [`exact_list`]).
fn exact_required_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut list: Vec<T> = never_null(d)?;
    list.shrink_to_fit();
    Ok(list)
}

/// A list, with `null` as the empty one, holding no spare capacity: a list read from JSON grows
/// to room for four items at least, and most of a pod's lists hold one or two.
fn exact_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut list: Vec<T> = null_as_default(d)?;
    list.shrink_to_fit();
    Ok(list)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
    /// Only the annotations rules read: AppArmor (`container.apparmor.security.beta.kubernetes.io/<container>`),
    /// [`INTERNAL_LOAD_BALANCER_ANNOTATION`] and [`INGRESS_HTTP_ANNOTATIONS`]; every other
    /// annotation is dropped on read, as some carry secrets.
    #[serde(deserialize_with = "kept_annotations", skip_serializing_if = "Labels::is_empty")]
    pub annotations: Labels,
}

/// The annotation prefix of the AppArmor profile of one container (before Kubernetes 1.30).
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The annotation that makes a LoadBalancer Service internal on AKS.
pub const INTERNAL_LOAD_BALANCER_ANNOTATION: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";

/// The annotations of an Ingress that say whether plain HTTP stays open (`ingress-https`).
pub const INGRESS_HTTP_ANNOTATIONS: &[&str] = &[
    "kubernetes.io/ingress.allow-http",
    "kubernetes.io/ingress.class",
    "nginx.ingress.kubernetes.io/ssl-redirect",
    "nginx.ingress.kubernetes.io/force-ssl-redirect",
    "appgw.ingress.kubernetes.io/ssl-redirect",
];

/// An annotation a rule reads (everything else is skipped unread).
fn is_kept_annotation(key: &str) -> bool {
    key.starts_with(APPARMOR_ANNOTATION_PREFIX)
        || key == INTERNAL_LOAD_BALANCER_ANNOTATION
        || INGRESS_HTTP_ANNOTATIONS.contains(&key)
}

/// Keeps the annotations rules read of an `annotations` map and skips the rest unread.
fn kept_annotations<'de, D: Deserializer<'de>>(d: D) -> Result<Labels, D::Error> {
    struct AppArmorVisitor;
    impl<'de> Visitor<'de> for AppArmorVisitor {
        type Value = Labels;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of annotations")
        }
        fn visit_unit<E>(self) -> Result<Labels, E> {
            Ok(Labels::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
            let mut kept = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                match is_kept_annotation(&key) {
                    true => kept.push((key, map.next_value::<String>()?)),
                    false => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            Ok(kept.into_iter().collect())
        }
    }
    d.deserialize_option(OptionMap(AppArmorVisitor))
}

/// `null` or a map, handed to the inner visitor.
struct OptionMap<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptionMap<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_map(self.0)
    }
}

impl ObjectMeta {
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    /// The controlling owner (the one with `controller: true`), else the first owner.
    pub fn controller(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|owner| owner.controller).or_else(|| self.owner_references.first())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "is_false")]
    pub controller: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Namespace {
    pub metadata: ObjectMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

impl Pod {
    /// Pods that still run or are about to: not `Succeeded` or `Failed`.
    pub fn is_running(&self) -> bool {
        !matches!(self.status.phase.as_deref(), Some("Succeeded") | Some("Failed"))
    }

    /// The ServiceAccount it runs as (`default` when the pod names none).
    pub fn service_account(&self) -> &str {
        self.spec.service_account_name.as_deref().filter(|name| !name.is_empty()).unwrap_or("default")
    }

    /// The same pod but for its name and status: what replicas of one template share, and all a
    /// template check ([`crate::rules::helpers::PodFields::Template`]) may read.
    pub fn same_template(&self, other: &Pod) -> bool {
        // Destructured, so that a field added to either type must be placed on one side here.
        let Pod { metadata, spec, status: _ } = self;
        let ObjectMeta { name: _, namespace, labels, owner_references, annotations } = metadata;
        let theirs = &other.metadata;
        *spec == other.spec
            && *namespace == theirs.namespace
            && *labels == theirs.labels
            && *owner_references == theirs.owner_references
            && *annotations == theirs.annotations
    }

    /// Regular, init and ephemeral containers alike: admission checks them all.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.spec.init_containers.iter().chain(&self.spec.containers).chain(&self.spec.ephemeral_containers)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The image each container runs, by digest: what Defender's vulnerability findings join on.
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
}

/// A container's status: only which image it runs. State, restarts and messages are not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `contosoacr.azurecr.io/app@sha256:...` (containerd) or `docker-pullable://...@sha256:...`.
    #[serde(rename = "imageID", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(skip_serializing_if = "is_false")]
    pub host_network: bool,
    #[serde(rename = "hostPID", skip_serializing_if = "is_false")]
    pub host_pid: bool,
    #[serde(rename = "hostIPC", skip_serializing_if = "is_false")]
    pub host_ipc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    #[serde(deserialize_with = "exact_required_list")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub ephemeral_containers: Vec<Container>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// The ServiceAccount the pod runs as; `default` when absent, as the API server sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Box<Affinity>>,
    /// Only whether constraints exist matters; their settings are skipped unread.
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<Present>,
    /// `spec.os.name` (`linux`, `windows`), when the pod declares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Box<PodOs>>,
}

/// A block whose presence is what matters (a probe, a topology spread constraint, an anti-affinity
/// term): its fields are skipped unread and it is written back as `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Present {}

/// Only a JSON object is a block: an array or a scalar in its place is refused, not read by position.
impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PresentVisitor;
        impl<'de> Visitor<'de> for PresentVisitor {
            type Value = Present;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Present, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Present {})
            }
        }
        deserializer.deserialize_map(PresentVisitor)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Affinity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_anti_affinity: Option<PodAntiAffinity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodAntiAffinity {
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub required_during_scheduling_ignored_during_execution: Vec<Present>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<Present>,
}

impl PodAntiAffinity {
    pub fn has_terms(&self) -> bool {
        !self.required_during_scheduling_ignored_during_execution.is_empty()
            || !self.preferred_during_scheduling_ignored_during_execution.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PodOs {
    pub name: String,
}

/// SELinux labels; `level` is not modelled (no policy restricts it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeLinuxOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub label_type: Option<String>,
}

/// `securityContext.appArmorProfile` (Kubernetes 1.30 and later).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppArmorProfile {
    #[serde(rename = "type")]
    pub profile_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WindowsOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_process: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sysctl {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSecurityContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seccomp_profile: Option<SeccompProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub supplemental_groups: Vec<i64>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub sysctls: Vec<Sysctl>,
    #[serde(rename = "seLinuxOptions", skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<Box<SeLinuxOptions>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_armor_profile: Option<Box<AppArmorProfile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_options: Option<Box<WindowsOptions>>,
}

/// A container: its name, image and security settings. `env`, `envFrom`, `command` and `args`
/// are deliberately absent (they may carry secrets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Present>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Present>,
    /// Only the mounts of the service account token directory; other mounts are skipped unread.
    #[serde(deserialize_with = "token_mounts", skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

/// Where Kubernetes mounts a pod's service account token (and `kubectl` reads it back from).
pub const SERVICE_ACCOUNT_TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
}

/// Keeps the mounts of the service account token directory.
fn token_mounts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<VolumeMount>, D::Error> {
    let mut mounts: Vec<VolumeMount> = null_as_default(d)?;
    mounts.retain(|m| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_TOKEN_PATH);
    mounts.shrink_to_fit();
    Ok(mounts)
}

/// CPU and memory requests and limits, as quantities (`100m`, `128Mi`); other resources are
/// skipped unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "CpuMemory::is_empty")]
    pub requests: CpuMemory,
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "CpuMemory::is_empty")]
    pub limits: CpuMemory,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CpuMemory {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
}

impl CpuMemory {
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

/// A resource quantity: the API writes strings (`"500m"`), hand-written manifests often numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    Text(String),
    Number(serde_json::Number),
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Quantity::Text(text) => f.write_str(text),
            Quantity::Number(number) => write!(f, "{number}"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerPort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_privilege_escalation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seccomp_profile: Option<SeccompProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    #[serde(rename = "seLinuxOptions", skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<Box<SeLinuxOptions>>,
    /// `Default` or `Unmasked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proc_mount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_armor_profile: Option<Box<AppArmorProfile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_options: Option<Box<WindowsOptions>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeccompProfile {
    #[serde(rename = "type")]
    pub profile_type: String,
}

/// A pod volume: its name, its source type (`emptyDir`, `hostPath`, `configMap`, ...) and, for
/// `hostPath`, the path. The source's other settings are skipped unread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Volume {
    pub name: String,
    pub source: String,
    pub host_path: Option<String>,
    /// For `flexVolume`, the driver (`vendor/driver`).
    pub flex_volume_driver: Option<String>,
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;
        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a pod volume")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Volume, A::Error> {
                #[derive(Deserialize)]
                struct HostPath {
                    path: Option<String>,
                }
                #[derive(Deserialize)]
                struct FlexVolume {
                    driver: Option<String>,
                }
                let mut volume = Volume::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" => volume.name = map.next_value()?,
                        "hostPath" => {
                            let host_path: Option<HostPath> = map.next_value()?;
                            volume.host_path = Some(host_path.and_then(|h| h.path).unwrap_or_default());
                            volume.source = key;
                        }
                        "flexVolume" => {
                            let flex: Option<FlexVolume> = map.next_value()?;
                            volume.flex_volume_driver = Some(flex.and_then(|f| f.driver).unwrap_or_default());
                            volume.source = key;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            volume.source = key;
                        }
                    }
                }
                Ok(volume)
            }
        }
        deserializer.deserialize_map(VolumeVisitor)
    }
}

impl Serialize for Volume {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        match &self.host_path {
            Some(path) => map.serialize_entry("hostPath", &BTreeMap::from([("path", path)]))?,
            None if self.flex_volume_driver.is_some() => {
                map.serialize_entry("flexVolume", &BTreeMap::from([("driver", &self.flex_volume_driver)]))?
            }
            None if !self.source.is_empty() => map.serialize_entry(&self.source, &BTreeMap::<(), ()>::new())?,
            None => {}
        }
        map.end()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkPolicy {
    pub metadata: ObjectMeta,
    pub spec: NetworkPolicySpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    pub pod_selector: LabelSelector,
    /// Absent means `["Ingress"]`, plus `"Egress"` when egress rules are present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_types: Option<Vec<String>>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<NetworkPolicyRule>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<NetworkPolicyRule>,
}

impl NetworkPolicySpec {
    /// The policy types in force, with the API's defaulting applied.
    pub fn affects(&self, policy_type: &str) -> bool {
        match &self.policy_types {
            Some(types) => types.iter().any(|t| t.eq_ignore_ascii_case(policy_type)),
            None => policy_type == "Ingress" || (policy_type == "Egress" && !self.egress.is_empty()),
        }
    }
}

/// An ingress or egress rule; `from` (ingress) and `to` (egress) are both read into `peers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkPolicyRule {
    #[serde(alias = "from", alias = "to", deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<NetworkPolicyPeer>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<NetworkPolicyPort>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkPolicyPeer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpBlock {
    pub cidr: String,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkPolicyPort {
    /// `TCP` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A number or a named port; absent means every port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i32),
    String(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Labels::is_empty")]
    pub match_labels: Labels,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// `{}`: selects everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Kubernetes label-selector semantics: every `matchLabels` pair and every expression holds.
    /// An unknown operator matches nothing, as the API server would reject it.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(key, value)| labels.get(key) == Some(value))
            && self.match_expressions.iter().all(|requirement| requirement.matches(labels))
    }
}

impl LabelSelectorRequirement {
    fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator.as_str() {
            "In" => value.is_some_and(|v| self.values.contains(v)),
            "NotIn" => value.is_none_or(|v| !self.values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DaemonSet {
    pub metadata: ObjectMeta,
    pub status: DaemonSetStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DaemonSetStatus {
    pub desired_number_scheduled: i64,
    pub number_ready: i64,
}

impl DaemonSet {
    /// Every scheduled pod is ready (and at least one is scheduled).
    pub fn is_fully_ready(&self) -> bool {
        self.status.desired_number_scheduled > 0 && self.status.number_ready >= self.status.desired_number_scheduled
    }
}

/// A Service: how a set of pods is exposed (cluster-internal, on node ports, or on a load balancer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceSpec {
    /// `ClusterIP` when absent, as the API server defaults it.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Labels::is_empty")]
    pub selector: Labels,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    #[serde(rename = "externalIPs", deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub external_ips: Vec<String>,
}

impl Service {
    pub fn service_type(&self) -> &str {
        self.spec.service_type.as_deref().unwrap_or("ClusterIP")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub port: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

/// An Ingress: HTTP(S) routes into the cluster; `tls` lists the hosts it serves over HTTPS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ingress {
    pub metadata: ObjectMeta,
    pub spec: IngressSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IngressSpec {
    /// The controller that serves it (`webapprouting.kubernetes.azure.com`, `azure-application-gateway`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress_class_name: Option<String>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<IngressTls>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<IngressRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IngressTls {
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngressRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// A ServiceAccount: only whether pods using it get its token mounted by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}

/// A Role or ClusterRole: the verbs it allows on which resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "exact_list")]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    #[serde(rename = "nonResourceURLs", deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

/// A StorageClass: which provisioner creates its volumes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageClass {
    pub metadata: ObjectMeta,
    pub provisioner: String,
}

/// A ClusterRoleBinding: who gets which ClusterRole cluster-wide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterRoleBinding {
    pub metadata: ObjectMeta,
    pub role_ref: RoleRef,
    #[serde(deserialize_with = "exact_list")]
    pub subjects: Vec<Subject>,
}

/// A RoleBinding: who gets a Role or ClusterRole within one namespace (same shape as the cluster-wide one).
pub type RoleBinding = ClusterRoleBinding;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

/// A User, Group or ServiceAccount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A Gatekeeper constraint (`constraints.gatekeeper.sh`): each policy is a kind of its own, and
/// `enforcementAction` says whether it denies (`deny`, the default) or only audits (`dryrun`, `warn`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Constraint {
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ConstraintSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConstraintSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement_action: Option<String>,
}

impl Constraint {
    pub fn enforcement_action(&self) -> &str {
        self.spec.enforcement_action.as_deref().unwrap_or("deny")
    }
}

// ---- Nodes and PodDisruptionBudgets (patching and upgrade readiness) ----

/// The node label AKS sets to the node image the node runs (`AKSUbuntu-2204gen2containerd-202411.12.0`).
pub const NODE_IMAGE_LABEL: &str = "kubernetes.azure.com/node-image-version";
/// The node label naming the AKS agent pool the node belongs to.
pub const AGENT_POOL_LABEL: &str = "kubernetes.azure.com/agentpool";

/// A node: its labels (agent pool, node image), whether it is cordoned, its kubelet version and
/// its conditions. Addresses, capacity and images are not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    pub metadata: ObjectMeta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

impl Node {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.metadata.labels.get(key).map(String::as_str)
    }

    /// The agent pool, from AKS's label (or the older `agentpool` label).
    pub fn agent_pool(&self) -> Option<&str> {
        self.label(AGENT_POOL_LABEL).or_else(|| self.label("agentpool"))
    }

    pub fn condition(&self, condition_type: &str) -> Option<&NodeCondition> {
        self.status.conditions.iter().find(|c| c.condition_type == condition_type)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeSpec {
    #[serde(skip_serializing_if = "is_false")]
    pub unschedulable: bool,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Taint {
    pub key: String,
    pub effect: String,
    /// Only set for `NoExecute` taints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_added: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeStatus {
    pub node_info: NodeInfo,
    #[serde(deserialize_with = "exact_list", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<NodeCondition>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubelet_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeCondition {
    #[serde(rename = "type")]
    pub condition_type: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// A PodDisruptionBudget: what it selects, what it demands, and what the disruption controller
/// computed (`status`), which is what a node drain obeys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PodDisruptionBudget {
    pub metadata: ObjectMeta,
    pub spec: PodDisruptionBudgetSpec,
    pub status: PodDisruptionBudgetStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodDisruptionBudgetSpec {
    /// `None` selects no pod; `{}` selects every pod of the namespace (policy/v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodDisruptionBudgetStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disruptions_allowed: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_pods: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_healthy: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_healthy: Option<i32>,
}

/// An object read only for its metadata: ReplicaSets and Jobs (owner references, to resolve a
/// pod to the Deployment or CronJob that owns it), webhook configurations (their names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnedObject {
    pub metadata: ObjectMeta,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Replicas differ in name and status only; any other difference is another template.
    #[test]
    fn replicas_share_a_template_and_any_other_difference_makes_another() {
        let pod = |name: &str, phase: &str, label: &str, image: &str| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop", "labels": {"app": label},
                             "ownerReferences": [{"kind": "ReplicaSet", "name": "web-1", "controller": true}]},
                "spec": {"containers": [{"name": "c", "image": image}]},
                "status": {"phase": phase}
            }))
            .unwrap()
        };
        let first = pod("web-a", "Running", "web", "nginx:1");
        assert!(first.same_template(&pod("web-b", "Pending", "web", "nginx:1")));
        assert!(!first.same_template(&pod("web-a", "Running", "other", "nginx:1")), "labels");
        assert!(!first.same_template(&pod("web-a", "Running", "web", "nginx:2")), "spec");
        let mut elsewhere = first.clone();
        elsewhere.metadata.namespace = Some("blog".into());
        assert!(!first.same_template(&elsewhere), "namespace");
        let mut annotated = first.clone();
        annotated.metadata.annotations = Labels(vec![("a".into(), "b".into())]);
        assert!(!first.same_template(&annotated), "annotations");
        let mut orphan = first.clone();
        orphan.metadata.owner_references.clear();
        assert!(!first.same_template(&orphan), "owners");
    }

    #[test]
    fn pod_keeps_security_fields_and_drops_env_and_annotations() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ns", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "CANARY"}},
            "spec": {
                "hostNetwork": true,
                "containers": [{"name": "c", "image": "nginx", "env": [{"name": "PASSWORD", "value": "CANARY"}],
                                "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}}}],
                "volumes": [{"name": "root", "hostPath": {"path": "/", "type": ""}}, {"name": "tmp", "emptyDir": {}},
                            {"name": "s", "secret": {"secretName": "CANARY"}}]
            },
            "status": {"phase": "Running"}
        }))
        .unwrap();
        assert!(pod.spec.host_network);
        assert_eq!(pod.spec.volumes[0].host_path.as_deref(), Some("/"));
        assert_eq!(pod.spec.volumes[1].source, "emptyDir");
        let written = serde_json::to_string(&pod).unwrap();
        assert!(!written.contains("CANARY"), "{written}");
        let again: Pod = serde_json::from_str(&written).unwrap();
        assert_eq!(again, pod);
    }

    #[test]
    fn node_and_pdb_keep_what_upgrade_rules_need() {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": "n1", "labels": {"kubernetes.azure.com/agentpool": "pool1"}, "annotations": {"a": "CANARY"}},
            "spec": {"unschedulable": true, "providerID": "azure:///x"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.30.4", "osImage": "Ubuntu"},
                       "addresses": [{"type": "InternalIP", "address": "10.0.0.4"}],
                       "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-01-01T00:00:00Z", "message": "m"}]}
        }))
        .unwrap();
        assert_eq!(node.agent_pool(), Some("pool1"));
        assert!(node.spec.unschedulable);
        assert_eq!(node.condition("Ready").map(|c| c.status.as_str()), Some("False"));
        assert!(!serde_json::to_string(&node).unwrap().contains("CANARY"));

        let pdb: PodDisruptionBudget = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": "50%"},
            "status": {"disruptionsAllowed": 0, "expectedPods": 2, "currentHealthy": 1, "desiredHealthy": 1}
        }))
        .unwrap();
        assert_eq!(pdb.spec.min_available, Some(IntOrString::String("50%".into())));
        assert_eq!(pdb.status.disruptions_allowed, Some(0));
        let again: PodDisruptionBudget = serde_json::from_str(&serde_json::to_string(&pdb).unwrap()).unwrap();
        assert_eq!(again, pdb);
    }

    #[test]
    fn labels_read_and_write_as_a_sorted_map() {
        let mut labels: Labels = serde_json::from_str(r#"{"tier": "a", "app": "x", "tier": "b"}"#).unwrap();
        assert_eq!(labels.get("tier").map(String::as_str), Some("b"), "a repeated key: the last value wins");
        assert_eq!((labels.len(), labels.contains_key("app"), labels.get("nope")), (2, true, None));
        assert_eq!(labels.insert("app".into(), "y".into()).as_deref(), Some("x"));
        assert_eq!(labels.insert("role".into(), "db".into()), None);
        assert_eq!(serde_json::to_string(&labels).unwrap(), r#"{"app":"y","role":"db","tier":"b"}"#);
        assert_eq!(serde_json::from_str::<Labels>("{}").unwrap(), Labels::default());
    }

    #[test]
    fn selector_semantics() {
        let labels: Labels = [("app".to_string(), "web".to_string())].into();
        let selector = |v: serde_json::Value| serde_json::from_value::<LabelSelector>(v).unwrap();
        assert!(selector(json!({})).matches(&labels));
        assert!(selector(json!({"matchLabels": {"app": "web"}})).matches(&labels));
        assert!(!selector(json!({"matchLabels": {"app": "db"}})).matches(&labels));
        assert!(
            selector(json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "x"]}]}))
                .matches(&labels)
        );
        assert!(
            !selector(json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}))
                .matches(&labels)
        );
        assert!(selector(json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})).matches(&labels));
        assert!(!selector(json!({"matchExpressions": [{"key": "tier", "operator": "Exists"}]})).matches(&labels));
        assert!(!selector(json!({"matchExpressions": [{"key": "app", "operator": "Bogus"}]})).matches(&labels));
    }

    #[test]
    fn policy_types_default_like_the_api() {
        let spec: NetworkPolicySpec =
            serde_json::from_value(json!({"podSelector": {}, "egress": [{"to": []}]})).unwrap();
        assert!(spec.affects("Ingress") && spec.affects("Egress"));
        let spec: NetworkPolicySpec = serde_json::from_value(json!({"podSelector": {}})).unwrap();
        assert!(spec.affects("Ingress") && !spec.affects("Egress"));
    }
}
