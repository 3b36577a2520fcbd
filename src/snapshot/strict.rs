//! Strict readers for the ARM models of Defender, Azure Policy and role assignments: a nested
//! object must arrive as a JSON object (serde's derive would otherwise read an array into a
//! struct by position), lists may be `null` (az prints it for empty lists) but their items must
//! have the expected type, and free text from the server is kept short and printable.

use crate::strict_json::Strict;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error};
use serde_json::{Map, Value};

/// The longest server text kept (display names, remediation text, descriptions).
pub const TEXT_LIMIT: usize = 400;

/// An optional nested object: absent or `null` is `None`; anything but an object is an error.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<Map<String, Value>>::deserialize(d)? {
        // Read strictly too: an object in it must not be read from an array either.
        Some(map) => T::deserialize(Strict::new(Value::Object(map))).map(Some).map_err(D::Error::custom),
        None => Ok(None),
    }
}

/// A nested object that is always there (a model's `properties`): absent or `null` is the
/// default; anything but an object is an error.
pub fn required<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    Ok(object(d)?.unwrap_or_default())
}

/// A list of objects, `null` as the empty list; an item that is not an object is an error.
pub fn objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    let items = Option::<Vec<Map<String, Value>>>::deserialize(d)?.unwrap_or_default();
    items.into_iter().map(|map| T::deserialize(Strict::new(Value::Object(map))).map_err(D::Error::custom)).collect()
}

/// A list of strings, `null` as the empty list.
pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default().into_iter().map(|s| short(&s)).collect())
}

/// Free text from the server, made safe to keep and print: control characters and runs of
/// whitespace become one space, and it is cut at [`TEXT_LIMIT`] characters.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| short(&s)))
}

/// See [`text`].
pub fn short(raw: &str) -> String {
    let collapsed: String = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match collapsed.char_indices().nth(TEXT_LIMIT) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

/// The document must be a JSON object, whatever its shape inside.
pub fn expect_object(doc: &Value, what: &str) -> Result<(), serde_json::Error> {
    match doc {
        Value::Object(_) => Ok(()),
        _ => Err(serde_json::Error::custom(format!("{what} must be a JSON object"))),
    }
}

/// Reads an ARM resource (REST or az shape) that must be a JSON object.
pub fn resource<T: super::arm::ArmResource>(doc: &Value, what: &str) -> Result<T, serde_json::Error> {
    expect_object(doc, what)?;
    // `properties` that is not an object would otherwise be skipped for the flattened (az) shape.
    if doc.get("properties").is_some_and(|p| !p.is_object() && !p.is_null()) {
        return Err(serde_json::Error::custom(format!("the `properties` of {what} must be a JSON object")));
    }
    let (envelope, properties) = super::arm::read_resource(doc)?;
    Ok(T::assemble(envelope, properties))
}

/// Two ARM ids name the same resource: ids differ in case between ARM, az and Resource Graph.
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// `id` is `scope` or lies under it (`/subscriptions/s` contains `/subscriptions/s/resourceGroups/rg`),
/// compared segment by segment without regard to case. The root scope `/` contains everything.
pub fn within(id: &str, scope: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    if scope.is_empty() {
        return true;
    }
    let id = id.trim_end_matches('/');
    id.len() >= scope.len()
        && id.is_char_boundary(scope.len())
        && id[..scope.len()].eq_ignore_ascii_case(scope)
        && (id.len() == scope.len() || id.as_bytes()[scope.len()] == b'/')
}

/// A management-group scope (`/providers/Microsoft.Management/managementGroups/NAME`), whose
/// members aksguard cannot see.
pub fn is_management_group(scope: &str) -> bool {
    scope.to_ascii_lowercase().starts_with("/providers/microsoft.management/managementgroups/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Inner {
        name: Option<String>,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Outer {
        #[serde(deserialize_with = "object")]
        inner: Option<Inner>,
        #[serde(deserialize_with = "objects")]
        items: Vec<Inner>,
        #[serde(deserialize_with = "text")]
        note: Option<String>,
    }

    #[test]
    fn arrays_are_not_read_as_objects() {
        assert!(serde_json::from_value::<Outer>(json!({"inner": ["x"]})).is_err());
        assert!(serde_json::from_value::<Outer>(json!({"items": [["x"]]})).is_err());
        assert!(serde_json::from_value::<Outer>(json!({"inner": {"name": 5}})).is_err(), "wrong type inside");
        let outer: Outer = serde_json::from_value(json!({"inner": null, "items": null})).unwrap();
        assert!(outer.inner.is_none() && outer.items.is_empty());
        let outer: Outer = serde_json::from_value(json!({"inner": {"name": "a"}, "items": [{"name": "b"}]})).unwrap();
        assert_eq!(outer.inner.unwrap().name.as_deref(), Some("a"));
        assert_eq!(outer.items[0].name.as_deref(), Some("b"));
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Resource {
        #[serde(deserialize_with = "required")]
        properties: Inner,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Flag {
        on: bool,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Pair {
        flag: Flag,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Nested {
        #[serde(deserialize_with = "object")]
        pair: Option<Pair>,
        #[serde(deserialize_with = "objects")]
        pairs: Vec<Pair>,
    }

    #[test]
    fn an_object_inside_a_nested_object_is_never_read_from_an_array() {
        let lenient: Pair = serde_json::from_value(json!({"flag": [true]})).unwrap();
        assert!(lenient.flag.on, "serde alone reads it by position");
        assert!(serde_json::from_value::<Nested>(json!({"pair": {"flag": [true]}})).is_err());
        assert!(serde_json::from_value::<Nested>(json!({"pairs": [{"flag": [true]}]})).is_err());
        let read: Nested = serde_json::from_value(json!({"pair": {"flag": {"on": true}}})).unwrap();
        assert!(read.pair.unwrap().flag.on);
    }

    #[test]
    fn a_required_object_is_never_read_from_an_array() {
        assert!(serde_json::from_value::<Resource>(json!({"properties": ["a"]})).is_err());
        assert!(serde_json::from_value::<Resource>(json!({"properties": null})).unwrap().properties.name.is_none());
    }

    #[test]
    fn server_text_is_short_and_printable() {
        let outer: Outer = serde_json::from_value(json!({"note": "a\u{1b}[31m\n\n b"})).unwrap();
        assert_eq!(outer.note.as_deref(), Some("a [31m b"));
        let long = short(&"x".repeat(1000));
        assert_eq!(long.chars().count(), TEXT_LIMIT + 1);
    }

    #[test]
    fn scopes_contain_by_segment() {
        let cluster = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/aks";
        assert!(within(cluster, "/subscriptions/s"));
        assert!(within(cluster, "/subscriptions/S/resourcegroups/rg/"));
        assert!(within(cluster, cluster));
        assert!(within(cluster, "/"));
        assert!(!within(cluster, "/subscriptions/S/resourceGroups/R"));
        assert!(!within("/subscriptions/S", cluster));
        assert!(is_management_group("/providers/Microsoft.Management/managementGroups/contoso"));
        assert!(same_id(cluster, &cluster.to_lowercase()));
    }
}
