//! What the rules share, kept apart from them so that `src/rules/` lists the rules: the context
//! a rule reads the snapshot through, workload grouping, Kubernetes-only inference, the CIS
//! catalog, report metadata, version and date helpers, and the test helpers.

use super::{ALL, Rule};

pub mod aks_calendar;
pub mod cis;
pub mod clock;
pub mod context;
pub mod defender_severity;
pub mod images;
pub mod inference;
pub mod kube_version;
pub mod meta;
pub mod node_image;
pub mod restricted_profile;
pub mod system;
#[cfg(test)]
pub(crate) mod testing;
pub mod workload_check;
pub mod workloads;

pub use context::{ClusterNames, Context, Missing};
pub use system::Settings;
