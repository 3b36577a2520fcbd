//! `--format html`: one self-contained page for instructors and managers. A posture overview with
//! a severity chart drawn inline (SVG), a table of contents, the findings grouped by area and then
//! by rule, one folded card per rule (open for critical and high severity; each rule linked to its
//! documentation, its first finding shown, the others, evidence and manifests one click away,
//! fixes wrapping in their box), a folded per-namespace view whose links open the rule they name,
//! the platform-managed findings apart, what could not be evaluated and why, waivers needing
//! attention, and the passing checks folded away.
//! No scripts, fonts or other fetches: a Content-Security-Policy forbids them, and every piece
//! of text is escaped.

use super::text::{escape_xml as esc, short_resource};
use super::{Style, by_rule};
use crate::audit::Report;
use crate::finding::{BaselineState, Finding, Severity, Status};
use crate::rules::meta;
use std::fmt::Write;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:72rem;padding:1.5rem;color:#1b1f24;line-height:1.45}
header{border-bottom:3px solid #0b5cad;margin-bottom:1rem}h1{margin:.2rem 0}.meta{color:#57606a}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}.card{border:1px solid #d0d7de;border-radius:.5rem;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.6rem}.card.fail b{color:#c62828}.card.unknown b{color:#b26a00}.card.pass b{color:#2e7d32}
.finding{border:1px solid #d0d7de;border-left:6px solid #999;border-radius:.4rem;padding:.1rem .8rem;margin:.3rem 0}
.sev-critical{border-left-color:#7b1fa2}.sev-high{border-left-color:#c62828}.sev-medium{border-left-color:#ef6c00}.sev-low{border-left-color:#1565c0}.sev-info{border-left-color:#757575}
.finding summary{cursor:pointer;padding:.15rem 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.finding summary .gist{color:#57606a}
.finding[open] summary .gist{display:none}.finding .items{scroll-margin-top:3rem}.tag{display:inline-block;border-radius:.3rem;padding:0 .4rem;font-size:.8rem;background:#eaeef2;margin-right:.3rem}
.tag.new{background:#ffebe9;color:#c62828}a.tag{color:inherit}
pre{background:#f6f8fa;padding:.4rem .6rem;border-radius:.3rem;margin:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere}pre .w{white-space:nowrap}svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
nav#toc ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;list-style:none}
.finding .item{margin:.2rem 0 .3rem}.finding .line details{display:inline-block;margin-left:.6rem;vertical-align:top}.finding details{font-size:.9rem;color:#57606a}
.finding ul.evidence{margin:.2rem 0;padding-left:1.2rem}
";

/// Fixes longer than this (manifests) are folded.
const MAX_OPEN_FIX_LINES: usize = 6;

pub fn render(report: &Report, style: &Style) -> String {
    let cluster = report.target.cluster.as_deref().unwrap_or("cluster (name unknown: no ARM data)");
    let mut out = String::new();
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>aksguard: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(cluster)
    )
    .unwrap();
    writeln!(
        out,
        "<header><h1>AKS security posture: {}</h1><p class=\"meta\">{}source: {} · aksguard {}</p></header>",
        esc(cluster),
        report.target.resource_group.as_deref().map(|rg| format!("resource group {} · ", esc(rg))).unwrap_or_default(),
        esc(&report.target.source),
        esc(report.tool.version)
    )
    .unwrap();
    if let Some(config) = &style.config {
        writeln!(out, "<p class=\"meta\" id=\"config\">config: {}</p>", esc(config)).unwrap();
    }
    contents(&mut out, report);
    overview(&mut out, report, style);
    findings_by_area(&mut out, report);
    by_namespace(&mut out, report);
    platform_managed(&mut out, report);
    not_evaluated(&mut out, report);
    waivers(&mut out, report);
    passing(&mut out, report);
    out.push_str("</body>\n</html>\n");
    out
}

/// The table of contents: every section and area, by anchor.
fn contents(out: &mut String, report: &Report) {
    out.push_str("<nav id=\"toc\"><ul><li><a href=\"#overview\">Overview</a></li>");
    let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.needs_action()).collect();
    for area in meta::AREAS {
        let count = failing.iter().filter(|f| meta::area(&f.rule) == area).count();
        if count > 0 {
            write!(out, "<li><a href=\"#{}\">{} ({count})</a></li>", area_anchor(area), esc(area)).unwrap();
        }
    }
    out.push_str("<li><a href=\"#namespaces\">By namespace</a></li>");
    if report.findings.iter().any(|f| f.platform_managed) {
        out.push_str("<li><a href=\"#platform\">Platform-managed</a></li>");
    }
    out.push_str(
        "<li><a href=\"#not-evaluated\">Not evaluated</a></li><li><a href=\"#passing\">Passing</a></li></ul></nav>\n",
    );
}

/// `Upgrades and patching` → `area-upgrades-and-patching`.
fn area_anchor(area: &str) -> String {
    let slug: String =
        area.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("area-{slug}")
}

fn overview(out: &mut String, report: &Report, style: &Style) {
    let counts = &report.summary.by_status;
    out.push_str("<section id=\"overview\"><h2>Posture overview</h2>\n");
    if let Some(threshold) = style.gate.fail_on {
        let verdict = if style.gate.trips(report) { "fails" } else { "passes" };
        writeln!(out, "<p id=\"verdict\">The run <b>{verdict}</b> <code>--fail-on {threshold}</code>.</p>").unwrap();
    }
    out.push_str("<div class=\"cards\">");
    for (class, label, count) in [
        ("fail", "failing", counts.fail),
        ("unknown", "not evaluated", counts.unknown),
        ("pass", "passing", counts.pass),
        ("waived", "waived", counts.waived),
        ("na", "not applicable", counts.not_applicable),
    ] {
        write!(out, "<div class=\"card {class}\"><b>{count}</b>{label}</div>").unwrap();
    }
    out.push_str("</div>\n");
    if let Some(baseline) = &report.summary.baseline {
        writeln!(
            out,
            "<p id=\"baseline\">Against the baseline: <b>{} new</b>, {} fixed, {} unchanged. Only new findings count for <code>--fail-on</code>.</p>",
            baseline.new, baseline.fixed, baseline.unchanged
        )
        .unwrap();
    }
    out.push_str(&severity_chart(report));
    out.push_str("</section>\n");
}

/// Horizontal bars per severity: failing (solid) and not evaluated (hatched grey) side by side.
fn severity_chart(report: &Report) -> String {
    let summary = &report.summary;
    let max = Severity::DESCENDING
        .iter()
        .map(|s| summary.failing_by_severity.get(*s) + summary.unknown_by_severity.get(*s))
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_width, bar_width, row) = (90.0, 380.0, 30.0);
    let height = row * 5.0 + 30.0;
    let mut svg = format!(
        "<svg id=\"severity-chart\" role=\"img\" aria-labelledby=\"chart-title\" width=\"720\" height=\"{height}\" viewBox=\"0 0 720 {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-title\">Failing and not-evaluated findings by severity</title>\n"
    );
    for (i, severity) in Severity::DESCENDING.iter().enumerate() {
        let y = i as f64 * row + 5.0;
        let failing = summary.failing_by_severity.get(*severity);
        let unknown = summary.unknown_by_severity.get(*severity);
        let failing_width = bar_width * failing as f64 / max as f64;
        let unknown_width = bar_width * unknown as f64 / max as f64;
        writeln!(
            svg,
            "<g class=\"bar\" data-severity=\"{severity}\"><text x=\"0\" y=\"{}\" font-size=\"14\">{severity}</text>\
             <rect class=\"failing\" x=\"{label_width}\" y=\"{y}\" width=\"{failing_width:.1}\" height=\"20\" fill=\"{}\"/>\
             <rect class=\"unknown\" x=\"{:.1}\" y=\"{y}\" width=\"{unknown_width:.1}\" height=\"20\" fill=\"#bdbdbd\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"13\">{failing} failing, {unknown} not evaluated</text></g>",
            y + 15.0,
            colour(*severity),
            label_width + failing_width,
            label_width + failing_width + unknown_width + 6.0,
            y + 15.0
        )
        .unwrap();
    }
    writeln!(
        svg,
        "<rect x=\"{label_width}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#c62828\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">failing (colour by severity)</text>\
         <rect x=\"300\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#bdbdbd\"/><text x=\"316\" y=\"{}\" font-size=\"12\">not evaluated</text>\n</svg>",
        row * 5.0 + 10.0,
        label_width + 16.0,
        row * 5.0 + 21.0,
        row * 5.0 + 10.0,
        row * 5.0 + 21.0
    )
    .unwrap();
    svg
}

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#1565c0",
        Severity::Info => "#757575",
    }
}

fn findings_by_area(out: &mut String, report: &Report) {
    out.push_str("<section id=\"findings\"><h2>Findings by area</h2>\n");
    let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.needs_action()).collect();
    if failing.is_empty() {
        out.push_str("<p>No failing findings.</p>\n");
    }
    for area in meta::AREAS {
        let group: Vec<&Finding> = failing.iter().copied().filter(|f| meta::area(&f.rule) == area).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "<section class=\"area\" id=\"{}\"><h3>{} ({})</h3>", area_anchor(area), esc(area), group.len())
            .unwrap();
        for (_, findings) in by_rule(&group) {
            rule_card(out, &findings);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
}

/// One folded card per rule: its summary line holds the severity, the rule (linked to the
/// documentation of its setting), the count and the first finding's message; the findings with
/// their fixes are inside, open for critical and high severity. The anchor `rule-ID` is on the
/// card's contents, so that following it opens a closed card (browsers expand a `<details>` that
/// holds the target of a link).
fn rule_card(out: &mut String, findings: &[&Finding]) {
    let first = findings[0];
    let open = if first.severity >= Severity::High { " open" } else { "" };
    writeln!(
        out,
        "<details class=\"finding sev-{}\"{open}><summary><span class=\"tag\">{}</span><a class=\"tag\" href=\"{}\">{}</a> \
         {} finding{} <span class=\"gist\">{}</span></summary><div class=\"items\" id=\"rule-{}\">",
        first.severity,
        first.severity,
        esc(crate::rules::find(&first.rule).map_or(meta::BEST_PRACTICES, |rule| rule.help_uri)),
        esc(&first.rule),
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        esc(&first.message),
        esc(&first.rule),
    )
    .unwrap();
    finding_item(out, first);
    // The others usually repeat the first one's problem and fix on other resources: one click away.
    if let [_, rest @ ..] = findings
        && !rest.is_empty()
    {
        let names: Vec<String> =
            rest.iter().map(|f| format!("<code>{}</code>", esc(short_resource(&f.resource.to_string())))).collect();
        write!(out, "<details class=\"more\"><summary>{} more: {}</summary>", rest.len(), names.join(", ")).unwrap();
        for finding in rest {
            finding_item(out, finding);
        }
        out.push_str("</details>");
    }
    out.push_str("</div></details>\n");
}

fn finding_item(out: &mut String, finding: &Finding) {
    let new = if finding.baseline == Some(BaselineState::New) { "<span class=\"tag new\">new</span>" } else { "" };
    writeln!(
        out,
        "<div class=\"item\"><div class=\"line\">{new}<code>{}</code>: {}",
        esc(short_resource(&finding.resource.to_string())),
        esc(&finding.message)
    )
    .unwrap();
    if !finding.evidence.is_empty() {
        write!(out, "<details><summary>evidence ({})</summary><ul class=\"evidence\">", finding.evidence.len())
            .unwrap();
        for line in &finding.evidence {
            write!(out, "<li>{}</li>", esc(&line.to_string())).unwrap();
        }
        out.push_str("</ul></details>");
    }
    out.push_str("</div>\n");
    match &finding.remediation {
        // A manifest is folded: a page for a projector shows what to do, not every line of YAML.
        Some(fix) if fix.lines().count() > MAX_OPEN_FIX_LINES => writeln!(
            out,
            "<details class=\"manifest\"><summary>fix: {} lines (a manifest)</summary><pre class=\"remediation\">{}</pre></details>",
            fix.lines().count(),
            command_html(fix)
        )
        .unwrap(),
        Some(fix) => writeln!(out, "<pre class=\"remediation\" title=\"how to fix\">{}</pre>", command_html(fix)).unwrap(),
        None => {}
    }
    out.push_str("</div>\n");
}

/// Words no longer than this never break inside (a browser would break `--api-server-…` after a
/// hyphen); longer ones (ARM ids) may, so that they never overflow their box.
const UNBROKEN_WORD: usize = 48;

/// A fix, escaped, each short word kept whole: lines wrap between words only. The markup adds
/// no text, so what is copied is the command as it is.
fn command_html(fix: &str) -> String {
    let mut out = String::with_capacity(fix.len() * 2);
    for (i, line) in fix.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            match word.contains('-') && word.chars().count() <= UNBROKEN_WORD {
                true => write!(out, "<span class=\"w\">{}</span>", esc(word)).unwrap(),
                false => out.push_str(&esc(word)),
            }
        }
    }
    out
}

/// One table row per finding: status, rule, resource and message, escaped.
fn finding_rows(out: &mut String, findings: &[&Finding]) {
    for finding in findings {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            finding.status,
            esc(&finding.rule),
            esc(short_resource(&finding.resource.to_string())),
            esc(&finding.message)
        )
        .unwrap();
    }
}

/// Failing findings per namespace (cluster-level ones first), for the teams that own them.
fn by_namespace(out: &mut String, report: &Report) {
    out.push_str("<section id=\"namespaces\"><h2>By namespace</h2>\n");
    let mut rows: Vec<(String, Vec<&Finding>)> = Vec::new();
    for finding in report.findings.iter().filter(|f| f.needs_action()) {
        let namespace = finding.resource.namespace().unwrap_or("(cluster)").to_string();
        match rows.iter_mut().find(|(name, _)| *name == namespace) {
            Some((_, group)) => group.push(finding),
            None => rows.push((namespace, vec![finding])),
        }
    }
    rows.sort_by(|a, b| (a.0 != "(cluster)", &a.0).cmp(&(b.0 != "(cluster)", &b.0)));
    if rows.is_empty() {
        out.push_str("<p>No failing findings.</p></section>\n");
        return;
    }
    let failing: usize = rows.iter().map(|(_, findings)| findings.len()).sum();
    write!(
        out,
        "<details><summary>{failing} failing findings in {} namespaces (and the cluster)</summary>",
        rows.iter().filter(|(name, _)| name != "(cluster)").count()
    )
    .unwrap();
    out.push_str("<table><tr><th>Namespace</th><th>Failing</th><th>Rules</th></tr>\n");
    for (namespace, findings) in rows {
        let rules: Vec<String> = by_rule(&findings)
            .into_iter()
            .map(|(rule, group)| format!("<a href=\"#rule-{0}\">{0}</a> ({1})", esc(rule), group.len()))
            .collect();
        writeln!(out, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(&namespace), findings.len(), rules.join(", "))
            .unwrap();
    }
    out.push_str("</table></details></section>\n");
}

/// AKS's own components: a section of their own, never under "passing".
fn platform_managed(out: &mut String, report: &Report) {
    let platform: Vec<&Finding> = report.findings.iter().filter(|f| f.platform_managed).collect();
    if platform.is_empty() {
        return;
    }
    writeln!(
        out,
        "<section id=\"platform\"><h2>Platform-managed (system namespaces)</h2><details><summary>{} findings about AKS's own components: reported, never counted by <code>--fail-on</code></summary>\n\
         <table><tr><th>Status</th><th>Rule</th><th>Resource</th><th>Finding</th></tr>",
        platform.len()
    )
    .unwrap();
    finding_rows(out, &platform);
    out.push_str("</table></details></section>\n");
}

fn not_evaluated(out: &mut String, report: &Report) {
    out.push_str("<section id=\"not-evaluated\"><h2>What could not be evaluated</h2>\n");
    let unknown: Vec<&Finding> =
        report.findings.iter().filter(|f| f.status == Status::Unknown && !f.platform_managed).collect();
    if unknown.is_empty() && report.unavailable.is_empty() {
        out.push_str("<p>Everything was evaluated: every source aksguard needed could be read.</p>\n");
    }
    if !unknown.is_empty() {
        out.push_str("<table><tr><th>Rule</th><th>Resource</th><th>Why</th></tr>\n");
        for finding in unknown {
            writeln!(
                out,
                "<tr class=\"unknown\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&finding.rule),
                esc(short_resource(&finding.resource.to_string())),
                esc(&finding.message)
            )
            .unwrap();
        }
        out.push_str("</table>\n");
    }
    if !report.unavailable.is_empty() {
        out.push_str("<p>Sources that could not be read:</p><ul class=\"unavailable\">");
        for source in &report.unavailable {
            write!(out, "<li><code>{}</code>: {}</li>", esc(source.source), esc(&source.reason)).unwrap();
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn waivers(out: &mut String, report: &Report) {
    if report.waivers.is_empty() {
        return;
    }
    out.push_str("<section id=\"waivers\"><h2>Waivers</h2><ul>");
    for waiver in &report.waivers {
        write!(
            out,
            "<li class=\"waiver-{:?}\">{} — reason: {}</li>",
            waiver.state,
            esc(&waiver.describe()),
            esc(&waiver.reason)
        )
        .unwrap();
    }
    out.push_str("</ul></section>\n");
}

fn passing(out: &mut String, report: &Report) {
    let rest: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.platform_managed && !matches!(f.status, Status::Fail | Status::Unknown))
        .collect();
    writeln!(
        out,
        "<section id=\"passing\"><h2>Passing, waived and not applicable</h2><details><summary>{} findings</summary>\
         <table><tr><th>Status</th><th>Rule</th><th>Resource</th><th>Finding</th></tr>",
        rest.len()
    )
    .unwrap();
    finding_rows(out, &rest);
    out.push_str("</table></details></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_wraps_between_words_only_and_copies_as_it_is() {
        let html = command_html("az aks update --enable-aad -n a&b\nkubectl get pods");
        assert_eq!(
            html,
            "az aks update <span class=\"w\">--enable-aad</span> <span class=\"w\">-n</span> a&amp;b\nkubectl get pods"
        );
    }

    use crate::audit;
    use crate::rules::{ALL, Settings};
    use crate::snapshot::Snapshot;

    #[test]
    fn text_is_escaped_and_nothing_is_fetched() {
        let mut report = audit::run(&Snapshot::empty("t", "<b>source</b>"), ALL, &Settings::default());
        report.findings.push(
            ALL[0]
                .fail(crate::finding::Resource::kube_namespace("x"), "<script>alert(1)</script>")
                .with_remediation("a && b"),
        );
        let html = render(&report, &crate::report::Style::default());
        assert!(!html.contains("<script"), "no script element");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("a &amp;&amp; b"));
        assert!(html.contains("&lt;b&gt;source&lt;/b&gt;"));
        for external in ["src=", "@import", "url("] {
            assert!(!html.contains(external), "fetches nothing: {external}");
        }
        for link in html.split("href=\"").skip(1) {
            assert!(
                link.starts_with('#') || link.starts_with("https://"),
                "links are anchors or documentation: {link}"
            );
        }
    }
}
