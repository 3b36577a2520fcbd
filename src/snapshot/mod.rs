//! The snapshot: everything aksguard knows about one cluster, from whatever source. Rules read
//! only this type. It is saved and loaded as versioned JSON (`aksguard snapshot --output-file FILE`).

pub mod arm;
pub mod authorization;
pub mod kube;
mod part;
pub mod policy;
pub mod security;
pub mod sources;
pub mod strict;

pub use part::{Part, UNREADABLE_DATA};
pub use sources::{AzList, Kind};

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change to the snapshot's JSON form.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    /// Where the data came from, for people: `demo insecure`, `files: a.json, b.json`.
    pub source: String,
    pub azure: AzureState,
    pub kubernetes: KubernetesState,
}

macro_rules! state_types {
    (kubernetes: $( $marker:ident => $field:ident: $model:ident, $konst:ident = $plural:literal,
        ($group:literal, $version:literal, $scope:ident), short [$($short:literal),*]; )*) => {
        /// What the Kubernetes API says: one part per entry of [`kubernetes_sources!`].
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct KubernetesState {
            $( #[serde(default = "not_in_snapshot")] pub $field: Part<Vec<kube::$model>>, )*
        }

        impl KubernetesState {
            /// Every part unavailable for `reason`.
            pub fn unavailable(reason: &str) -> Self {
                KubernetesState { $( $field: Part::unavailable(reason), )* }
            }

            /// Every source with its unavailability reason, in snapshot order; `None` when collected.
            pub fn sources(&self) -> Vec<(&'static str, Option<&str>)> {
                vec![$( (source::$konst, self.$field.unavailable_reason()), )*]
            }

            /// Every unavailable part's field name, source and reason, for the snapshot reader
            /// to complete.
            pub(crate) fn reasons_mut(&mut self) -> Vec<(&'static str, &'static str, &mut String)> {
                let mut reasons = Vec::new();
                $( if let Some(reason) = self.$field.reason_mut() {
                    reasons.push((stringify!($field), source::$konst, reason));
                } )*
                reasons
            }
        }

        /// The names of the Kubernetes sources.
        pub mod kubernetes_source {
            $( pub const $konst: &str = concat!("kubernetes/", $plural); )*
        }
    };
    (arm: $( $marker:ident => $field:ident: $shape:ident $model:ident, $konst:ident = $name:literal,
        accessor $accessor:ident, what $what:literal, api $api:ident, action $action:literal,
        live $path:ident($at:literal), az $az:literal, az_type $az_type:tt, az_list $az_list:tt; )*) => {
        /// What the AKS management (ARM) API says: one part per entry of [`arm_sources!`].
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct AzureState {
            $( #[serde(default = "not_in_snapshot")] pub $field: Part<$crate::__source_data!($shape arm::$model)>, )*
        }

        impl AzureState {
            /// Every part unavailable for `reason`.
            pub fn unavailable(reason: &str) -> Self {
                AzureState { $( $field: Part::unavailable(reason), )* }
            }

            /// Every source with its unavailability reason, in snapshot order; `None` when collected.
            pub fn sources(&self) -> Vec<(&'static str, Option<&str>)> {
                vec![$( (source::$konst, self.$field.unavailable_reason()), )*]
            }

            /// Every unavailable part's field name, source and reason, for the snapshot reader
            /// to complete.
            pub(crate) fn reasons_mut(&mut self) -> Vec<(&'static str, &'static str, &mut String)> {
                let mut reasons = Vec::new();
                $( if let Some(reason) = self.$field.reason_mut() {
                    reasons.push((stringify!($field), source::$konst, reason));
                } )*
                reasons
            }
        }

        /// The names of the ARM sources.
        pub mod arm_source {
            $( pub const $konst: &str = $name; )*
        }
    };
}

macro_rules! kubernetes_state {
    ($($entries:tt)*) => { state_types!(kubernetes: $($entries)*); };
}
macro_rules! azure_state {
    ($($entries:tt)*) => { state_types!(arm: $($entries)*); };
}
crate::kubernetes_sources!(kubernetes_state);
crate::arm_sources!(azure_state);

/// A part missing from a snapshot file (taken by an aksguard that did not read that source yet) is
/// unavailable, so adding a source never breaks older snapshots.
fn not_in_snapshot<T>() -> Part<T> {
    Part::unavailable("not in this snapshot: it was taken by an aksguard that did not read this source")
}

/// A source that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnavailableSource {
    pub source: &'static str,
    pub reason: String,
}

impl Snapshot {
    /// A snapshot where every source is unavailable for the same reason; input paths fill in
    /// what they have.
    pub fn empty(source: impl Into<String>, reason: &str) -> Self {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            source: source.into(),
            azure: AzureState::unavailable(reason),
            kubernetes: KubernetesState::unavailable(reason),
        }
    }

    /// Every source with its unavailability reason, ARM first, in snapshot order; `None` when
    /// collected.
    pub fn sources(&self) -> Vec<(&'static str, Option<&str>)> {
        let mut sources = self.azure.sources();
        sources.extend(self.kubernetes.sources());
        sources
    }

    pub fn unavailable_sources(&self) -> Vec<UnavailableSource> {
        self.sources()
            .into_iter()
            .filter_map(|(source, reason)| Some(UnavailableSource { source, reason: reason?.to_string() }))
            .collect()
    }
}

/// The names of the sources, as rules declare them and reports print them (declared in
/// [`sources`]).
pub mod source {
    pub use super::arm_source::*;
    pub use super::kubernetes_source::*;
}
