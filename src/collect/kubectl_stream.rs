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

use super::chunks::{ChunkError, Chunks, Position};
use crate::snapshot::Kind;
use serde::Deserialize;
use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;
use std::fmt;
use std::io::Read;

/// Where the objects go. The reader knows kinds only by name (`snapshot::Kind`); the sink reads
/// each object into its type, with the same derived `Deserialize` every other input uses.
pub trait Sink {
    /// An object of `kind`: `fields` are all of its fields (those met before its `kind` replayed
    /// first). Called once the kind is known, so the fields go straight into the typed view.
    fn object<'de, A: MapAccess<'de>>(&mut self, kind: Kind, fields: A) -> Result<(), A::Error>;
    /// An object of a kind aksguard does not read: nothing of it was kept.
    fn skipped(&mut self, kind: String);
    /// An item with no `kind`, met before the list said its kind: its fields, unread.
    fn untyped(&mut self, fields: RawFields);
    /// An object of `kind` that is JSON without a duplicate key but not what the API sends (a
    /// wrong type, `null` where the API never sends one): `at` is where it is in the document
    /// (`items[3]`, empty for the document itself), `error` the strict reader's message.
    fn unreadable(&mut self, kind: Kind, at: &str, error: &str);
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
        match (&self, api_version.and_then(Kind::from_group)) {
            (KindName::Other(_), Some(kind)) => KindName::Known(kind),
            _ => self,
        }
    }

    /// The kind of a typed list's items (`PodList` → `Pod`); `None` for a `List` of mixed kinds.
    pub fn item_kind(&self) -> Option<KindName> {
        let KindName::Other(name) = self else { return None };
        name.strip_suffix("List").filter(|kind| !kind.is_empty()).map(KindName::new)
    }
}

/// A field read before the object's kind was known.
enum Raw {
    /// `apiVersion` and `kind`, already read as text.
    Text(String),
    Json(Box<RawValue>),
}

/// The fields of an object whose kind was not known yet, as raw JSON.
#[derive(Default)]
pub struct RawFields {
    fields: Vec<(String, Raw)>,
    /// Where the object is in its document (`items[3]`; empty for the document itself).
    pub at: String,
}

impl RawFields {
    /// Hands the fields to `sink` as an object of `kind`; when they are not what the API sends,
    /// the sink is told it is unreadable, and the error is what makes the document invalid.
    pub fn into_object(self, kind: Kind, sink: &mut impl Sink) -> serde_json::Result<()> {
        let replay = Replay::<NoMore> { fields: self.fields.iter(), value: None, rest: None };
        let Err(err) = sink.object(kind, replay) else { return Ok(()) };
        self.check()?;
        sink.unreadable(kind, &self.at, &err.to_string());
        Ok(())
    }

    /// The raw fields are JSON without a duplicate key, at any depth (kept raw, they were not
    /// checked): an object whose type is wrong may still hide one.
    fn check(&self) -> serde_json::Result<()> {
        for (_, raw) in &self.fields {
            if let Raw::Json(raw) = raw {
                strict_value(raw.get())?;
            }
        }
        Ok(())
    }
}

/// `text` is JSON without a duplicate key at any depth (read into a strict `Value`, which visits
/// every object, where `IgnoredAny` would skip them unread).
fn strict_value(text: &str) -> serde_json::Result<()> {
    crate::strict_json::from_str::<serde_json::Value>(text).map(drop)
}

/// The fields kept raw, then (for a list item) the rest of the object, as one map.
struct Replay<'f, A> {
    fields: std::slice::Iter<'f, (String, Raw)>,
    /// The value of the key just replayed.
    value: Option<&'f Raw>,
    rest: Option<A>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.fields.next() {
            self.value = Some(value);
            return seed.deserialize(StrDeserializer::new(key)).map(Some);
        }
        match &mut self.rest {
            Some(rest) => rest.next_key_seed(seed),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match (self.value.take(), &mut self.rest) {
            (Some(Raw::Text(text)), _) => seed.deserialize(StrDeserializer::new(text)),
            // A reader, not a slice: what it reads is owned, so any `'de` will do.
            (Some(Raw::Json(raw)), _) => seed
                .deserialize(&mut serde_json::Deserializer::from_reader(raw.get().as_bytes()))
                .map_err(de::Error::custom),
            (None, Some(rest)) => rest.next_value_seed(seed),
            (None, None) => Err(de::Error::custom("a value without a key")),
        }
    }
}

/// The end of a replay that has nothing after its raw fields.
struct NoMore;

impl<'de> MapAccess<'de> for NoMore {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> serde_json::Result<Option<K::Value>> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> serde_json::Result<V::Value> {
        Err(de::Error::custom("a value without a key"))
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
pub fn read(source: impl Read, sink: &mut impl Sink) -> Result<Document, ReadError> {
    read_chunks(&mut Chunks::new(source), sink, &mut NoneAhead)
}

/// Reads as [`read`] does, taking the list items that `ahead` has already read (on other
/// threads) instead of parsing them again.
pub fn read_with<R: Read, S: Sink>(
    source: R,
    sink: &mut S,
    ahead: &mut impl Ahead<R, S>,
) -> Result<Document, ReadError> {
    read_chunks(&mut Chunks::new(source), sink, ahead)
}

/// List items read ahead of the reader, by other threads, from places further on in the file.
pub trait Ahead<R, S> {
    /// The document's `items` list opened at `open` (the offset of its `[`); its first item
    /// starts at `first`, and its items are of `kind` when the list said so before them.
    fn opened(&mut self, open: u64, first: u64, kind: Option<&KindName>);
    /// At an item that starts at `chunks.offset()`: when the items from there on were read ahead
    /// whole, hands them to `sink`, moves `chunks` past them, and says how many there were.
    fn take(&mut self, chunks: &mut Chunks<R>, sink: &mut S) -> Result<Option<Taken>, ChunkError>;
}

/// What [`Ahead::take`] handed on.
pub struct Taken {
    pub items: usize,
    /// The list ends there (`chunks` is at its `]`); otherwise at the start of another item.
    pub closes: bool,
}

/// Nothing is read ahead.
struct NoneAhead;

impl<R, S> Ahead<R, S> for NoneAhead {
    fn opened(&mut self, _: u64, _: u64, _: Option<&KindName>) {}
    fn take(&mut self, _: &mut Chunks<R>, _: &mut S) -> Result<Option<Taken>, ChunkError> {
        Ok(None)
    }
}

/// Where a part of a list read on its own ended: at `end`, the start of the item at one of the
/// offsets it was told to stop at, or the list's `]` (`closes`). `position` is where `end` is,
/// counted from the part's start as line 1, column 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentEnd {
    pub items: usize,
    pub end: u64,
    pub closes: bool,
    pub position: Position,
}

/// Reads list items from `chunks`, which must be at an item's start, up to the first item that
/// starts at one of `stops` (ascending) or to the list's end, unless `stopped` says to give up.
/// `None` when anything is not as expected: the caller's own reading then goes over this part
/// again, error messages and all. Where the start was not an item's start after all, the caller
/// never asks for what was read.
pub fn read_segment<R: Read, S: Sink>(
    chunks: &mut Chunks<R>,
    sink: &mut S,
    kind: Option<KindName>,
    stops: &[u64],
    stopped: impl Fn() -> bool,
) -> Option<SegmentEnd> {
    let mut state = State { sink, current: None };
    let mut stops = stops.iter().copied().peekable();
    let mut items = 0;
    loop {
        if stopped() {
            return None;
        }
        chunks.value(|d| ItemSeed { kind: kind.clone(), index: items, state: &mut state }.deserialize(d)).ok()?;
        items += 1;
        chunks.peek().ok()?;
        let (separator, at) = (chunks.offset(), chunks.position());
        if chunks.expect(b",]", "`,` or `]`").ok()? == b']' {
            return Some(SegmentEnd { items, end: separator, closes: true, position: at });
        }
        chunks.peek().ok()?;
        let next = chunks.offset();
        // Stops passed without landing on them were not item starts; later ones may be.
        while stops.next_if(|stop| *stop < next).is_some() {}
        if stops.peek() == Some(&next) {
            return Some(SegmentEnd { items, end: next, closes: false, position: chunks.position() });
        }
    }
}

fn read_chunks<R: Read, S: Sink>(
    chunks: &mut Chunks<R>,
    sink: &mut S,
    ahead: &mut impl Ahead<R, S>,
) -> Result<Document, ReadError> {
    let mut state = State { sink, current: None };
    read_document(chunks, &mut state, ahead).map_err(|err| match err {
        ChunkError::Io(err) => ReadError::Io(err),
        ChunkError::Json { category, message } => ReadError::Json { category, message, kind: state.current.take() },
    })
}

struct State<'s, S> {
    sink: &'s mut S,
    /// The kind of the object being read, for error messages.
    current: Option<KindName>,
}

/// A key the reader acts on; others are kept (before the kind is known) or left to the type.
enum Key {
    ApiVersion,
    Kind,
    Items,
    Type,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "apiVersion" => Key::ApiVersion,
                    "kind" => Key::Kind,
                    "items" => Key::Items,
                    "type" => Key::Type,
                    other => Key::Other(other.to_string()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl Key {
    fn name(&self) -> &str {
        match self {
            Key::ApiVersion => "apiVersion",
            Key::Kind => "kind",
            Key::Items => "items",
            Key::Type => "type",
            Key::Other(name) => name,
        }
    }
}

/// The document's top level, walked by hand so that each list item is parsed on its own. The
/// other top-level fields are kept raw: a single object is read from them at the end.
fn read_document<R: Read, S: Sink>(
    chunks: &mut Chunks<R>,
    state: &mut State<S>,
    ahead: &mut impl Ahead<R, S>,
) -> Result<Document, ChunkError> {
    let mut kind: Option<KindName> = None;
    let mut api_version: Option<String> = None;
    let mut fields = RawFields::default();
    let mut document = Document { kind: None, resource_type: None, items: None };
    let mut seen: Vec<String> = Vec::new();
    chunks.expect(b"{", "a Kubernetes object or list (`{`)")?;
    if chunks.peek()? == Some(b'}') {
        chunks.expect(b"}", "`}`")?;
    } else {
        loop {
            let key = chunks.value(|d| Key::deserialize(d))?;
            refuse_duplicate(&mut seen, key.name())?;
            chunks.expect(b":", "`:`")?;
            match key {
                Key::ApiVersion => {
                    api_version = chunks.value(|d| Option::<String>::deserialize(d))?;
                    fields.keep("apiVersion", api_version.clone());
                }
                Key::Kind => {
                    let name = chunks.value(|d| Option::<String>::deserialize(d))?;
                    kind = name.as_deref().map(KindName::new);
                    fields.keep("kind", name);
                }
                Key::Items => {
                    let item_kind = kind.as_ref().and_then(KindName::item_kind);
                    document.items = read_items(chunks, item_kind, state, ahead)?;
                }
                Key::Type => {
                    document.resource_type = chunks.value(|d| Option::<String>::deserialize(d))?;
                }
                Key::Other(name) => {
                    let raw = chunks.value(|d| Box::<RawValue>::deserialize(d))?;
                    fields.fields.push((name, Raw::Json(raw)));
                }
            }
            if chunks.expect(b",}", "`,` or `}`")? == b'}' {
                break;
            }
        }
    }
    chunks.end()?;
    document.kind = kind.map(|kind| kind.with_api_version(api_version.as_deref()));
    if document.items.is_none() {
        match &document.kind {
            Some(KindName::Known(kind)) => {
                state.current = document.kind.clone();
                fields
                    .into_object(*kind, state.sink)
                    .map_err(|err| ChunkError::Json { category: Category::Data, message: err.to_string() })?;
                state.current = None;
            }
            Some(KindName::Other(name)) => state.sink.skipped(name.clone()),
            None => {}
        }
    }
    Ok(document)
}

/// A top-level key met twice is refused, as [`crate::strict_json`] refuses it everywhere else.
fn refuse_duplicate(seen: &mut Vec<String>, key: &str) -> Result<(), ChunkError> {
    if seen.iter().any(|k| k == key) {
        let message = format!("duplicate field `{}`", crate::redact::excerpt(key, 80));
        return Err(ChunkError::Json { category: Category::Data, message });
    }
    seen.push(key.to_string());
    Ok(())
}

impl RawFields {
    fn keep(&mut self, key: &str, text: Option<String>) {
        if let Some(text) = text {
            self.fields.push((key.to_string(), Raw::Text(text)));
        }
    }
}

/// A list's `items` (`null` reads as none), each handed to the sink once read, or taken whole
/// from `ahead` where it read them already.
fn read_items<R: Read, S: Sink>(
    chunks: &mut Chunks<R>,
    kind: Option<KindName>,
    state: &mut State<S>,
    ahead: &mut impl Ahead<R, S>,
) -> Result<Option<usize>, ChunkError> {
    if chunks.peek()? == Some(b'n') {
        chunks.value(|d| <()>::deserialize(d))?;
        return Ok(None);
    }
    // After the `peek` above, where the `[` is.
    let open = chunks.offset();
    chunks.expect(b"[", "a list of Kubernetes objects (`[`)")?;
    let mut count = 0;
    if chunks.peek()? == Some(b']') {
        chunks.expect(b"]", "`]`")?;
        return Ok(Some(count));
    }
    ahead.opened(open, chunks.offset(), kind.as_ref());
    loop {
        if let Some(taken) = ahead.take(chunks, state.sink)? {
            count += taken.items;
            if taken.closes {
                chunks.expect(b"]", "`]`")?;
                return Ok(Some(count));
            }
            continue;
        }
        let read = chunks.value(|d| ItemSeed { kind: kind.clone(), index: count, state: &mut *state }.deserialize(d));
        if let Err(err) = read {
            unreadable_item(chunks, state, count, err)?;
        }
        count += 1;
        if chunks.expect(b",]", "`,` or `]`")? == b']' {
            return Ok(Some(count));
        }
        // At the next item's start, where `ahead` looks for a part it read.
        chunks.peek()?;
    }
}

/// An item that did not read as its kind. When it is JSON without a duplicate key (read again,
/// whole, into a strict `Value`: this costs nothing unless an item is wrong), only a type in it is
/// wrong, and the sink is told so; anything else (invalid JSON, a duplicate key, a `kind` that is
/// not a string) refuses the document.
fn unreadable_item<R: Read, S: Sink>(
    chunks: &mut Chunks<R>,
    state: &mut State<S>,
    index: usize,
    err: ChunkError,
) -> Result<(), ChunkError> {
    let (ChunkError::Json { category: Category::Data, message }, Some(KindName::Known(kind))) = (&err, &state.current)
    else {
        return Err(err);
    };
    let kind = *kind;
    chunks.value(|d| serde_json::Value::deserialize(crate::strict_json::Strict::new(d)).map(drop))?;
    state.current = None;
    state.sink.unreadable(kind, &format!("items[{index}]"), message);
    Ok(())
}

/// One list item. The sink gets it only once it is read whole, so a parse that
/// [`Chunks::value`] repeats after a refill hands nothing on twice.
struct ItemSeed<'a, 's, S> {
    /// The kind a typed list (`PodList`) gives its items.
    kind: Option<KindName>,
    /// Where it is in the list.
    index: usize,
    state: &'a mut State<'s, S>,
}

impl<'de, S: Sink> DeserializeSeed<'de> for ItemSeed<'_, '_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for ItemSeed<'_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // Every key of the item is checked against the others: `{"kind": "Secret", "kind": "Pod"}`
        // must not be a Secret to aksguard and a Pod to the cluster.
        let mut map = crate::strict_json::StrictMap::keys_only(map);
        let sink = &mut *self.state.sink;
        let current = &mut self.state.current;
        match self.kind {
            Some(KindName::Known(kind)) => {
                *current = Some(KindName::Known(kind));
                sink.object(kind, map)?;
                *current = None;
                return Ok(());
            }
            // A typed list of a kind aksguard does not read (`SecretList`): nothing is kept.
            Some(KindName::Other(name)) => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                sink.skipped(name);
                return Ok(());
            }
            None => {}
        }
        // Fields before `kind` are kept raw (kubectl sorts keys, so that is `apiVersion`).
        let mut fields = RawFields { fields: Vec::new(), at: String::new() };
        let mut api_version: Option<String> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::ApiVersion => {
                    api_version = map.next_value()?;
                    fields.keep("apiVersion", api_version.clone());
                }
                Key::Kind => {
                    let Some(name) = map.next_value::<Option<String>>()? else { continue };
                    let kind = KindName::new(&name).with_api_version(api_version.as_deref());
                    *current = Some(kind.clone());
                    match kind {
                        KindName::Known(kind) => {
                            fields.keep("kind", Some(name));
                            let replay = Replay { fields: fields.fields.iter(), value: None, rest: Some(map) };
                            sink.object(kind, replay)?;
                        }
                        KindName::Other(name) => {
                            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                            sink.skipped(name);
                        }
                    }
                    *current = None;
                    return Ok(());
                }
                other => {
                    let raw: Box<RawValue> = map.next_value()?;
                    fields.fields.push((other.name().to_string(), Raw::Json(raw)));
                }
            }
        }
        fields.at = format!("items[{}]", self.index);
        sink.untyped(fields);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::chunks::tests::Trickle;
    use super::*;
    use crate::snapshot::kube::Pod;

    #[derive(Debug, Default)]
    struct Names {
        pods: Vec<String>,
        skipped: Vec<String>,
        unreadable: Vec<String>,
    }

    impl Sink for Names {
        fn object<'de, A: MapAccess<'de>>(&mut self, kind: Kind, fields: A) -> Result<(), A::Error> {
            assert_eq!(kind, Kind::Pod);
            let pod = Pod::deserialize(crate::strict_json::Strict::new(de::value::MapAccessDeserializer::new(fields)))?;
            self.pods.push(pod.metadata.name);
            Ok(())
        }
        fn skipped(&mut self, kind: String) {
            self.skipped.push(kind);
        }
        fn untyped(&mut self, _: RawFields) {
            panic!("every item has a kind");
        }
        fn unreadable(&mut self, _: Kind, at: &str, error: &str) {
            self.unreadable.push(format!("{at}: {error}"));
        }
    }

    /// Names of the pods read, and the kinds skipped, from `text` read `step` bytes at a time
    /// through a buffer of `buffer` bytes.
    fn read_small(text: &str, step: usize, buffer: usize) -> Names {
        let mut names = Names::default();
        let mut chunks = Chunks::with_buffer(Trickle(text.as_bytes(), step), buffer);
        assert!(read_chunks(&mut chunks, &mut names, &mut NoneAhead).is_ok(), "step {step}, buffer {buffer}");
        names
    }

    #[test]
    fn every_item_is_read_once_wherever_the_buffer_cuts_it() {
        let pod = |name: &str| {
            format!(
                r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "{name}", "labels": {{"n": "12345"}}}},
                "spec": {{"containers": [{{"name": "c", "env": [{{"name": "P", "value": "x"}}]}}]}}, "status": {{"phase": "Running"}}}}"#
            )
        };
        // The second pod names its kind last: its fields are kept raw, then replayed.
        let late = r#"{"metadata": {"name": "c"}, "spec": {"containers": []}, "kind": "Pod"}"#;
        let text = format!(
            r#"{{"apiVersion": "v1", "items": [{}, {{"kind": "Secret", "data": {{"k": "dg=="}}}}, {}, {late}], "kind": "List", "metadata": {{}}}}"#,
            pod("a"),
            pod("b")
        );
        for (step, buffer) in [(1, 1), (3, 8), (17, 64), (100, 300), (4096, 1 << 20)] {
            let names = read_small(&text, step, buffer);
            assert_eq!(names.pods, ["a", "b", "c"], "step {step}, buffer {buffer}");
            assert_eq!(names.skipped, ["Secret"]);
        }
    }

    #[test]
    fn an_item_of_a_wrong_type_is_unreadable_and_the_next_ones_are_read() {
        let text = r#"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": null}},
            {"kind": "Pod", "metadata": {"name": "b"}, "spec": []},
            {"kind": "Pod", "metadata": {"name": "c"}}]}"#;
        for (step, buffer) in [(1, 1), (7, 16), (4096, 1 << 20)] {
            let names = read_small(text, step, buffer);
            assert_eq!(names.pods, ["c"]);
            assert_eq!(names.unreadable.len(), 2);
            assert!(names.unreadable[0].starts_with("items[0]: at `spec.containers`: invalid type: null"), "{names:?}");
            assert!(names.unreadable[1].starts_with("items[1]: at `spec`: invalid type: sequence"));
        }
    }

    #[test]
    fn a_wrong_type_never_hides_a_duplicate_key_or_bad_json() {
        for text in [
            r#"{"kind": "List", "items": [{"kind": "Pod", "spec": null, "metadata": {"labels": {"a": "1", "a": "2"}}}]}"#,
            r#"{"kind": "List", "items": [{"kind": "Pod", "spec": null, "metadata": {"name": "a",}}]}"#,
            r#"{"kind": "Pod", "spec": null, "metadata": {"labels": {"a": "1", "a": "2"}}}"#,
            r#"{"spec": null, "metadata": {"labels": {"a": "1", "a": "2"}}, "kind": "Pod"}"#,
        ] {
            let mut names = Names::default();
            let mut chunks = Chunks::with_buffer(Trickle(text.as_bytes(), 5), 8);
            assert!(read_chunks(&mut chunks, &mut names, &mut NoneAhead).is_err(), "{text}");
            assert!(names.unreadable.is_empty() && names.pods.is_empty(), "{text}");
        }
    }
}
