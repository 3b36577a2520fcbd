//! `Part<T>`: one piece of cluster state that was either collected or is unavailable, with why.
//!
//! Every source a rule can read is wrapped in a `Part`, so "we could not read it" can never be
//! confused with "it is empty". Serialised as `{"status":"collected","data":...}` or
//! `{"status":"unavailable","reason":"..."}`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq)]
pub enum Part<T> {
    Collected(T),
    Unavailable(String),
}

impl<T> Part<T> {
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Part::Unavailable(reason.into())
    }

    /// The data, or the reason it is missing.
    pub fn get(&self) -> Result<&T, &str> {
        match self {
            Part::Collected(data) => Ok(data),
            Part::Unavailable(reason) => Err(reason),
        }
    }

    pub fn collected(&self) -> Option<&T> {
        self.get().ok()
    }

    pub fn unavailable_reason(&self) -> Option<&str> {
        self.get().err()
    }

    /// The reason, to be completed (see [`UNREADABLE_DATA`]); `None` when collected.
    pub(crate) fn reason_mut(&mut self) -> Option<&mut String> {
        match self {
            Part::Collected(_) => None,
            Part::Unavailable(reason) => Some(reason),
        }
    }
}

/// The wire form. A plain struct (not an internally tagged enum) so serde streams large `data`
/// arrays instead of buffering them.
#[derive(Serialize, Deserialize)]
struct PartRepr<T> {
    status: PartStatus,
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum PartStatus {
    Collected,
    Unavailable,
}

impl<T: Serialize> Serialize for Part<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a, T> {
            status: PartStatus,
            #[serde(skip_serializing_if = "Option::is_none")]
            data: Option<&'a T>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'a str>,
        }
        let out = match self {
            Part::Collected(data) => Out { status: PartStatus::Collected, data: Some(data), reason: None },
            Part::Unavailable(reason) => Out { status: PartStatus::Unavailable, data: None, reason: Some(reason) },
        };
        out.serialize(serializer)
    }
}

/// The longest reason of a snapshot file repeated (aksguard's own are a few hundred characters).
const REASON_CHARS: usize = 1000;

/// Where the reason of a part read from a snapshot file begins when its data is JSON without a
/// duplicate key but not of its model (a wrong type): the reader of the file puts the file and
/// the part's place in front of the path ([`crate::collect::snapshot_file`]).
pub const UNREADABLE_DATA: &str = "not readable: data";

/// A part's `data` is read on its own (kept raw first): a wrong type in it makes that part
/// unavailable, with the path and what is wrong, and leaves the rest of the snapshot readable.
/// A duplicate key or invalid JSON in it still refuses the file.
impl<'de, T: DeserializeOwned> Deserialize<'de> for Part<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = PartRepr::<Box<RawValue>>::deserialize(deserializer)?;
        match (repr.status, repr.data) {
            (PartStatus::Collected, Some(data)) => match crate::strict_json::from_str::<T>(data.get()) {
                Ok(data) => Ok(Part::Collected(data)),
                Err(err) => unreadable(data.get(), &err.to_string()),
            },
            (PartStatus::Collected, None) => Err(serde::de::Error::custom("a collected part needs `data`")),
            // The file may have been tampered with: its reason is outside text like any other.
            (PartStatus::Unavailable, _) => match repr.reason {
                Some(reason) => Ok(Part::Unavailable(crate::redact::excerpt(&reason, REASON_CHARS))),
                None => Ok(Part::unavailable("no reason recorded")),
            },
        }
    }
}

/// The part whose `data` (JSON text) did not read as its model: unavailable when only a type is
/// wrong; the error of the file when `data` holds a duplicate key.
fn unreadable<T, E: serde::de::Error>(data: &str, error: &str) -> Result<Part<T>, E> {
    let (path, what) = crate::strict_json::describe(error);
    if let Err(err) = crate::strict_json::from_str::<serde_json::Value>(data) {
        let (path, what) = crate::strict_json::describe(&err.to_string());
        return Err(E::custom(format_args!("at `{}`: {what}", crate::strict_json::join_path("data", &path))));
    }
    Ok(Part::Unavailable(format!("not readable: {}: {what}", crate::strict_json::join_path("data", &path))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_states() {
        let collected: Part<Vec<u32>> = Part::Collected(vec![]);
        let json = serde_json::to_string(&collected).unwrap();
        assert_eq!(json, r#"{"status":"collected","data":[]}"#);
        assert_eq!(serde_json::from_str::<Part<Vec<u32>>>(&json).unwrap(), collected);

        let missing: Part<Vec<u32>> = Part::unavailable("forbidden");
        let json = serde_json::to_string(&missing).unwrap();
        assert_eq!(json, r#"{"status":"unavailable","reason":"forbidden"}"#);
        assert_eq!(serde_json::from_str::<Part<Vec<u32>>>(&json).unwrap(), missing);
    }

    #[test]
    fn data_of_a_wrong_type_makes_the_part_unavailable_but_a_duplicate_key_does_not() {
        let part: Part<Vec<u32>> = serde_json::from_str(r#"{"status":"collected","data":[1,"x"]}"#).unwrap();
        assert_eq!(part, Part::unavailable("not readable: data[1]: expected a number, found a string"));
        let part: Part<Vec<u32>> = serde_json::from_str(r#"{"status":"collected","data":{}}"#).unwrap();
        assert_eq!(part, Part::unavailable("not readable: data: expected an array, found an object"));
        let err = crate::strict_json::from_str::<Part<Vec<u32>>>(r#"{"status":"collected","data":[1,{"a":1,"a":2}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("at `data[1]`: duplicate field `a`"), "{err}");
    }

    #[test]
    fn a_reason_from_a_file_is_cut_short_escaped_and_redacted() {
        let text = format!(
            r#"{{"status":"unavailable","reason":"\u001b]0;x\u0007 Bearer abc.def.ghi {}"}}"#,
            "y".repeat(5000)
        );
        let Part::<Vec<u32>>::Unavailable(reason) = serde_json::from_str(&text).unwrap() else { panic!() };
        assert!(
            reason.starts_with("\\u{1b}]0;x\\u{7} Bearer [redacted] yyy") && reason.chars().count() <= REASON_CHARS + 1,
            "{reason}"
        );
    }

    #[test]
    fn collected_without_data_is_rejected() {
        assert!(serde_json::from_str::<Part<Vec<u32>>>(r#"{"status":"collected"}"#).is_err());
    }
}
