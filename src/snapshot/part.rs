//! `Part<T>`: one piece of cluster state that was either collected or is unavailable, with why.
//!
//! Every source a rule can read is wrapped in a `Part`, so "we could not read it" can never be
//! confused with "it is empty". Serialised as `{"status":"collected","data":...}` or
//! `{"status":"unavailable","reason":"..."}`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Part<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = PartRepr::<T>::deserialize(deserializer)?;
        match (repr.status, repr.data) {
            (PartStatus::Collected, Some(data)) => Ok(Part::Collected(data)),
            (PartStatus::Collected, None) => Err(serde::de::Error::custom("a collected part needs `data`")),
            (PartStatus::Unavailable, _) => {
                Ok(Part::Unavailable(repr.reason.unwrap_or_else(|| "no reason recorded".into())))
            }
        }
    }
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
    fn collected_without_data_is_rejected() {
        assert!(serde_json::from_str::<Part<Vec<u32>>>(r#"{"status":"collected"}"#).is_err());
    }
}
