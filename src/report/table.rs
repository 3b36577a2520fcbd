//! `--format table`: findings grouped by severity (most severe first), each group a table, then a
//! summary line and the sources that could not be read.

use crate::audit::{Report, Show};
use crate::finding::{Finding, Severity, Status};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};
use std::fmt::Write;

use super::Style;
use super::text::short_resource;

/// Longer remediations (manifests) are left to `--format json` and `aksguard explain`.
const MAX_REMEDIATION_LINES: usize = 4;

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
    if style.colour {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for finding in findings {
        table.add_row([
            Cell::new(finding.status).fg(status_colour(finding.status)).add_attribute(Attribute::Bold),
            Cell::new(&finding.rule),
            Cell::new(short_resource(&finding.resource)),
            Cell::new(details(finding)),
        ]);
    }
    table
}

/// The message, the evidence, and the fix.
fn details(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    for line in &finding.evidence {
        write!(text, "\n· {line}").unwrap();
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
