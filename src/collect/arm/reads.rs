//! What aksguard reads from ARM, as the declaration (`snapshot::sources`) says: per read, the
//! snapshot source it fills, the pinned api-version and the RBAC action it needs.
//! `deploy/aksguard-reader-role.json` grants exactly these actions (a test keeps the two in
//! sync), and `aksguard doctor` lists them.

use crate::snapshot::sources::{self, ArmSource};

/// One ARM read: its source, api-version, RBAC action and path (declared in `snapshot::sources`).
pub use crate::snapshot::sources::ArmRead as Read;

pub const CLUSTER: Read = sources::arm::ManagedCluster::READ;
pub const POOL_UPGRADE_PROFILES: Read = sources::arm::AgentPoolUpgradeProfiles::READ;
pub const KUBERNETES_VERSIONS: Read = sources::arm::KubernetesVersions::READ;
pub const DEFENDER_PRICING: Read = sources::arm::DefenderPricing::READ;

/// Every read, in the order of the snapshot's ARM parts.
pub const ALL: &[Read] = sources::ARM_READS;

/// The distinct actions, sorted: the custom role's `Actions`.
pub fn actions() -> Vec<&'static str> {
    let mut actions: Vec<&str> = ALL.iter().map(|read| read.action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// An ARM path segment aksguard puts in a URL (subscription, resource group, cluster, pool,
/// region): ARM's name characters only, so nothing can change the path or query.
pub fn check_segment(what: &str, value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= 90
        && !value.chars().all(|c| c == '.')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
    match valid {
        true => Ok(()),
        false => Err(format!("'{value}' is not a valid {what}: use letters, digits, '-', '_', '.', '(' and ')'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snapshot_arm_part_has_one_read() {
        let snapshot = crate::snapshot::Snapshot::empty("test", "none");
        let arm_sources: Vec<&str> =
            snapshot.sources().iter().map(|(s, _)| *s).filter(|s| s.starts_with("arm/")).collect();
        assert_eq!(arm_sources, ALL.iter().map(|read| read.source).collect::<Vec<_>>());
    }

    #[test]
    fn segments_cannot_escape_the_path() {
        assert!(check_segment("resource group", "rg-prod_1.(eu)").is_ok());
        for bad in ["", "..", "a/b", "a?b", "a b", "..%2f"] {
            assert!(check_segment("resource group", bad).is_err(), "{bad}");
        }
    }
}
