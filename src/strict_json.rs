//! JSON read as it is meant, for every input (kubectl files and streams, az documents, live
//! Kubernetes and ARM answers, snapshots, baselines): one wrapper around any `Deserializer`, so
//! that the derived `Deserialize` of every model reads strictly without a word in the models.
//!
//! - A struct is read from a JSON object only. serde reads a struct from an array by position,
//!   so `"apiServerAccessProfile": [[], true]` would read as a private API server and `"spec": []`
//!   as a pod with no containers: both are errors here.
//! - A key twice in one object is an error (`duplicate field `kind``): API servers, ARM and
//!   kubectl never send one, and parsers disagree on which wins (the first, for a streaming
//!   reader; the last, for a map), which lets an object be one thing to aksguard and another to
//!   the cluster.
//! - An error names where it is: `spec.containers[0].image: invalid type: …`.
//!
//! The wrapper forwards everything else untouched; it costs a key's hash and a copy of its first
//! bytes per object field.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use std::fmt;

/// `T` from JSON text, strictly.
pub fn from_str<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Strict::new(&mut deserializer))?;
    deserializer.end()?;
    Ok(value)
}

/// `T` from JSON bytes, strictly.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(Strict::new(&mut deserializer))?;
    deserializer.end()?;
    Ok(value)
}

/// `T` from a JSON value already parsed (strictly, so without duplicate keys), strictly.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> serde_json::Result<T> {
    T::deserialize(Strict::new(value))
}

/// A deserializer that reads strictly (see the module). When `key` is set, the string it reads
/// is also copied there: that is how a map learns its keys, whatever type reads them.
pub struct Strict<'k, D> {
    inner: D,
    key: Option<&'k mut KeySlot>,
}

impl<D> Strict<'_, D> {
    pub fn new(inner: D) -> Self {
        Strict { inner, key: None }
    }
}

/// A map's current key as it is read: its hash (for the duplicate check) and its first
/// [`KEY_BYTES`] bytes (for messages), in place, so that no key allocates.
struct KeySlot {
    hash: u64,
    text: [u8; KEY_BYTES],
    len: usize,
    truncated: bool,
    set: bool,
}

/// The longest key a message repeats whole.
const KEY_BYTES: usize = 40;

impl Default for KeySlot {
    fn default() -> Self {
        KeySlot { hash: 0, text: [0; KEY_BYTES], len: 0, truncated: false, set: false }
    }
}

impl KeySlot {
    fn set(&mut self, key: &str) {
        self.hash = key_hash(key.as_bytes());
        let mut len = key.len().min(KEY_BYTES);
        while !key.is_char_boundary(len) {
            len -= 1;
        }
        self.text[..len].copy_from_slice(&key.as_bytes()[..len]);
        self.len = len;
        self.truncated = len < key.len();
        self.set = true;
    }

    /// The key, for a message (`…` when cut).
    fn shown(&self) -> String {
        let text = std::str::from_utf8(&self.text[..self.len]).unwrap_or("?");
        if self.truncated { format!("{text}…") } else { text.to_string() }
    }
}

/// A visitor passing on what it gets through strict wrappers.
struct Wrap<'k, V> {
    visitor: V,
    key: Option<&'k mut KeySlot>,
}

macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(Wrap { visitor, key: self.key })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_map deserialize_identifier deserialize_ignored_any
    }

    /// From an object only: `deserialize_map` refuses an array (serde would read it by position).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Wrap { visitor, key: self.key })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, Wrap { visitor, key: self.key })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, Wrap { visitor, key: self.key })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, Wrap { visitor, key: self.key })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, Wrap { visitor, key: self.key })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, Wrap { visitor, key: self.key })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.visitor.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64 visit_i128: i128
        visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64 visit_u128: u128
        visit_f32: f32 visit_f64: f64 visit_char: char visit_bytes: &[u8]
        visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        if let Some(key) = self.key {
            key.set(value);
        }
        self.visitor.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<V::Value, E> {
        if let Some(key) = self.key {
            key.set(value);
        }
        self.visitor.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        if let Some(key) = self.key {
            key.set(&value);
        }
        self.visitor.visit_string(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Strict::new(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict::new(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(StrictSeq { inner: seq, index: 0 })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(StrictMap::new(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(StrictEnum(data))
    }
}

/// A seed whose value is read strictly.
struct Seed<'k, S> {
    seed: S,
    key: Option<&'k mut KeySlot>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict { inner: deserializer, key: self.key })
    }
}

/// How many keys of one object are remembered in place: a pod's spec or a container has about
/// twenty; an object of more keys (labels) goes on to the heap.
const INLINE_KEYS: usize = 32;

/// Keys of one object remembered by hash: most objects' all in place, more on the heap.
struct SeenKeys {
    inline: [u64; INLINE_KEYS],
    len: usize,
    more: Vec<u64>,
}

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys { inline: [0; INLINE_KEYS], len: 0, more: Vec::new() }
    }
}

impl SeenKeys {
    /// Remembers a key by its hash; false when it was already there.
    fn insert(&mut self, hash: u64) -> bool {
        let inline = &self.inline[..self.len.min(INLINE_KEYS)];
        if inline.contains(&hash) || self.more.contains(&hash) {
            return false;
        }
        match self.len < INLINE_KEYS {
            true => self.inline[self.len] = hash,
            false => self.more.push(hash),
        }
        self.len += 1;
        true
    }
}

/// A key's hash, eight bytes at a time (a byte at a time cost a tenth of the reading). The same
/// key always hashes the same, so a duplicate is never missed; two different keys of one object
/// colliding (about a 2^-64 chance, unless made so on purpose) would refuse a valid file, never
/// accept an invalid one.
fn key_hash(bytes: &[u8]) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |hash: u64, word: u64| (hash.rotate_left(23) ^ word).wrapping_mul(MIX);
    let mut words = bytes.chunks_exact(8);
    let mut hash = (&mut words)
        .fold(bytes.len() as u64, |hash, word| step(hash, u64::from_le_bytes(word.try_into().expect("eight bytes"))));
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0; 8];
        last[..rest.len()].copy_from_slice(rest);
        hash = step(hash, u64::from_le_bytes(last));
    }
    hash ^ (hash >> 29)
}

/// An object's entries: each key checked against the ones before it, each value read strictly,
/// and an error in a value prefixed with its key.
pub struct StrictMap<A> {
    inner: A,
    key: KeySlot,
    seen: SeenKeys,
    /// Values are read strictly (false for [`StrictMap::keys_only`]).
    values: bool,
}

impl<A> StrictMap<A> {
    fn new(inner: A) -> Self {
        StrictMap { inner, key: KeySlot::default(), seen: SeenKeys::default(), values: true }
    }

    /// Checks the keys only: for a hand-written visitor (the kubectl stream's items) whose values
    /// are read by types that go through [`Strict`] themselves.
    pub fn keys_only(inner: A) -> Self {
        StrictMap { values: false, ..StrictMap::new(inner) }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StrictMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.key.set = false;
        let key = self.inner.next_key_seed(Seed { seed, key: Some(&mut self.key) })?;
        if self.key.set && !self.seen.insert(self.key.hash) {
            let name = self.key.shown();
            return Err(de::Error::custom(format_args!("duplicate field `{}`", crate::redact::excerpt(&name, 80))));
        }
        Ok(key)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if !self.values {
            return self.inner.next_value_seed(seed);
        }
        self.inner.next_value_seed(Seed { seed, key: None }).map_err(|err| match self.key.set {
            true => at(&self.key.shown(), err),
            false => at("?", err),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct StrictSeq<A> {
    inner: A,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for StrictSeq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        let element = self.inner.next_element_seed(Seed { seed, key: None });
        let index = self.index;
        self.index += 1;
        element.map_err(|err| at(&format!("[{index}]"), err))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct StrictEnum<A>(A);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for StrictEnum<A> {
    type Error = A::Error;
    type Variant = StrictVariant<A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed { seed, key: None })?;
        Ok((value, StrictVariant(variant)))
    }
}

struct StrictVariant<A>(A);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for StrictVariant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed { seed, key: None })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap { visitor, key: None })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap { visitor, key: None })
    }
}

/// Where a path starts in a message; what comes before it is the path.
const PATH_END: &str = "`: ";

/// `err` of a value read on its own, as the error of the same value read as `step` of its parent
/// (`properties`): its path starts with `step`.
pub fn under<E: de::Error>(step: &str, err: E) -> E {
    at(step, err)
}

/// `err` with `step` (a key, or `[index]`) put in front of its path: `at `spec.containers`: …`.
/// The position serde_json adds at each level is kept once, from the innermost.
fn at<E: de::Error>(step: &str, err: E) -> E {
    let message = err.to_string();
    // The end of the input is not an error of the data: a reader fed in chunks (the kubectl
    // stream) knows it by its category, and reads on once it has more.
    if message.starts_with("EOF while parsing") {
        return err;
    }
    let (path, rest) = match message.strip_prefix("at `").and_then(|m| m.split_once(PATH_END)) {
        Some((path, rest)) => (path.to_string(), rest.to_string()),
        None => (String::new(), message),
    };
    let joined = match path.is_empty() || path.starts_with('[') {
        true => format!("{}{path}", crate::redact::excerpt(step, 80)),
        false => format!("{}.{path}", crate::redact::excerpt(step, 80)),
    };
    // An outer level's position repeats the innermost's (parsing stopped there).
    let rest = strip_position(&rest);
    E::custom(format_args!("at `{joined}{PATH_END}{rest}"))
}

/// Without serde_json's trailing ` at line L column C`.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(cut) if message[cut + 9..].split(" column ").all(|n| n.chars().all(|c| c.is_ascii_digit())) => {
            &message[..cut]
        }
        _ => message,
    }
}

/// Where a strict read failed and what was wrong, in words for people, without serde's position:
/// (`spec.containers`, `expected an array, found null`). `message` is a [`Strict`] error's text.
pub fn describe(message: &str) -> (String, String) {
    let (path, rest) = match message.strip_prefix("at `").and_then(|m| m.split_once(PATH_END)) {
        Some((path, rest)) => (path.to_string(), rest),
        None => (String::new(), message),
    };
    (path, plain(strip_position(rest)))
}

/// [`describe`] in one phrase, with serde_json's position when the message has one: `at
/// `kind`: expected a string, found an array at line 1, column 32`.
pub fn describe_at(message: &str) -> String {
    let (path, what) = describe(message);
    let position = message.rfind(" at line ").map(|cut| message[cut + 4..].replace(" column", ", column"));
    let mut phrase = match path.is_empty() {
        true => what,
        false => format!("at `{path}`: {what}"),
    };
    if let Some(position) = position.filter(|p| p.len() < 40) {
        phrase.push_str(&format!(" at {position}"));
    }
    phrase
}

/// `path` appended to `parent` as a JSON path: `items[3]` and `spec.containers` make
/// `items[3].spec.containers`; `[0].image` is appended without a dot.
pub fn join_path(parent: &str, path: &str) -> String {
    match (parent.is_empty(), path.is_empty() || path.starts_with('[')) {
        (true, _) => path.to_string(),
        (false, true) => format!("{parent}{path}"),
        (false, false) => format!("{parent}.{path}"),
    }
}

/// serde's `invalid type: null, expected a sequence` as JSON says it: `expected an array, found
/// null`. The value found is not repeated (it is the input's, of any length); other messages are
/// kept, cut short.
fn plain(message: &str) -> String {
    let types = message.strip_prefix("invalid type: ").and_then(|types| types.rsplit_once(", expected "));
    match types {
        Some((found, expected)) => format!("expected {}, found {}", expected_type(expected), found_type(found)),
        None => crate::redact::excerpt(message, 200),
    }
}

/// What serde's `Unexpected` names, as a JSON type.
fn found_type(found: &str) -> &'static str {
    match found.split_once(' ').map_or(found, |(first, _)| first) {
        "null" | "unit" => "null",
        "sequence" => "an array",
        "map" => "an object",
        "string" | "character" => "a string",
        "integer" | "floating" => "a number",
        "boolean" => "a boolean",
        _ => "another type",
    }
}

/// What a visitor expects, as a JSON type where it is one.
fn expected_type(expected: &str) -> String {
    let number = ["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64"];
    match expected {
        "a sequence" => "an array".into(),
        "a map" => "an object".into(),
        "a string" | "a borrowed string" => "a string".into(),
        "a boolean" => "a boolean".into(),
        _ if expected.starts_with("struct ") => "an object".into(),
        _ if number.contains(&expected) => "a number".into(),
        _ => crate::redact::excerpt(expected, 80),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Access {
        private: bool,
        ranges: Vec<String>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Cluster {
        access: Access,
        labels: BTreeMap<String, String>,
        pools: Vec<Access>,
    }

    #[test]
    fn objects_read_as_before() {
        let text = r#"{"access": {"private": true, "ranges": ["10.0.0.0/8"]}, "labels": {"a": "1"}, "pools": [{}]}"#;
        let strict: Cluster = from_str(text).unwrap();
        assert_eq!(strict.access, Access { private: true, ranges: vec!["10.0.0.0/8".into()] });
        assert_eq!(strict.labels.len(), 1);
        let value: Value = from_str(text).unwrap();
        assert_eq!(from_value::<Cluster>(&value).unwrap(), strict);
    }

    #[test]
    fn a_struct_is_never_read_from_an_array() {
        let lenient: Cluster = serde_json::from_str(r#"{"access": [true, []]}"#).unwrap();
        assert!(lenient.access.private, "serde alone reads it by position");
        let err = from_str::<Cluster>(r#"{"access": [true, []]}"#).unwrap_err().to_string();
        assert!(err.starts_with("at `access`: invalid type: sequence, expected struct Access"), "{err}");
        let value: Value = serde_json::from_str(r#"{"pools": [{}, [true]]}"#).unwrap();
        let err = from_value::<Cluster>(&value).unwrap_err().to_string();
        assert_eq!(err, "at `pools[1]`: invalid type: sequence, expected struct Access");
    }

    #[test]
    fn duplicate_keys_are_refused_in_structs_maps_and_values() {
        for text in [r#"{"labels": {"a": "1", "a": "2"}}"#, r#"{"access": {"private": false, "private": true}}"#] {
            let err = from_str::<Cluster>(text).unwrap_err().to_string();
            assert!(err.contains("duplicate field"), "{err}");
        }
        let err = from_str::<Value>(r#"{"kind": "Secret", "x": {}, "kind": "Pod"}"#).unwrap_err().to_string();
        assert_eq!(err, "duplicate field `kind` at line 1 column 34");
        let many: String = (0..40).map(|i| format!("\"k{i}\": {i},")).collect();
        assert!(from_str::<Value>(&format!("{{{many} \"k39\": 0}}")).is_err(), "past the inline keys too");
        assert!(from_str::<Value>(&format!("{{{many} \"k40\": 0}}")).is_ok());
        let long = "a-long-annotation-key.example.com/with-a-path";
        assert!(from_str::<Value>(&format!(r#"{{"{long}": 1, "{long}x": 2, "{long}": 3}}"#)).is_err());
        assert!(from_str::<Value>(&format!(r#"{{"{long}": 1, "{long}x": 2, "x{long}": 3}}"#)).is_ok());
    }

    #[test]
    fn errors_name_the_path_and_one_position() {
        let err = from_str::<Cluster>("{\"pools\": [{}, {\"ranges\": [\"a\", 7]}]}").unwrap_err().to_string();
        assert_eq!(err, "at `pools[1].ranges[1]`: invalid type: integer `7`, expected a string at line 1 column 37");
    }

    #[test]
    fn errors_are_described_as_json_types() {
        let described = |text: &str| describe(&from_str::<Cluster>(text).unwrap_err().to_string());
        assert_eq!(described(r#"{"pools": null}"#), ("pools".into(), "expected an array, found null".into()));
        assert_eq!(
            described(r#"{"access": [[], true]}"#),
            ("access".into(), "expected an object, found an array".into())
        );
        let long = format!(r#"{{"pools": [{{"ranges": "{}"}}]}}"#, "x".repeat(10_000));
        assert_eq!(described(&long), ("pools[0].ranges".into(), "expected an array, found a string".into()));
        assert_eq!(described(r#"{"access": {"private": 1}}"#).1, "expected a boolean, found a number");
        assert_eq!(join_path("items[3]", "spec.containers"), "items[3].spec.containers");
        let err = from_str::<Cluster>("{\"pools\": [{}, {\"ranges\": 7}]}").unwrap_err().to_string();
        assert_eq!(describe_at(&err), "at `pools[1].ranges`: expected an array, found a number at line 1, column 30");
        assert_eq!(join_path("data", "[0].image"), "data[0].image");
        assert_eq!(join_path("", "spec"), "spec");
        assert_eq!(join_path("items[1]", ""), "items[1]");
    }
}
