//! aksguard: audits the security posture of an Azure Kubernetes Service cluster.
//!
//! Data flows one way: `collect` fills a [`snapshot::Snapshot`], [`rules`] judge it,
//! [`audit`] gathers the findings into a report, [`report`] prints it.

pub mod audit;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod doctor;
pub mod finding;
pub mod fleet;
pub mod report;
pub mod rules;
pub mod snapshot;
