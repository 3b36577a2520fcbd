//! `--format markdown`: for pull-request comments and `$GITHUB_STEP_SUMMARY`. A summary table by
//! severity, the failing findings with their fix, what could not be evaluated and why, waivers
//! that need attention, then the rest (passes, waived, not applicable) folded in `<details>`.
//! A report longer than a comment ([`LIMIT`]) folds progressively: as much stays expanded as
//! fits, the most severe first; the rest becomes a per-rule table that says how to get it.
//! Text from the cluster is escaped, so a name can never inject markup into a PR comment.

use super::text::{escape_xml, short_resource};
use super::{Style, by_rule};
use crate::audit::{Report, Show};
use crate::escape;
use crate::finding::{BaselineState, Finding, Severity, Status};
use std::fmt::Write;

/// GitHub's limit for a pull-request comment; job summaries take 1 MiB. A longer report folds to
/// per-rule counts so that it fits both.
pub const LIMIT: usize = 65_536;

/// Failing findings listed per rule in a folded report.
const FOLDED_NAMES: usize = 5;

pub fn render(report: &Report, style: &Style) -> String {
    let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.needs_action()).collect();
    let groups: Vec<Rule> = by_rule(&failing)
        .into_iter()
        .map(|(rule, findings)| {
            let mut expanded = String::new();
            for finding in &findings {
                failing_finding(&mut expanded, finding);
            }
            let mut row = String::new();
            rule_row(&mut row, rule, &findings);
            Rule { severity: findings[0].severity, findings: findings.len(), expanded, row }
        })
        .collect();
    let everything = Expanded { rules: vec![true; groups.len()], unknown: true, rest: true };
    let expanded = render_as(report, style, &groups, &everything);
    if expanded.len() <= LIMIT || style.full {
        return expanded;
    }
    render_as(report, style, &groups, &fold(report, style, &groups))
}

/// A failing rule's findings, rendered both ways.
struct Rule {
    severity: Severity,
    findings: usize,
    /// Each finding with its evidence and fix.
    expanded: String,
    /// One row of the per-rule table.
    row: String,
}

/// What a report too long for a comment keeps expanded: each failing rule's findings with their
/// evidence and fix (else a row of the per-rule table), the unknown findings' reasons (else a
/// per-rule table), the passing findings (else their counts).
struct Expanded {
    rules: Vec<bool>,
    unknown: bool,
    rest: bool,
}

/// The most that fits [`LIMIT`], in order of need: the critical and high rules, the reasons of
/// what could not be evaluated, the other rules by severity, then the passing findings. A part too
/// long to fit is skipped for the next.
fn fold(report: &Report, style: &Style, groups: &[Rule]) -> Expanded {
    let mut expanded = Expanded { rules: vec![false; groups.len()], unknown: false, rest: false };
    let mut rules: Vec<usize> = (0..groups.len()).collect();
    rules.sort_by_key(|at| std::cmp::Reverse(groups[*at].severity));
    let (urgent, others): (Vec<usize>, Vec<usize>) =
        rules.into_iter().partition(|at| groups[*at].severity >= Severity::High);
    let fits = |expanded: &Expanded| render_as(report, style, groups, expanded).len() <= LIMIT;
    for at in urgent {
        expanded.rules[at] = true;
        expanded.rules[at] = fits(&expanded);
    }
    expanded.unknown = true;
    expanded.unknown = fits(&expanded);
    for at in others {
        expanded.rules[at] = true;
        expanded.rules[at] = fits(&expanded);
    }
    expanded.rest = true;
    expanded.rest = fits(&expanded);
    expanded
}

fn render_as(report: &Report, style: &Style, groups: &[Rule], expanded: &Expanded) -> String {
    let mut out = String::new();
    header(&mut out, report, style);
    severity_table(&mut out, report);
    let shown = || groups.iter().zip(&expanded.rules);
    if shown().any(|(_, open)| *open) {
        writeln!(out, "\n### Failing findings\n").unwrap();
        for (rule, _) in shown().filter(|(_, open)| **open) {
            out.push_str(&rule.expanded);
        }
    }
    let folded: Vec<&Rule> = shown().filter(|(_, open)| !**open).map(|(rule, _)| rule).collect();
    if !folded.is_empty() {
        let count: usize = folded.iter().map(|rule| rule.findings).sum();
        let of_them = if folded.len() == groups.len() { "" } else { "more " };
        writeln!(
            out,
            "\n### Failing findings by rule\n\n{count} {of_them}failing findings: too many to expand in a comment ({} characters at most), \
             so they are counted per rule here. Every finding with its evidence and fix: \
             `aksguard audit -o html --output-file aksguard.html` or `-o json`; one rule's fix: `aksguard explain RULE`; \
             `--full` expands everything, however long.\n",
            LIMIT
        )
        .unwrap();
        out.push_str(TABLE_HEAD);
        for rule in folded {
            out.push_str(&rule.row);
        }
    }
    not_evaluated(&mut out, report, !expanded.unknown);
    let attention: Vec<_> = report.waivers.iter().filter(|w| w.needs_attention()).collect();
    if !attention.is_empty() {
        writeln!(out, "\n### Waivers needing attention\n").unwrap();
        for waiver in attention {
            writeln!(out, "- {}", escape(&waiver.describe())).unwrap();
        }
    }
    platform_managed(&mut out, report);
    the_rest(&mut out, report, !expanded.rest);
    out
}

const TABLE_HEAD: &str = "| Severity | Rule | Findings | Resources |\n|---|---|---:|---|\n";

/// One row per rule: severity, rule, count and the first resources.
fn rule_table(out: &mut String, findings: &[&Finding]) {
    out.push_str(TABLE_HEAD);
    for (rule, group) in by_rule(findings) {
        rule_row(out, rule, &group);
    }
}

fn rule_row(out: &mut String, rule: &str, group: &[&Finding]) {
    let names: Vec<String> =
        group.iter().take(FOLDED_NAMES).map(|f| code_span(short_resource(&f.resource.to_string()))).collect();
    let more = group.len().saturating_sub(FOLDED_NAMES);
    let more = if more > 0 { format!(", +{more} more") } else { String::new() };
    writeln!(out, "| {} | `{}` | {} | {}{more} |", group[0].severity, code(rule), group.len(), names.join(", "))
        .unwrap();
}

/// Findings about AKS's own components: a section of their own, never under "passing".
fn platform_managed(out: &mut String, report: &Report) {
    let platform: Vec<&Finding> =
        report.findings.iter().filter(|f| f.platform_managed && Show::Failed.keeps(f)).collect();
    if platform.is_empty() {
        return;
    }
    writeln!(
        out,
        "\n### Platform-managed (system namespaces)\n\n{} findings about AKS's own components: reported, never counted by `--fail-on`.\n",
        platform.len()
    )
    .unwrap();
    rule_table(out, &platform);
}

fn header(out: &mut String, report: &Report, style: &Style) {
    let cluster = report.target.cluster.as_deref().unwrap_or("(name unknown: no ARM data)");
    writeln!(out, "## aksguard: cluster {}\n", escape(cluster)).unwrap();
    let by_status = &report.summary.by_status;
    let (verdict, gate) = verdict(report, style);
    writeln!(
        out,
        "{verdict} {gate}**{} failing**, {} unknown, {} passing, {} waived, {} not applicable · source: {} · aksguard {}",
        by_status.fail,
        by_status.unknown,
        by_status.pass,
        by_status.waived,
        by_status.not_applicable,
        escape(&report.target.source),
        report.tool.version
    )
    .unwrap();
    if let Some(config) = &style.config {
        writeln!(out, "\nConfig: {}", escape(config)).unwrap();
    }
    if let Some(baseline) = &report.summary.baseline {
        writeln!(
            out,
            "\nAgainst the baseline: **{} new**, {} fixed, {} unchanged (only new findings count for `--fail-on`).",
            baseline.new, baseline.fixed, baseline.unchanged
        )
        .unwrap();
    }
}

/// The icon and, with `--fail-on`, the gate's outcome: a passing gate is never shown as ❌.
fn verdict(report: &Report, style: &Style) -> (&'static str, String) {
    let by_status = &report.summary.by_status;
    let gate = &style.gate;
    let attention = if by_status.unknown > 0 { "⚠️" } else { "✅" };
    match gate.fail_on {
        Some(threshold) if gate.trips(report) => ("❌", format!("fails `--fail-on {threshold}` · ")),
        Some(threshold) => (attention, format!("passes `--fail-on {threshold}` · ")),
        None if by_status.fail > 0 => ("❌", String::new()),
        None => (attention, String::new()),
    }
}

fn severity_table(out: &mut String, report: &Report) {
    writeln!(out, "\n| Severity | Failing | Unknown |\n|---|---:|---:|").unwrap();
    for severity in Severity::DESCENDING {
        let failing = report.summary.failing_by_severity.get(severity);
        let unknown = report.summary.unknown_by_severity.get(severity);
        writeln!(out, "| {severity} | {failing} | {unknown} |").unwrap();
    }
}

fn failing_finding(out: &mut String, finding: &Finding) {
    let new = if finding.baseline == Some(BaselineState::New) { " · **new**" } else { "" };
    writeln!(
        out,
        "#### {} `{}` · {}{new}\n\n**{}**",
        finding.severity.as_str().to_uppercase(),
        code(&finding.rule),
        code_span(short_resource(&finding.resource.to_string())),
        escape(&finding.message)
    )
    .unwrap();
    for line in &finding.evidence {
        writeln!(out, "- {}", escape(&line.to_string())).unwrap();
    }
    if let Some(fix) = &finding.remediation {
        writeln!(out, "\nFix:\n\n{}", fenced(fix)).unwrap();
    }
    out.push('\n');
}

fn not_evaluated(out: &mut String, report: &Report, folded: bool) {
    let unknown: Vec<&Finding> =
        report.findings.iter().filter(|f| f.status == Status::Unknown && !f.platform_managed).collect();
    if unknown.is_empty() && report.unavailable.is_empty() {
        return;
    }
    writeln!(out, "\n### Could not be evaluated\n").unwrap();
    if folded && !unknown.is_empty() {
        rule_table(out, &unknown);
        out.push('\n');
    }
    for finding in unknown.iter().filter(|_| !folded) {
        writeln!(
            out,
            "- **unknown** `{}` on {}: {}",
            code(&finding.rule),
            code_span(short_resource(&finding.resource.to_string())),
            escape(&finding.message)
        )
        .unwrap();
    }
    for source in &report.unavailable {
        writeln!(out, "- not read: `{}`: {}", code(source.source), escape(&source.reason)).unwrap();
    }
}

fn the_rest(out: &mut String, report: &Report, folded: bool) {
    let rest: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.platform_managed && !matches!(f.status, Status::Fail | Status::Unknown))
        .collect();
    if rest.is_empty() {
        return;
    }
    if folded {
        let count = |status: Status| rest.iter().filter(|f| f.status == status).count();
        writeln!(
            out,
            "\n{} passing, {} waived and {} not-applicable findings (`-o json` lists them).",
            count(Status::Pass),
            count(Status::Waived),
            count(Status::NotApplicable)
        )
        .unwrap();
        return;
    }
    writeln!(out, "\n<details><summary>{} passing, waived and not-applicable findings</summary>\n", rest.len())
        .unwrap();
    writeln!(out, "| Status | Severity | Rule | Resource | Finding |\n|---|---|---|---|---|").unwrap();
    for finding in rest {
        let detail = std::iter::once(finding.message.as_str())
            .map(escape)
            .chain(finding.evidence.iter().map(|line| escape(&line.to_string())))
            .collect::<Vec<_>>()
            .join("<br>");
        writeln!(
            out,
            "| {} | {} | `{}` | {} | {} |",
            finding.status,
            finding.severity,
            code(&finding.rule),
            code_span(short_resource(&finding.resource.to_string())),
            detail
        )
        .unwrap();
    }
    writeln!(out, "\n</details>").unwrap();
}

/// Escapes Markdown (backslashes) and inline HTML (entities); newlines become `<br>` so table
/// cells stay on one row. Control characters are shown as the table shows them
/// ([`escape::terminal`]): a Markdown file is read in terminals too (`cat`, CI logs).
fn escape(text: &str) -> String {
    let mut marked = String::with_capacity(text.len());
    for c in escape::terminal(text).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!') {
            marked.push('\\');
        }
        marked.push(c);
    }
    escape_xml(&marked).replace('\n', "<br>")
}

/// Text for inside a code span: backticks and pipes cannot be escaped there, so they are replaced.
fn code(text: &str) -> String {
    escape::terminal(text).replace('`', "'").replace('|', "¦").replace('\n', " ")
}

fn code_span(text: &str) -> String {
    format!("`{}`", code(text))
}

/// A fenced block long enough that no backtick run in the text can close it.
fn fenced(text: &str) -> String {
    let text = &escape::terminal(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let language = if text.trim_start().starts_with("apiVersion:") { "yaml" } else { "sh" };
    format!("{fence}{language}\n{}\n{fence}", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_text_cannot_inject_markup() {
        assert_eq!(escape("<img src=x> *bold* | [link](u)"), "&lt;img src=x&gt; \\*bold\\* \\| \\[link\\](u)");
        assert_eq!(code("a`b|c"), "a'b¦c");
        assert_eq!(fenced("echo ```"), "````sh\necho ```\n````");
        assert_eq!(escape("ns\u{1b}]0;owned\u{7}"), r"ns\\u{1b}\]0;owned\\u{7}");
        assert_eq!(code("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert!(!fenced("kubectl -n \u{1b}[2J edit").contains('\u{1b}'));
    }
}
