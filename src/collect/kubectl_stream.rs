//! Reads a `kubectl get -o json` document in one pass, a chunk of the file at a time.
//!
//! A list of 100,000 pods is a gigabyte of JSON. Each item is read once, straight into the view
//! of its kind, and handed on; the file is read through a small buffer ([`super::chunks`]), so
//! its text and the objects read from it are never in memory together. kubectl prints keys
//! sorted, so an object's `kind` comes before its `metadata`, `spec` and `status`, which are then
//! read directly into the typed view (its other fields, secret ones included, are skipped
//! unread). Fields that come before `kind` (another tool's key order) are kept as raw text and
//! read once the kind is known. Items of a typed list (`PodList`) carry no kind of their own:
//! the list's `kind` names it, and when that comes after the items they are handed back unread
//! ([`Item::Untyped`]) for the caller to finish.

use super::chunks::{ChunkError, Chunks};
use super::kubectl_files::{CONSTRAINTS_GROUP, Kind};
use crate::snapshot::kube::{
    ClusterRoleBinding, Constraint, DaemonSet, Namespace, NetworkPolicy, Node, ObjectMeta, OwnedObject, Pod,
    PodDisruptionBudget,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;
use std::fmt;
use std::io::Read;

/// An object of a kind aksguard reads, in its typed view.
pub enum Object {
    Namespace(Namespace),
    Pod(Pod),
    NetworkPolicy(NetworkPolicy),
    DaemonSet(DaemonSet),
    ReplicaSet(OwnedObject),
    Job(OwnedObject),
    Node(Node),
    PodDisruptionBudget(PodDisruptionBudget),
    ClusterRoleBinding(ClusterRoleBinding),
    ValidatingWebhookConfiguration(OwnedObject),
    Constraint(Constraint),
}

impl Object {
    fn empty(kind: Kind) -> Object {
        match kind {
            Kind::Namespace => Object::Namespace(Namespace::default()),
            Kind::Pod => Object::Pod(Pod::default()),
            Kind::NetworkPolicy => Object::NetworkPolicy(NetworkPolicy::default()),
            Kind::DaemonSet => Object::DaemonSet(DaemonSet::default()),
            Kind::ReplicaSet => Object::ReplicaSet(OwnedObject::default()),
            Kind::Job => Object::Job(OwnedObject::default()),
            Kind::Node => Object::Node(Node::default()),
            Kind::PodDisruptionBudget => Object::PodDisruptionBudget(PodDisruptionBudget::default()),
            Kind::ClusterRoleBinding => Object::ClusterRoleBinding(ClusterRoleBinding::default()),
            Kind::ValidatingWebhookConfiguration => Object::ValidatingWebhookConfiguration(OwnedObject::default()),
            Kind::Constraint => Object::Constraint(Constraint::default()),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::Pod(_) => Kind::Pod,
            Object::NetworkPolicy(_) => Kind::NetworkPolicy,
            Object::DaemonSet(_) => Kind::DaemonSet,
            Object::ReplicaSet(_) => Kind::ReplicaSet,
            Object::Job(_) => Kind::Job,
            Object::Node(_) => Kind::Node,
            Object::PodDisruptionBudget(_) => Kind::PodDisruptionBudget,
            Object::ClusterRoleBinding(_) => Kind::ClusterRoleBinding,
            Object::ValidatingWebhookConfiguration(_) => Kind::ValidatingWebhookConfiguration,
            Object::Constraint(_) => Kind::Constraint,
        }
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Namespace(o) => &mut o.metadata,
            Object::Pod(o) => &mut o.metadata,
            Object::NetworkPolicy(o) => &mut o.metadata,
            Object::DaemonSet(o) => &mut o.metadata,
            Object::ReplicaSet(o) | Object::Job(o) | Object::ValidatingWebhookConfiguration(o) => &mut o.metadata,
            Object::Node(o) => &mut o.metadata,
            Object::PodDisruptionBudget(o) => &mut o.metadata,
            Object::ClusterRoleBinding(o) => &mut o.metadata,
            Object::Constraint(o) => &mut o.metadata,
        }
    }
}

/// What an object's `kind` says: one aksguard reads, or another (`Secret`, `List`, `PodList`).
#[derive(Debug, Clone, PartialEq)]
pub enum KindName {
    Known(Kind),
    Other(String),
}

impl KindName {
    fn new(name: &str) -> KindName {
        Kind::from_kind(name).map_or_else(|| KindName::Other(name.to_string()), KindName::Known)
    }

    pub fn name(&self) -> &str {
        match self {
            KindName::Known(kind) => kind.name(),
            KindName::Other(name) => name,
        }
    }

    /// A kind aksguard does not know by name may still be one it reads by API group: every kind of
    /// `constraints.gatekeeper.sh` is a Gatekeeper constraint.
    fn with_api_version(self, api_version: Option<&str>) -> KindName {
        match self {
            KindName::Other(_) if api_version.is_some_and(|v| v.starts_with(CONSTRAINTS_GROUP)) => {
                KindName::Known(Kind::Constraint)
            }
            other => other,
        }
    }

    /// The kind of a typed list's items (`PodList` → `Pod`); `None` for a `List` of mixed kinds.
    pub fn item_kind(&self) -> Option<KindName> {
        let KindName::Other(name) = self else { return None };
        name.strip_suffix("List").filter(|kind| !kind.is_empty()).map(KindName::new)
    }
}

impl<'de> Deserialize<'de> for KindName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl Visitor<'_> for KindVisitor {
            type Value = KindName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a kind name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<KindName, E> {
                Ok(KindName::new(name))
            }
        }
        deserializer.deserialize_str(KindVisitor)
    }
}

/// One item of a list, as it is handed to the caller.
// One item exists at a time, moved straight into its Vec: boxing it would allocate per object.
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Object(Object),
    /// A kind aksguard does not read: nothing of it was kept.
    Skipped(String),
    /// An item with no `kind`, met before the list said its kind: its fields, unread.
    Untyped(RawFields),
}

/// The fields of an object whose kind was not known yet, as raw JSON.
#[derive(Default)]
pub struct RawFields {
    fields: Vec<(Field, Box<RawValue>)>,
}

impl RawFields {
    /// Reads the fields into an object of `kind`.
    pub fn into_object(self, kind: Kind) -> serde_json::Result<Object> {
        let mut object = Object::empty(kind);
        for (field, raw) in self.fields {
            FieldSeed { field, object: &mut object }.deserialize(&mut serde_json::Deserializer::from_str(raw.get()))?;
        }
        Ok(object)
    }
}

/// The top-level facts of a document; its objects went to the caller's sink as they were read.
pub struct Document {
    pub kind: Option<KindName>,
    /// ARM's `type` (`Microsoft.ContainerService/managedClusters`): az output passed by mistake.
    pub resource_type: Option<String>,
    /// How many `items` it has; `None` when it is a single object (already handed to the sink).
    pub items: Option<usize>,
}

/// A document that could not be read: the source failed, or its JSON is invalid or does not fit
/// (`Data`, with the kind of the object being read).
pub enum ReadError {
    Io(std::io::Error),
    Json { category: Category, message: String, kind: Option<KindName> },
}

/// Reads the JSON document from `source`, handing each object (or list item) to `sink` as soon
/// as it is complete.
pub fn read(source: impl Read, sink: &mut dyn FnMut(Item)) -> Result<Document, ReadError> {
    read_chunks(&mut Chunks::new(source), sink)
}

fn read_chunks<R: Read>(chunks: &mut Chunks<R>, sink: &mut dyn FnMut(Item)) -> Result<Document, ReadError> {
    let mut state = State { sink, current: None };
    read_document(chunks, &mut state).map_err(|err| match err {
        ChunkError::Io(err) => ReadError::Io(err),
        ChunkError::Json { category, message } => ReadError::Json { category, message, kind: state.current.take() },
    })
}

struct State<'s> {
    sink: &'s mut dyn FnMut(Item),
    /// The kind of the object being read, for error messages.
    current: Option<KindName>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    #[serde(rename = "apiVersion")]
    ApiVersion,
    Kind,
    Metadata,
    Spec,
    Status,
    #[serde(rename = "roleRef")]
    RoleRef,
    Subjects,
    Items,
    Type,
    #[serde(other)]
    Other,
}

/// How far an object is read.
#[allow(clippy::large_enum_variant)] // as for `Item`: one at a time, no allocation per object
enum Progress {
    /// Its kind is not known yet: fields are kept raw.
    Unknown(RawFields),
    /// A kind aksguard reads: fields go straight into the view.
    Reading(Object),
    /// A kind aksguard does not read: fields are skipped.
    Skipping(String),
}

impl Progress {
    fn new(kind: Option<KindName>) -> Self {
        match kind {
            None => Progress::Unknown(RawFields::default()),
            Some(KindName::Known(kind)) => Progress::Reading(Object::empty(kind)),
            Some(KindName::Other(name)) => Progress::Skipping(name),
        }
    }

    fn kind(&self) -> Option<KindName> {
        match self {
            Progress::Unknown(_) => None,
            Progress::Reading(object) => Some(KindName::Known(object.kind())),
            Progress::Skipping(name) => Some(KindName::Other(name.clone())),
        }
    }

    /// The kind is known now (`api_version` when it came first, as kubectl and the API print
    /// it): fields kept raw until then are read.
    fn learn<E: de::Error>(&mut self, kind: KindName, api_version: Option<&str>, state: &mut State) -> Result<(), E> {
        let name = kind.name().to_string();
        let kind = kind.with_api_version(api_version);
        state.current = Some(kind.clone());
        let Progress::Unknown(raw) = self else { return Ok(()) };
        let raw = std::mem::take(raw);
        *self = match kind {
            KindName::Known(kind) => {
                let mut object = raw.into_object(kind).map_err(E::custom)?;
                // A constraint's kind names its policy (`K8sAzureV2NoPrivilege`): keep it.
                if let Object::Constraint(constraint) = &mut object {
                    constraint.kind = name;
                }
                Progress::Reading(object)
            }
            KindName::Other(name) => Progress::Skipping(name),
        };
        Ok(())
    }

    /// Reads `metadata`, `spec` or `status`: into the view, kept raw, or skipped.
    fn read<'de, D: Deserializer<'de>>(&mut self, field: Field, deserializer: D) -> Result<(), D::Error> {
        match self {
            Progress::Unknown(raw) => raw.fields.push((field, Deserialize::deserialize(deserializer)?)),
            Progress::Reading(object) => FieldSeed { field, object }.deserialize(deserializer)?,
            Progress::Skipping(_) => drop(IgnoredAny::deserialize(deserializer)?),
        }
        Ok(())
    }

    fn into_item(self) -> Item {
        match self {
            Progress::Unknown(raw) => Item::Untyped(raw),
            Progress::Reading(object) => Item::Object(object),
            Progress::Skipping(name) => Item::Skipped(name),
        }
    }
}

/// Reads an object's `metadata`, `spec` or `status` into its typed view; what the view does not
/// model is skipped.
struct FieldSeed<'o> {
    field: Field,
    object: &'o mut Object,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match (self.field, self.object) {
            (Field::Metadata, object) => *object.metadata_mut() = ObjectMeta::deserialize(deserializer)?,
            (Field::Spec, Object::Pod(pod)) => pod.spec = Deserialize::deserialize(deserializer)?,
            (Field::Spec, Object::NetworkPolicy(policy)) => policy.spec = Deserialize::deserialize(deserializer)?,
            (Field::Status, Object::Pod(pod)) => pod.status = Deserialize::deserialize(deserializer)?,
            (Field::Status, Object::DaemonSet(set)) => set.status = Deserialize::deserialize(deserializer)?,
            (Field::Spec, Object::Node(node)) => node.spec = Deserialize::deserialize(deserializer)?,
            (Field::Status, Object::Node(node)) => node.status = Deserialize::deserialize(deserializer)?,
            (Field::Spec, Object::PodDisruptionBudget(pdb)) => pdb.spec = Deserialize::deserialize(deserializer)?,
            (Field::Status, Object::PodDisruptionBudget(pdb)) => pdb.status = Deserialize::deserialize(deserializer)?,
            (Field::Spec, Object::Constraint(constraint)) => constraint.spec = Deserialize::deserialize(deserializer)?,
            (Field::RoleRef, Object::ClusterRoleBinding(binding)) => {
                binding.role_ref = Deserialize::deserialize(deserializer)?
            }
            (Field::Subjects, Object::ClusterRoleBinding(binding)) => {
                binding.subjects = Option::deserialize(deserializer)?.unwrap_or_default()
            }
            _ => drop(IgnoredAny::deserialize(deserializer)?),
        }
        Ok(())
    }
}

/// The document's top level, walked by hand so that each list item is parsed on its own.
fn read_document<R: Read>(chunks: &mut Chunks<R>, state: &mut State) -> Result<Document, ChunkError> {
    let mut progress = Progress::new(None);
    let mut api_version: Option<String> = None;
    let mut document = Document { kind: None, resource_type: None, items: None };
    chunks.expect(b"{", "a Kubernetes object or list (`{`)")?;
    if chunks.peek()? == Some(b'}') {
        chunks.expect(b"}", "`}`")?;
    } else {
        loop {
            let field = chunks.value(|d| Field::deserialize(d))?;
            chunks.expect(b":", "`:`")?;
            match field {
                Field::ApiVersion => api_version = chunks.value(|d| Option::<String>::deserialize(d))?,
                Field::Kind if matches!(progress, Progress::Unknown(_)) => {
                    if let Some(kind) = chunks.value(|d| Option::<KindName>::deserialize(d))? {
                        progress
                            .learn::<serde_json::Error>(kind, api_version.as_deref(), state)
                            .map_err(|err| ChunkError::Json { category: Category::Data, message: err.to_string() })?;
                    }
                }
                Field::Metadata | Field::Spec | Field::Status | Field::RoleRef | Field::Subjects => {
                    chunks.value(|d| progress.read(field, d))?
                }
                Field::Items => {
                    let kind = progress.kind().and_then(|kind| kind.item_kind());
                    document.items = read_items(chunks, kind, state)?;
                }
                Field::Type => document.resource_type = chunks.value(|d| Option::<String>::deserialize(d))?,
                _ => drop(chunks.value(|d| IgnoredAny::deserialize(d))?),
            }
            if chunks.expect(b",}", "`,` or `}`")? == b'}' {
                break;
            }
        }
    }
    chunks.end()?;
    document.kind = progress.kind();
    if document.items.is_none() && document.kind.is_some() {
        (state.sink)(progress.into_item());
    }
    Ok(document)
}

/// A list's `items` (`null` reads as none), each handed to the sink once read.
fn read_items<R: Read>(
    chunks: &mut Chunks<R>,
    kind: Option<KindName>,
    state: &mut State,
) -> Result<Option<usize>, ChunkError> {
    if chunks.peek()? == Some(b'n') {
        chunks.value(|d| <()>::deserialize(d))?;
        return Ok(None);
    }
    chunks.expect(b"[", "a list of Kubernetes objects (`[`)")?;
    let mut count = 0;
    if chunks.peek()? == Some(b']') {
        chunks.expect(b"]", "`]`")?;
        return Ok(Some(count));
    }
    loop {
        chunks.value(|d| ItemSeed { kind: kind.clone(), state: &mut *state }.deserialize(d))?;
        count += 1;
        if chunks.expect(b",]", "`,` or `]`")? == b']' {
            return Ok(Some(count));
        }
    }
}

/// Reads an item's fields.
fn read_fields<'de, A: MapAccess<'de>>(
    map: &mut A,
    given_kind: Option<KindName>,
    state: &mut State,
) -> Result<Progress, A::Error> {
    let mut progress = Progress::new(given_kind);
    let mut api_version: Option<String> = None;
    while let Some(field) = map.next_key::<Field>()? {
        match field {
            Field::ApiVersion => api_version = map.next_value()?,
            Field::Kind if matches!(progress, Progress::Unknown(_)) => {
                if let Some(kind) = map.next_value::<Option<KindName>>()? {
                    progress.learn(kind, api_version.as_deref(), state)?;
                }
            }
            Field::Metadata | Field::Spec | Field::Status | Field::RoleRef | Field::Subjects => {
                map.next_value_seed(ProgressSeed { progress: &mut progress, field })?
            }
            _ => drop(map.next_value::<IgnoredAny>()?),
        }
    }
    Ok(progress)
}

/// [`Progress::read`] as a seed, for a field met inside an item.
struct ProgressSeed<'p> {
    progress: &'p mut Progress,
    field: Field,
}

impl<'de> DeserializeSeed<'de> for ProgressSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.progress.read(self.field, deserializer)
    }
}

/// One list item. The sink gets it only once it is read whole, so a parse that
/// [`Chunks::value`] repeats after a refill hands nothing on twice.
struct ItemSeed<'a, 's> {
    /// The kind a typed list (`PodList`) gives its items.
    kind: Option<KindName>,
    state: &'a mut State<'s>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.state.current = self.kind.clone();
        let progress = read_fields(&mut map, self.kind, self.state)?;
        self.state.current = None;
        (self.state.sink)(progress.into_item());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::chunks::tests::Trickle;
    use super::*;

    /// Names of the pods read, and the kinds skipped, from `text` read `step` bytes at a time
    /// through a buffer of `buffer` bytes.
    fn read_small(text: &str, step: usize, buffer: usize) -> (Vec<String>, Vec<String>) {
        let (mut pods, mut skipped) = (Vec::new(), Vec::new());
        let mut chunks = Chunks::with_buffer(Trickle(text.as_bytes(), step), buffer);
        let document = read_chunks(&mut chunks, &mut |item| match item {
            Item::Object(Object::Pod(pod)) => pods.push(pod.metadata.name),
            Item::Skipped(kind) => skipped.push(kind),
            _ => {}
        });
        assert!(document.is_ok(), "step {step}, buffer {buffer}");
        (pods, skipped)
    }

    #[test]
    fn every_item_is_read_once_wherever_the_buffer_cuts_it() {
        let pod = |name: &str| {
            format!(
                r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "{name}", "labels": {{"n": "12345"}}}},
                "spec": {{"containers": [{{"name": "c", "env": [{{"name": "P", "value": "x"}}]}}]}}, "status": {{"phase": "Running"}}}}"#
            )
        };
        let text = format!(
            r#"{{"apiVersion": "v1", "items": [{}, {{"kind": "Secret", "data": {{"k": "dg=="}}}}, {}], "kind": "List", "metadata": {{}}}}"#,
            pod("a"),
            pod("b")
        );
        for (step, buffer) in [(1, 1), (3, 8), (17, 64), (100, 300), (4096, 1 << 20)] {
            let (pods, skipped) = read_small(&text, step, buffer);
            assert_eq!(pods, ["a", "b"], "step {step}, buffer {buffer}");
            assert_eq!(skipped, ["Secret"]);
        }
    }
}
