//! Reads a `kubectl get -o json` document in one pass over its text.
//!
//! A list of 100,000 pods is hundreds of megabytes; reading each item once, straight into the
//! view of its kind, is what keeps aksguard's cost close to the cost of parsing the JSON at all.
//! kubectl prints keys sorted, so an object's `kind` comes before its `metadata`, `spec` and
//! `status`, which are then read directly into the typed view (and its other fields, secret
//! ones included, are skipped unread). Fields that come before `kind` (another tool's key order)
//! are kept as borrowed raw text and read once the kind is known. Items of a typed list
//! (`PodList`) carry no kind of their own: the list's `kind` names it, and when that comes after
//! the items they are handed back unread ([`Item::Untyped`]) for the caller to finish.

use super::kubectl_files::Kind;
use crate::snapshot::kube::{DaemonSet, Namespace, NetworkPolicy, ObjectMeta, OwnedObject, Pod};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// An object of a kind aksguard reads, in its typed view.
pub enum Object {
    Namespace(Namespace),
    Pod(Pod),
    NetworkPolicy(NetworkPolicy),
    DaemonSet(DaemonSet),
    ReplicaSet(OwnedObject),
    Job(OwnedObject),
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
        }
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Namespace(o) => &mut o.metadata,
            Object::Pod(o) => &mut o.metadata,
            Object::NetworkPolicy(o) => &mut o.metadata,
            Object::DaemonSet(o) => &mut o.metadata,
            Object::ReplicaSet(o) | Object::Job(o) => &mut o.metadata,
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
pub enum Item<'de> {
    Object(Object),
    /// A kind aksguard does not read: nothing of it was kept.
    Skipped(String),
    /// An item with no `kind`, met before the list said its kind: its fields, unread.
    Untyped(RawFields<'de>),
}

/// The fields of an object whose kind was not known yet, as borrowed raw JSON.
#[derive(Default)]
pub struct RawFields<'de> {
    fields: Vec<(Field, &'de RawValue)>,
}

impl RawFields<'_> {
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

/// A document that could not be read, and the kind of the object being read when it failed.
pub struct ReadError {
    pub error: serde_json::Error,
    pub kind: Option<KindName>,
}

/// Reads the JSON in `bytes`, handing each object (or list item) to `sink` as soon as it is
/// complete.
pub fn read<'de>(bytes: &'de [u8], sink: &mut dyn FnMut(Item<'de>)) -> Result<Document, ReadError> {
    let mut state = State { sink, current: None };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result = deserializer.deserialize_map(DocumentVisitor { state: &mut state }).and_then(|document| {
        deserializer.end()?;
        Ok(document)
    });
    result.map_err(|error| ReadError { error, kind: state.current.take() })
}

struct State<'s, 'de> {
    sink: &'s mut dyn FnMut(Item<'de>),
    /// The kind of the object being read, for error messages.
    current: Option<KindName>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Kind,
    Metadata,
    Spec,
    Status,
    Items,
    Type,
    #[serde(other)]
    Other,
}

/// How far an object is read.
#[allow(clippy::large_enum_variant)] // as for `Item`: one at a time, no allocation per object
enum Progress<'de> {
    /// Its kind is not known yet: fields are kept raw.
    Unknown(RawFields<'de>),
    /// A kind aksguard reads: fields go straight into the view.
    Reading(Object),
    /// A kind aksguard does not read: fields are skipped.
    Skipping(String),
}

impl<'de> Progress<'de> {
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

    /// The kind is known now: fields kept raw until then are read.
    fn learn<E: de::Error>(&mut self, kind: KindName) -> Result<(), E> {
        let Progress::Unknown(raw) = self else { return Ok(()) };
        let raw = std::mem::take(raw);
        *self = match kind {
            KindName::Known(kind) => Progress::Reading(raw.into_object(kind).map_err(E::custom)?),
            KindName::Other(name) => Progress::Skipping(name),
        };
        Ok(())
    }

    fn read<A: MapAccess<'de>>(&mut self, map: &mut A, field: Field) -> Result<(), A::Error> {
        match self {
            Progress::Unknown(raw) => raw.fields.push((field, map.next_value()?)),
            Progress::Reading(object) => map.next_value_seed(FieldSeed { field, object })?,
            Progress::Skipping(_) => drop(map.next_value::<IgnoredAny>()?),
        }
        Ok(())
    }

    fn into_item(self) -> Item<'de> {
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
            _ => drop(IgnoredAny::deserialize(deserializer)?),
        }
        Ok(())
    }
}

/// What only a document's top level has.
#[derive(Default)]
struct TopLevel {
    resource_type: Option<String>,
    items: Option<usize>,
}

/// Reads an object's fields. `top` is `Some` for the document itself, which may hold `items`.
fn read_object<'de, A: MapAccess<'de>>(
    map: &mut A,
    given_kind: Option<KindName>,
    state: &mut State<'_, 'de>,
    mut top: Option<&mut TopLevel>,
) -> Result<Progress<'de>, A::Error> {
    let mut progress = Progress::new(given_kind);
    while let Some(field) = map.next_key::<Field>()? {
        match (field, top.as_deref_mut()) {
            (Field::Kind, _) if matches!(progress, Progress::Unknown(_)) => {
                if let Some(kind) = map.next_value::<Option<KindName>>()? {
                    state.current = Some(kind.clone());
                    progress.learn(kind)?;
                }
            }
            (Field::Metadata | Field::Spec | Field::Status, _) => progress.read(map, field)?,
            (Field::Items, Some(top)) => {
                let kind = progress.kind().and_then(|kind| kind.item_kind());
                top.items = map.next_value_seed(ItemsSeed { kind, state: &mut *state })?;
            }
            (Field::Type, Some(top)) => top.resource_type = map.next_value()?,
            _ => drop(map.next_value::<IgnoredAny>()?),
        }
    }
    Ok(progress)
}

struct DocumentVisitor<'a, 's, 'de> {
    state: &'a mut State<'s, 'de>,
}

impl<'de> Visitor<'de> for DocumentVisitor<'_, '_, 'de> {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object or list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut top = TopLevel::default();
        let progress = read_object(&mut map, None, self.state, Some(&mut top))?;
        let kind = progress.kind();
        if top.items.is_none() && kind.is_some() {
            (self.state.sink)(progress.into_item());
        }
        Ok(Document { kind, resource_type: top.resource_type, items: top.items })
    }
}

/// A list's `items` (`null` reads as no items); each item goes to the sink once read.
struct ItemsSeed<'a, 's, 'de> {
    /// The kind a typed list (`PodList`) gives its items.
    kind: Option<KindName>,
    state: &'a mut State<'s, 'de>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, 'de> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, 'de> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Kubernetes objects")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Option<usize>, S::Error> {
        let mut count = 0;
        while seq.next_element_seed(ItemSeed { kind: self.kind.clone(), state: &mut *self.state })?.is_some() {
            count += 1;
        }
        Ok(Some(count))
    }
}

struct ItemSeed<'a, 's, 'de> {
    kind: Option<KindName>,
    state: &'a mut State<'s, 'de>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.state.current = self.kind.clone();
        let progress = read_object(&mut map, self.kind, self.state, None)?;
        self.state.current = None;
        (self.state.sink)(progress.into_item());
        Ok(())
    }
}
