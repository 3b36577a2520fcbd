//! Waivers from the config file: a failing finding a waiver matches becomes `waived` until the
//! waiver expires, and each waiver says what became of it (active, expired, stale, rule not run).

use super::Report;
use crate::config::{Config, Waiver, WaiverOutcome, WaiverState};
use crate::finding::{Evidence, Status};

/// Waives the failing findings a waiver matches, unless it has expired, and says what became of it.
pub(super) fn apply_waiver(
    report: &mut Report,
    waiver: &Waiver,
    config: &Config,
    today: jiff::civil::Date,
) -> WaiverOutcome {
    let expired = waiver.is_expired(today);
    let mut matched = 0;
    for finding in report.findings.iter_mut().filter(|finding| waiver.matches(finding)) {
        matched += 1;
        // A waiver accepts a known risk: an unknown finding stays unknown.
        if !expired && finding.status == Status::Fail {
            finding.status = Status::Waived;
            finding.push_evidence(Evidence::configuration(format!(
                "waived until {}: {} ({} line {})",
                waiver.expires_on(),
                waiver.reason,
                config.file_name(),
                waiver.line
            )));
        }
    }
    let state = if !report.rules.contains(&waiver.rule.get_ref().as_str()) {
        WaiverState::RuleNotRun
    } else if expired {
        WaiverState::Expired
    } else if matched == 0 {
        WaiverState::Stale
    } else {
        WaiverState::Active
    };
    WaiverOutcome {
        rule: waiver.rule.get_ref().clone(),
        resource: waiver.resource.clone(),
        reason: waiver.reason.clone(),
        expires: waiver.expires_on().to_string(),
        state,
        matched,
        file: config.file_name(),
        line: waiver.line,
    }
}
