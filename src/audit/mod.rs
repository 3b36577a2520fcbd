//! Runs the selected rules over a snapshot and builds the [`Report`]: findings in report order,
//! a summary, and the sources that could not be read; then applies the config file (severity
//! overrides, namespaces, [`waivers`]). The report model is in [`report`], the exit gate in [`gate`].

mod gate;
mod report;
mod waivers;

pub use gate::Gate;
pub use report::{
    BaselineCounts, REPORT_SCHEMA_VERSION, Report, SeverityCounts, Show, StatusCounts, Summary, Target, Tool,
};

use crate::config::Config;
use crate::finding::Finding;
use crate::rules::{Context, Rule, Settings};
use crate::snapshot::Snapshot;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Evaluates `rules` against the snapshot.
pub fn run(snapshot: &Snapshot, rules: &[&Rule], settings: &Settings) -> Report {
    let context = Context::new(snapshot, settings);
    let findings = evaluate(rules, &context);
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

/// Every rule's findings, in report order ([`sort`]). The rules share nothing but the read-only
/// snapshot and the context's lazily built indexes, so they run on every core the machine has
/// (at most [`crate::threads::MOST`]); the result is the same as evaluating them one after the other.
fn evaluate(rules: &[&Rule], context: &Context) -> Vec<Finding> {
    evaluate_on(crate::threads::available(), rules, context)
}

fn evaluate_on(threads: usize, rules: &[&Rule], context: &Context) -> Vec<Finding> {
    let threads = threads.min(rules.len());
    if threads <= 1 {
        return in_report_order(rules.iter().map(|rule| sorted_findings(rule, context)).collect());
    }
    let next = AtomicUsize::new(0);
    // Each worker takes the next rule not yet taken, so one slow rule does not hold up the rest.
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.get(index) else { return done };
            done.push((index, sorted_findings(rule, context)));
        }
    };
    let mut by_rule: Vec<Vec<Finding>> = Vec::new();
    by_rule.resize_with(rules.len(), Vec::new);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        for worker in workers {
            let done = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (index, findings) in done {
                by_rule[index] = findings;
            }
        }
    });
    in_report_order(by_rule)
}

/// One rule's findings in report order, sorted on the thread that ran it.
fn sorted_findings(rule: &Rule, context: &Context) -> Vec<Finding> {
    let mut findings = rule.evaluate(context);
    // What lets [`in_report_order`] take each list from the front.
    debug_assert!(findings.iter().all(|f| f.rule == rule.id), "{} reports under another rule's id", rule.id);
    sort_one_rule(&mut findings);
    findings
}

/// [`sort`] for the findings of one rule, which all carry its id.
fn sort_one_rule(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (b.severity, a.status, &a.resource).cmp(&(a.severity, b.status, &b.resource)));
}

/// The findings of every rule, each rule's already in report order, gathered in report order:
/// the runs of one severity and status are ordered by rule, and each rule's runs come out in
/// its own order, so each list is taken from the front and nothing is compared twice.
fn in_report_order(by_rule: Vec<Vec<Finding>>) -> Vec<Finding> {
    struct Run<'r> {
        severity: crate::finding::Severity,
        status: crate::finding::Status,
        rule: &'r str,
        list: usize,
        len: usize,
    }
    let mut runs: Vec<Run> = Vec::new();
    for (list, findings) in by_rule.iter().enumerate() {
        for run in findings.chunk_by(|a, b| (a.severity, a.status, &a.rule) == (b.severity, b.status, &b.rule)) {
            let first = &run[0];
            runs.push(Run { severity: first.severity, status: first.status, rule: &first.rule, list, len: run.len() });
        }
    }
    runs.sort_by(|a, b| (b.severity, a.status, a.rule).cmp(&(a.severity, b.status, b.rule)));
    let order: Vec<(usize, usize)> = runs.iter().map(|run| (run.list, run.len)).collect();
    let mut lists: Vec<_> = by_rule.into_iter().map(Vec::into_iter).collect();
    let mut findings = Vec::with_capacity(lists.iter().map(ExactSizeIterator::len).sum());
    for (list, len) in order {
        findings.extend(lists[list].by_ref().take(len));
    }
    findings
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
        config.waivers.iter().map(|waiver| waivers::apply_waiver(report, waiver.get_ref(), config, today)).collect();
    sort(&mut report.findings);
    report.summary = Summary::of(&report.findings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WaiverState;
    use crate::finding::{Resource, Severity, Status};
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

    /// Whatever thread runs which rule, the findings are those of the rules run one by one, in order.
    #[test]
    fn rules_run_on_several_threads_give_the_findings_of_one_thread() {
        let settings = Settings::default();
        for name in crate::collect::demo::names() {
            let snapshot = crate::collect::demo::load(name).unwrap();
            let mut one_by_one: Vec<Finding> =
                ALL.iter().flat_map(|rule| rule.evaluate(&Context::new(&snapshot, &settings))).collect();
            sort(&mut one_by_one);
            assert!(one_by_one.len() > ALL.len(), "{name}: too few findings to tell orders apart");
            for threads in [1, 2, 3, 8] {
                let shared = Context::new(&snapshot, &settings);
                assert!(evaluate_on(threads, ALL, &shared) == one_by_one, "{name} on {threads} threads");
            }
        }
    }

    /// Gathering each rule's sorted findings is sorting them all, with severities overridden at
    /// random so that one rule's findings spread over several runs.
    #[test]
    fn gathering_sorted_rules_is_sorting_every_finding() {
        let snapshot = crate::collect::demo::load("insecure").unwrap();
        let settings = Settings::default();
        let context = Context::new(&snapshot, &settings);
        let mut seed = 7u64;
        let mut by_rule: Vec<Vec<Finding>> = ALL
            .iter()
            .map(|rule| {
                let mut findings: Vec<Finding> = rule.evaluate(&context);
                for finding in &mut findings {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    finding.severity = Severity::DESCENDING[(seed >> 33) as usize % 5];
                }
                findings
            })
            .collect();
        let mut expected: Vec<Finding> = by_rule.iter().flatten().cloned().collect();
        sort(&mut expected);
        for findings in &mut by_rule {
            sort_one_rule(findings);
        }
        let gathered = in_report_order(by_rule);
        assert!(gathered == expected);
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
