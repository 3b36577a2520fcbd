//! The AKS Kubernetes release calendar, embedded for offline audits (when the region's version
//! list from ARM, `az aks get-versions`, is not given). It is dated: findings print the date, so
//! a stale table shows. Source: Microsoft Learn, "Supported Kubernetes versions in AKS" (release
//! calendar and LTS tables). An end of life given as a month means its last day.

use super::kube_version::Minor;
use jiff::civil::{Date, date};

/// When the table was last read from the AKS release calendar.
pub const TABLE_DATE: Date = date(2026, 11, 24);

pub struct Release {
    pub minor: Minor,
    /// General availability (the month's first day): from then on it is an upgrade target.
    pub ga: Date,
    /// End of community support.
    pub end_of_life: Date,
    /// End of Long Term Support (`supportPlan: AKSLongTermSupport`), where the calendar gives it.
    pub lts_end_of_life: Option<Date>,
}

const fn release(minor: u32, ga: Date, end_of_life: Date, lts_end_of_life: Option<Date>) -> Release {
    Release { minor: Minor { major: 1, minor }, ga, end_of_life, lts_end_of_life }
}

/// Oldest first. Minors older than the first one are long out of support.
pub const RELEASES: &[Release] = &[
    release(27, date(2023, 7, 1), date(2024, 7, 31), Some(date(2025, 7, 31))),
    release(28, date(2023, 11, 1), date(2025, 1, 31), None),
    release(29, date(2024, 3, 1), date(2025, 3, 31), Some(date(2026, 4, 30))),
    release(30, date(2024, 7, 1), date(2025, 8, 22), Some(date(2026, 7, 31))),
    release(31, date(2024, 11, 1), date(2025, 11, 1), Some(date(2026, 11, 30))),
    release(32, date(2025, 4, 1), date(2026, 3, 31), Some(date(2027, 3, 31))),
    release(33, date(2025, 6, 1), date(2026, 7, 31), Some(date(2027, 7, 31))),
    release(34, date(2025, 11, 1), date(2026, 11, 30), Some(date(2027, 11, 30))),
    release(35, date(2026, 3, 1), date(2027, 3, 31), Some(date(2028, 3, 31))),
    release(36, date(2026, 6, 1), date(2027, 6, 30), Some(date(2028, 6, 30))),
    release(37, date(2026, 10, 1), date(2027, 10, 31), Some(date(2028, 10, 31))),
];

pub fn find(minor: Minor) -> Option<&'static Release> {
    RELEASES.iter().find(|release| release.minor == minor)
}

pub fn oldest() -> &'static Release {
    &RELEASES[0]
}

pub fn newest() -> &'static Release {
    &RELEASES[RELEASES.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_ordered_and_consistent() {
        for pair in RELEASES.windows(2) {
            assert!(pair[0].minor < pair[1].minor && pair[0].ga <= pair[1].ga);
        }
        for release in RELEASES {
            assert!(release.ga < release.end_of_life, "{}", release.minor);
            assert!(release.lts_end_of_life.is_none_or(|lts| lts > release.end_of_life), "{}", release.minor);
            assert!(release.ga <= TABLE_DATE, "{} is listed before its GA", release.minor);
        }
        assert_eq!(find(Minor { major: 1, minor: 33 }).map(|r| r.end_of_life), Some(date(2026, 7, 31)));
    }
}
