//! `--format markdown`: for pull-request comments and `$GITHUB_STEP_SUMMARY`. A summary table by
//! severity, the failing findings with their fix, what could not be evaluated and why, waivers
//! that need attention, then the rest (passes, waived, not applicable) folded in `<details>`.
//! Text from the cluster is escaped, so a name can never inject markup into a PR comment.

use super::text::{escape_xml, short_resource};
use crate::audit::Report;
use crate::finding::{BaselineState, Finding, Severity, Status};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    severity_table(&mut out, report);
    let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.needs_action()).collect();
    if !failing.is_empty() {
        writeln!(out, "\n### Failing findings\n").unwrap();
        for finding in failing {
            failing_finding(&mut out, finding);
        }
    }
    not_evaluated(&mut out, report);
    let attention: Vec<_> = report.waivers.iter().filter(|w| w.needs_attention()).collect();
    if !attention.is_empty() {
        writeln!(out, "\n### Waivers needing attention\n").unwrap();
        for waiver in attention {
            writeln!(out, "- {}", escape(&waiver.describe())).unwrap();
        }
    }
    the_rest(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let cluster = report.target.cluster.as_deref().unwrap_or("(name unknown: no ARM data)");
    writeln!(out, "## aksguard: cluster {}\n", escape(cluster)).unwrap();
    let by_status = &report.summary.by_status;
    let verdict = if by_status.fail > 0 {
        "❌"
    } else if by_status.unknown > 0 {
        "⚠️"
    } else {
        "✅"
    };
    writeln!(
        out,
        "{verdict} **{} failing**, {} unknown, {} passing, {} waived, {} not applicable · source: {} · aksguard {}",
        by_status.fail,
        by_status.unknown,
        by_status.pass,
        by_status.waived,
        by_status.not_applicable,
        escape(&report.target.source),
        report.tool.version
    )
    .unwrap();
    if let Some(baseline) = &report.summary.baseline {
        writeln!(
            out,
            "\nAgainst the baseline: **{} new**, {} fixed, {} unchanged (only new findings count for `--fail-on`).",
            baseline.new, baseline.fixed, baseline.unchanged
        )
        .unwrap();
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
        code_span(short_resource(&finding.resource)),
        escape(&finding.message)
    )
    .unwrap();
    for line in &finding.evidence {
        writeln!(out, "- {}", escape(line)).unwrap();
    }
    if let Some(fix) = &finding.remediation {
        writeln!(out, "\nFix:\n\n{}", fenced(fix)).unwrap();
    }
    out.push('\n');
}

fn not_evaluated(out: &mut String, report: &Report) {
    let unknown: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
    if unknown.is_empty() && report.unavailable.is_empty() {
        return;
    }
    writeln!(out, "\n### Could not be evaluated\n").unwrap();
    for finding in unknown {
        writeln!(
            out,
            "- **unknown** `{}` on {}: {}",
            code(&finding.rule),
            code_span(short_resource(&finding.resource)),
            escape(&finding.message)
        )
        .unwrap();
    }
    for source in &report.unavailable {
        writeln!(out, "- not read: `{}`: {}", code(source.source), escape(&source.reason)).unwrap();
    }
}

fn the_rest(out: &mut String, report: &Report) {
    let rest: Vec<&Finding> =
        report.findings.iter().filter(|f| !f.needs_action() && f.status != Status::Unknown).collect();
    if rest.is_empty() {
        return;
    }
    writeln!(out, "\n<details><summary>{} passing, waived and not-applicable findings</summary>\n", rest.len())
        .unwrap();
    writeln!(out, "| Status | Severity | Rule | Resource | Finding |\n|---|---|---|---|---|").unwrap();
    for finding in rest {
        let detail = std::iter::once(finding.message.as_str())
            .chain(finding.evidence.iter().map(|line| line.as_str()))
            .map(escape)
            .collect::<Vec<_>>()
            .join("<br>");
        writeln!(
            out,
            "| {} | {} | `{}` | {} | {} |",
            finding.status,
            finding.severity,
            code(&finding.rule),
            code_span(short_resource(&finding.resource)),
            detail
        )
        .unwrap();
    }
    writeln!(out, "\n</details>").unwrap();
}

/// Escapes Markdown (backslashes) and inline HTML (entities); newlines become `<br>` so table
/// cells stay on one row.
fn escape(text: &str) -> String {
    let mut marked = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!') {
            marked.push('\\');
        }
        marked.push(c);
    }
    escape_xml(&marked).replace('\n', "<br>")
}

/// Text for inside a code span: backticks and pipes cannot be escaped there, so they are replaced.
fn code(text: &str) -> String {
    text.replace('`', "'").replace('|', "¦").replace('\n', " ")
}

fn code_span(text: &str) -> String {
    format!("`{}`", code(text))
}

/// A fenced block long enough that no backtick run in the text can close it.
fn fenced(text: &str) -> String {
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
    }
}
