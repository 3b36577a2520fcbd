//! `--format table`: findings grouped by severity (most severe first), each group a table, then a
//! summary line and the sources that could not be read.
//!
//! The table stays readable on a 100,000-pod cluster: within a severity, findings of one rule with
//! the same status and message (the same problem in 3,000 namespaces) form a group that shows its
//! first rows and then one "+N more" row, and a finding's evidence (one line per rejected
//! workload) is capped the same way. `--format json` keeps every finding and every line.

use crate::audit::{Report, Show};
use crate::finding::{Finding, Severity, Status};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};
use std::collections::HashMap;
use std::fmt::Write;

use super::Style;
use super::text::short_resource;

/// Longer remediations (manifests) are left to `--format json` and `aksguard explain`.
const MAX_REMEDIATION_LINES: usize = 4;
/// Rows a group of identical findings shows before its "+N more" row.
const MAX_GROUP_ROWS: usize = 3;
/// Evidence lines a finding shows before "+N more".
const MAX_EVIDENCE_LINES: usize = 4;
/// Resources a "+N more" row names.
const MORE_NAMES: usize = 3;

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    writeln!(out, "{}", header(report)).unwrap();
    let (platform, shown): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().filter(|f| style.show.keeps(f)).partition(|f| f.platform_managed);
    if shown.is_empty() {
        let what = if style.show == Show::All { "no findings" } else { "no failing or unknown findings" };
        writeln!(out, "\n{what}").unwrap();
    }
    for severity in Severity::DESCENDING {
        let group: Vec<&Finding> = shown.iter().copied().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "\n{}", paint(&severity.as_str().to_uppercase(), severity_colour(severity), style.colour))
            .unwrap();
        writeln!(out, "{}", table(&group, style)).unwrap();
    }
    write_platform_group(&mut out, &platform, style);
    writeln!(out, "\n{}", summary_line(report)).unwrap();
    if let Some(baseline) = &report.summary.baseline {
        writeln!(
            out,
            "Baseline: {} new, {} fixed, {} unchanged (only new findings count for --fail-on)",
            baseline.new, baseline.fixed, baseline.unchanged
        )
        .unwrap();
    }
    let attention: Vec<String> =
        report.waivers.iter().filter(|w| w.needs_attention()).map(|w| format!("  {}", w.describe())).collect();
    if !attention.is_empty() {
        writeln!(out, "\nWaivers needing attention:\n{}", attention.join("\n")).unwrap();
    }
    if !report.unavailable.is_empty() {
        writeln!(out, "\nNot read (rules that need these are unknown):").unwrap();
        for source in &report.unavailable {
            writeln!(out, "  {}: {}", source.source, source.reason).unwrap();
        }
    }
    let hint = match style.show {
        Show::Failed => "`aksguard explain RULE` tells why and how to fix; --show all adds passing findings.",
        Show::All => "`aksguard explain RULE` tells why and how to fix.",
    };
    writeln!(out, "\n{hint}").unwrap();
    out
}

/// Findings about AKS-managed components: a count by default, the table with `--show all`.
fn write_platform_group(out: &mut String, platform: &[&Finding], style: Style) {
    if platform.is_empty() {
        return;
    }
    let heading =
        format!("PLATFORM-MANAGED ({} findings in system namespaces; never counted by --fail-on)", platform.len());
    writeln!(out, "\n{}", paint(&heading, Color::Grey, style.colour)).unwrap();
    match style.show {
        Show::All => writeln!(out, "{}", table(platform, style)).unwrap(),
        Show::Failed => writeln!(out, "--show all lists them.").unwrap(),
    }
}

fn header(report: &Report) -> String {
    let target = &report.target;
    let cluster = match (&target.cluster, &target.resource_group) {
        (Some(name), Some(group)) => format!("cluster {name} (resource group {group})"),
        (Some(name), None) => format!("cluster {name}"),
        _ => "cluster (name unknown: no ARM data)".to_string(),
    };
    format!("aksguard {} · {cluster} · source: {}", report.tool.version, target.source)
}

fn table(findings: &[&Finding], style: Style) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(["Status", "Rule", "Resource", "Finding"]);
    // The finding (message, evidence, fix) is what people read: the id columns give way to it.
    if let Some(resource) = table.column_mut(2) {
        resource.set_constraint(ColumnConstraint::UpperBoundary(Width::Percentage(24)));
    }
    if style.colour {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for group in group_repeats(findings) {
        for finding in group.iter().take(MAX_GROUP_ROWS) {
            table.add_row([
                status_cell(finding.status),
                Cell::new(&finding.rule),
                Cell::new(short_resource(&finding.resource)),
                Cell::new(details(finding)),
            ]);
        }
        if let Some(more) = more_row(&group) {
            table.add_row([
                status_cell(group[0].status),
                Cell::new(&group[0].rule),
                Cell::new(more.0),
                Cell::new(more.1),
            ]);
        }
    }
    table
}

fn status_cell(status: Status) -> Cell {
    Cell::new(status).fg(status_colour(status)).add_attribute(Attribute::Bold)
}

/// Findings of the same rule, status and message, in the order they first appear (the report's
/// order: by rule, then resource).
fn group_repeats<'a>(findings: &[&'a Finding]) -> Vec<Vec<&'a Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut index: HashMap<(&str, Status, &str), usize> = HashMap::new();
    for finding in findings {
        let key = (finding.rule.as_str(), finding.status, finding.message.as_str());
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(finding);
    }
    groups
}

/// The "+N more" row of a group longer than it shows: (resource cell, finding cell).
fn more_row(group: &[&Finding]) -> Option<(String, String)> {
    let hidden = group.get(MAX_GROUP_ROWS..).filter(|rest| !rest.is_empty())?;
    let names: Vec<&str> = hidden.iter().take(MORE_NAMES).map(|f| short_resource(&f.resource)).collect();
    let etc = if hidden.len() > MORE_NAMES { ", …" } else { "" };
    Some((
        format!("+{} more", hidden.len()),
        format!(
            "{} more with the same finding: {}{etc}\n--format json lists every finding with its evidence",
            hidden.len(),
            names.join(", ")
        ),
    ))
}

/// The message, the evidence (capped), and the fix.
fn details(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    for line in finding.evidence.iter().take(MAX_EVIDENCE_LINES) {
        write!(text, "\n· {line}").unwrap();
    }
    if let Some(more) = finding.evidence.len().checked_sub(MAX_EVIDENCE_LINES).filter(|more| *more > 0) {
        write!(text, "\n· +{more} more (--format json lists them all)").unwrap();
    }
    if let Some(fix) = &finding.remediation {
        if fix.lines().count() <= MAX_REMEDIATION_LINES {
            write!(text, "\nFix: {fix}").unwrap();
        } else {
            write!(text, "\nFix: a ready-to-apply manifest: see --format json or `aksguard explain {}`", finding.rule)
                .unwrap();
        }
    }
    text
}

fn summary_line(report: &Report) -> String {
    let summary = &report.summary;
    let statuses: Vec<String> = Status::ALL
        .iter()
        .filter(|status| summary.by_status.get(**status) > 0)
        .map(|status| format!("{} {status}", summary.by_status.get(*status)))
        .collect();
    let failing: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|severity| format!("{} {severity}", summary.failing_by_severity.get(*severity)))
        .collect();
    let platform = match summary.platform_managed {
        0 => String::new(),
        n => format!(" · {n} platform-managed"),
    };
    format!(
        "Summary: {} findings: {} · failing by severity: {}{platform}",
        summary.total - summary.platform_managed,
        if statuses.is_empty() { "none".to_string() } else { statuses.join(", ") },
        failing.join(", ")
    )
}

fn severity_colour(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Info => Color::Grey,
    }
}

fn status_colour(status: Status) -> Color {
    match status {
        Status::Fail => Color::Red,
        Status::Unknown => Color::Yellow,
        Status::Pass => Color::Green,
        Status::NotApplicable | Status::Waived => Color::Grey,
    }
}

/// Bold and coloured heading text, or plain.
fn paint(text: &str, colour: Color, enabled: bool) -> String {
    if !enabled {
        return text.to_string();
    }
    let code = match colour {
        Color::Magenta => 35,
        Color::Red => 31,
        Color::Yellow => 33,
        Color::Blue => 34,
        _ => 37,
    };
    format!("\x1b[1;{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ALL, Settings};
    use crate::snapshot::Snapshot;

    fn finding(status: Status, resource: &str, message: &str) -> Finding {
        ALL[0].finding(status, crate::finding::Resource::for_test(resource), message)
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut report = crate::audit::run(&Snapshot::empty("test", "not provided"), &[], &Settings::default());
        report.findings = findings;
        report
    }

    fn render_wide(report: &Report) -> String {
        render(report, Style { show: Show::All, colour: false, width: 400 })
    }

    #[test]
    fn repeated_findings_show_a_few_rows_and_a_more_row() {
        let mut findings: Vec<Finding> =
            (0..10).map(|i| finding(Status::Fail, &format!("Namespace/ns-{i}"), "no default deny")).collect();
        findings.push(finding(Status::Fail, "Namespace/other", "another problem"));
        findings.push(finding(Status::Pass, "Namespace/ns-9", "no default deny"));
        let table = render_wide(&report(findings));
        for shown in ["Namespace/ns-0 ", "Namespace/ns-1 ", "Namespace/ns-2 ", "Namespace/other", "another problem"] {
            assert!(table.contains(shown), "{shown} missing:\n{table}");
        }
        assert!(table.contains("+7 more"), "{table}");
        assert!(
            table.contains("7 more with the same finding: Namespace/ns-3, Namespace/ns-4, Namespace/ns-5, …"),
            "{table}"
        );
        assert!(!table.contains("ns-6"), "hidden rows are not printed:\n{table}");
        assert_eq!(table.matches("+").count(), 1, "one more row; the pass is its own group:\n{table}");
        assert!(table.contains("Namespace/ns-9 "), "a different status is a different group:\n{table}");
    }

    #[test]
    fn a_group_that_fits_has_no_more_row() {
        let findings =
            (0..MAX_GROUP_ROWS).map(|i| finding(Status::Fail, &format!("Namespace/ns-{i}"), "same")).collect();
        let table = render_wide(&report(findings));
        assert!(!table.contains("more"), "{table}");
    }

    #[test]
    fn long_evidence_is_capped_and_json_keeps_it_all() {
        let mut long = finding(Status::Fail, "Namespace/shop", "workloads would be rejected");
        for i in 0..10 {
            long = long.with_evidence(crate::finding::Evidence::kubernetes(format!(
                "restricted would reject Deployment/shop/app-{i}"
            )));
        }
        let report = report(vec![long]);
        let table = render_wide(&report);
        assert!(table.contains("app-3") && !table.contains("app-4"), "{table}");
        assert!(table.contains("· +6 more (--format json lists them all)"), "{table}");
        let json = crate::report::render(
            &report,
            crate::report::Format::Json,
            Style { show: Show::All, colour: false, width: 80 },
        );
        assert!(json.contains("app-9"), "{json}");
    }
}
