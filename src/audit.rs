//! Runs the selected rules over a snapshot and builds the [`Report`]: findings in report order,
//! a summary, and the sources that could not be read.

use crate::config::{Config, Waiver, WaiverOutcome, WaiverState};
use crate::finding::{BaselineState, Evidence, Finding, Severity, Status};
use crate::rules::{Context, Rule, Settings};
use crate::snapshot::{Snapshot, UnavailableSource};
use serde::Serialize;

/// Bumped on any incompatible change to the JSON report.
/// 2: each finding carries `confidence` (`high`, or `medium` when part of its evidence was inferred).
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    pub summary: Summary,
    pub unavailable: Vec<UnavailableSource>,
    /// Every finding, most severe first; outputs filter them with `--show`.
    pub findings: Vec<Finding>,
    /// The config file's waivers and what became of each (expired and stale ones need attention).
    pub waivers: Vec<WaiverOutcome>,
    /// The ids of the rules that ran, in catalog order.
    #[serde(skip)]
    pub rules: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub cluster: Option<String>,
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    pub source: String,
}

/// Counts over all findings, whatever `--show` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub by_status: StatusCounts,
    pub failing_by_severity: SeverityCounts,
    pub unknown_by_severity: SeverityCounts,
    /// Findings about AKS-managed components (system namespaces); the other counts leave them out.
    pub platform_managed: usize,
    /// With `--baseline`: how the failing and unknown findings compare with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
}

/// Failing and unknown findings against `--baseline`: `new` ones trip `--fail-on`; `fixed` ones
/// were in the baseline and are gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BaselineCounts {
    pub new: usize,
    pub fixed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    pub fail: usize,
    pub unknown: usize,
    pub pass: usize,
    #[serde(rename = "not-applicable")]
    pub not_applicable: usize,
    pub waived: usize,
}

impl StatusCounts {
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Fail => self.fail,
            Status::Unknown => self.unknown,
            Status::Pass => self.pass,
            Status::NotApplicable => self.not_applicable,
            Status::Waived => self.waived,
        }
    }

    fn add(&mut self, status: Status) {
        *match status {
            Status::Fail => &mut self.fail,
            Status::Unknown => &mut self.unknown,
            Status::Pass => &mut self.pass,
            Status::NotApplicable => &mut self.not_applicable,
            Status::Waived => &mut self.waived,
        } += 1;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn add(&mut self, severity: Severity) {
        *match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        } += 1;
    }
}

impl Summary {
    fn of(findings: &[Finding]) -> Self {
        let mut summary = Summary { total: findings.len(), ..Summary::default() };
        for finding in findings {
            // AKS's own components are counted apart, so every total speaks of what the user owns.
            if finding.platform_managed {
                summary.platform_managed += 1;
                continue;
            }
            summary.by_status.add(finding.status);
            match finding.status {
                Status::Fail => summary.failing_by_severity.add(finding.severity),
                Status::Unknown => summary.unknown_by_severity.add(finding.severity),
                _ => {}
            }
        }
        summary
    }
}

/// Evaluates `rules` against the snapshot.
pub fn run(snapshot: &Snapshot, rules: &[&Rule], settings: &Settings) -> Report {
    let context = Context::new(snapshot, settings);
    let mut findings: Vec<Finding> = rules.iter().flat_map(|rule| rule.evaluate(&context)).collect();
    sort(&mut findings);
    let cluster = snapshot.azure.managed_cluster.collected();
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: Tool { name: "aksguard", version: env!("CARGO_PKG_VERSION") },
        target: Target {
            cluster: cluster.and_then(|c| c.name.clone()),
            resource_group: cluster.and_then(|c| c.resource_group()).map(str::to_string),
            subscription: cluster.and_then(|c| c.subscription_id()).map(str::to_string),
            source: snapshot.source.clone(),
        },
        summary: Summary::of(&findings),
        unavailable: snapshot.unavailable_sources(),
        findings,
        waivers: Vec::new(),
        rules: rules.iter().map(|rule| rule.id).collect(),
    }
}

/// Most severe first, then what needs action first.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (b.severity, a.status, &a.rule, &a.resource).cmp(&(a.severity, b.status, &b.rule, &b.resource))
    });
}

/// Applies `aksguard.toml` to a report: severity overrides, the namespaces to audit, then waivers
/// (as of `today`, UTC). Rules never see the config; this is the one place it changes findings.
pub fn apply_config(report: &mut Report, config: &Config, today: jiff::civil::Date) {
    for finding in &mut report.findings {
        if let Some(severity) = config.severity_override(&finding.rule) {
            finding.severity = severity;
        }
    }
    if !config.namespaces.is_empty() {
        let settings = config.settings();
        report.findings.retain(|finding| match finding.resource.namespace() {
            Some(ns) => settings.system_namespaces.iter().any(|s| s == ns) || config.namespaces.iter().any(|n| n == ns),
            None => true,
        });
    }
    report.waivers =
        config.waivers.iter().map(|waiver| apply_waiver(report, waiver.get_ref(), config, today)).collect();
    sort(&mut report.findings);
    report.summary = Summary::of(&report.findings);
}

/// Waives the failing findings a waiver matches, unless it has expired, and says what became of it.
fn apply_waiver(report: &mut Report, waiver: &Waiver, config: &Config, today: jiff::civil::Date) -> WaiverOutcome {
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

/// What `--show` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    /// Failing and unknown findings.
    Failed,
    /// Everything, passes, not-applicable and waived included.
    All,
}

impl Show {
    pub fn keeps(self, finding: &Finding) -> bool {
        self == Show::All || matches!(finding.status, Status::Fail | Status::Unknown)
    }
}

/// When a run exits 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate {
    pub fail_on: Option<Severity>,
    pub fail_on_unknown: bool,
}

impl Gate {
    /// A failing finding at or above `--fail-on`; with `--fail-on-unknown`, an unknown one at or
    /// above it (any unknown when `--fail-on` is not given). Platform-managed findings never
    /// count; with `--baseline`, new ones only.
    pub fn trips(&self, report: &Report) -> bool {
        let counts =
            |finding: &&Finding| !finding.platform_managed && finding.baseline != Some(BaselineState::Unchanged);
        report.findings.iter().filter(counts).any(|finding| match finding.status {
            Status::Fail => self.fail_on.is_some_and(|threshold| finding.severity >= threshold),
            Status::Unknown => self.fail_on_unknown && finding.severity >= self.fail_on.unwrap_or(Severity::Info),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Resource;
    use crate::rules::ALL;

    fn finding(severity: Severity, status: Status) -> Finding {
        ALL[0].finding(status, Resource::for_test("r"), "m").with_severity(severity)
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut report = run(&Snapshot::empty("t", "x"), &[], &Settings::default());
        report.summary = Summary::of(&findings);
        report.findings = findings;
        report
    }

    #[test]
    fn gate_compares_severity_and_status() {
        let report = report(vec![finding(Severity::Medium, Status::Fail), finding(Severity::High, Status::Unknown)]);
        let gate = |fail_on, fail_on_unknown| Gate { fail_on, fail_on_unknown }.trips(&report);
        assert!(!gate(None, false), "never fails by default");
        assert!(gate(Some(Severity::Medium), false));
        assert!(gate(Some(Severity::Low), false));
        assert!(!gate(Some(Severity::High), false));
        assert!(gate(Some(Severity::High), true), "the high unknown trips it");
        assert!(!gate(Some(Severity::Critical), true));
        assert!(gate(None, true), "any unknown without --fail-on");
    }

    #[test]
    fn platform_managed_findings_never_trip_the_gate() {
        let report = report(vec![finding(Severity::Critical, Status::Fail).platform_managed(true)]);
        assert!(!Gate { fail_on: Some(Severity::Info), fail_on_unknown: true }.trips(&report));
        assert_eq!(report.summary.platform_managed, 1);
        assert_eq!(report.summary.by_status.fail, 0, "the user's totals leave AKS's components out");
    }

    #[test]
    fn summary_counts_by_status_and_severity() {
        let summary = Summary::of(&[
            finding(Severity::High, Status::Fail),
            finding(Severity::High, Status::Fail),
            finding(Severity::Low, Status::Unknown),
            finding(Severity::Low, Status::Pass),
        ]);
        assert_eq!(summary.total, 4);
        assert_eq!((summary.by_status.fail, summary.by_status.unknown, summary.by_status.pass), (2, 1, 1));
        assert_eq!(summary.failing_by_severity.high, 2);
        assert_eq!(summary.unknown_by_severity.low, 1);
    }

    fn config(text: &str) -> Config {
        Config::parse(text, std::path::Path::new("aksguard.toml")).unwrap()
    }

    const WAIVER: &str = "[[waiver]]\nrule = \"api-server-access\"\nresource = \"shop/*\"\nreason = \"accepted\"\nexpires = 2026-06-30\n";

    /// The same findings and config, judged on two days: the clock is injected.
    #[test]
    fn a_waiver_applies_through_its_expiry_date_and_not_after() {
        let at = |day| {
            let mut report = report(vec![finding(Severity::High, Status::Fail).with_resource(Resource::namespaced(
                "Deployment",
                "shop",
                "web",
            ))]);
            report.rules = vec![ALL[0].id];
            apply_config(&mut report, &config(WAIVER), day);
            report
        };
        let last_day = at(jiff::civil::date(2026, 6, 30));
        assert_eq!(last_day.findings[0].status, Status::Waived);
        assert_eq!(last_day.summary.by_status.waived, 1);
        assert_eq!(last_day.waivers[0].state, WaiverState::Active);
        assert!(last_day.findings[0].evidence[0].starts_with("waived until 2026-06-30: accepted"));
        let day_after = at(jiff::civil::date(2026, 7, 1));
        assert_eq!(day_after.findings[0].status, Status::Fail, "expired: it counts again");
        assert_eq!(day_after.waivers[0].state, WaiverState::Expired);
        assert!(Gate { fail_on: Some(Severity::High), fail_on_unknown: false }.trips(&day_after));
        assert!(!Gate { fail_on: Some(Severity::High), fail_on_unknown: false }.trips(&last_day));
    }

    #[test]
    fn a_waiver_never_hides_an_unknown_finding_and_one_matching_nothing_is_stale() {
        let mut report =
            report(vec![finding(Severity::High, Status::Unknown).with_resource(Resource::kube_namespace("shop"))]);
        report.rules = vec![ALL[0].id];
        let mut unknown_only = report.clone();
        let waiver = WAIVER.replace("shop/*", "shop");
        apply_config(&mut unknown_only, &config(&waiver), jiff::civil::date(2026, 1, 1));
        assert_eq!(unknown_only.findings[0].status, Status::Unknown);
        assert_eq!(unknown_only.waivers[0].state, WaiverState::Active, "it matched; the data is just missing");
        apply_config(&mut report, &config(WAIVER), jiff::civil::date(2026, 1, 1));
        assert_eq!(report.waivers[0].state, WaiverState::Stale);
    }

    #[test]
    fn the_namespaces_setting_keeps_system_and_listed_namespaces_and_cluster_findings() {
        let mut report = report(vec![
            finding(Severity::High, Status::Fail).with_resource(Resource::namespaced("Deployment", "shop", "web")),
            finding(Severity::High, Status::Fail).with_resource(Resource::namespaced("Deployment", "blog", "web")),
            finding(Severity::High, Status::Fail).with_resource(Resource::kube_namespace("kube-system")),
            finding(Severity::High, Status::Fail).with_resource(Resource::arm("/subscriptions/s/resourceGroups/rg")),
        ]);
        apply_config(&mut report, &config("namespaces = [\"shop\"]\n"), jiff::civil::date(2026, 1, 1));
        let kept: Vec<&str> = report.findings.iter().map(|f| f.resource.as_str()).collect();
        assert_eq!(kept, ["/subscriptions/s/resourceGroups/rg", "Deployment/shop/web", "Namespace/kube-system"]);
    }

    #[test]
    fn every_rule_is_unknown_on_an_empty_snapshot() {
        let report = run(&Snapshot::empty("t", "not provided"), ALL, &Settings::default());
        for rule in ALL {
            let own: Vec<&Finding> = report.findings.iter().filter(|f| f.rule == rule.id).collect();
            assert!(!own.is_empty(), "{} reported nothing", rule.id);
            assert!(
                own.iter().all(|f| f.status == Status::Unknown),
                "{} must be unknown without data: {own:#?}",
                rule.id
            );
        }
    }
}
