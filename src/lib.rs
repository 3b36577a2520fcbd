//! aksguard: audits the security posture of an Azure Kubernetes Service cluster.
//!
//! Data flows one way: `collect` fills a [`snapshot::Snapshot`], [`rules`] judge it,
//! [`audit`] gathers the findings into a report, [`report`] prints it.

pub mod allocator;
pub mod audit;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod diff;
pub mod doctor;
pub mod escape;
pub mod finding;
pub mod fleet;
pub mod plan;
pub mod redact;
pub mod report;
pub mod report_file;
pub mod rules;
pub mod scope;
pub mod snapshot;
pub mod strict_json;
pub mod text_file;
pub mod threads;
