//! The fleet report for people: the summary (clusters × severity counts, the worst finding of
//! each cluster, the clusters not read and why) and the rule × cluster matrix, as a table or as
//! Markdown. Names and messages come from outside: control characters are dropped, and
//! Markdown's table characters escaped.

use super::select::Shard;
use super::summary::{Row, Summary};
use crate::finding::{Severity, Status};

/// Everything a people's format shows.
pub struct View<'a> {
    pub shard: Option<Shard>,
    pub rules: &'a [String],
    pub rows: &'a [Row],
    pub summary: &'a Summary,
}

pub fn glyph(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Fail) => "✗",
        Some(Status::Unknown) => "?",
        Some(Status::Pass) => "✓",
        Some(Status::NotApplicable) => "–",
        Some(Status::Waived) => "w",
        None => " ",
    }
}

const LEGEND: &str = "✗ fail · ? unknown · ✓ pass · – not applicable · w waived";

/// Clusters most at risk first: by their worst failing severity, then unknowns, then name.
fn by_risk(rows: &[Row]) -> Vec<&Row> {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    let rank = |row: &Row| {
        let failing: Vec<usize> = Severity::DESCENDING.iter().map(|s| row.failing.get(*s)).collect();
        let unknown: Vec<usize> = Severity::DESCENDING.iter().map(|s| row.unknown.get(*s)).collect();
        (std::cmp::Reverse(failing), std::cmp::Reverse(unknown), row.key())
    };
    sorted.sort_by_cached_key(|row| rank(row));
    sorted
}

fn heading(view: &View) -> String {
    let s = view.summary;
    let shard = view.shard.map(|shard| format!(", shard {shard}")).unwrap_or_default();
    let counts = |c: &super::summary::Counts| {
        Severity::DESCENDING.iter().map(|sev| format!("{} {sev}", c.get(*sev))).collect::<Vec<_>>().join(", ")
    };
    format!(
        "Fleet: {} clusters ({} read, {} not read){shard}\nFailing findings: {}\nUnknown findings: {}\nClusters by worst failing finding: {}; {} clean\n",
        s.clusters,
        s.read,
        s.not_read.len(),
        counts(&s.failing),
        counts(&s.unknown),
        counts(&s.clusters_failing),
        s.clusters_clean
    )
}

/// The narrowest terminal whose cluster table shows each cluster's resource group.
const WIDTH_FOR_GROUP: u16 = 110;

pub fn table(view: &View, width: u16) -> String {
    use comfy_table::{ContentArrangement, Table, presets};
    let mut out = heading(view);
    for warning in &view.summary.warnings {
        out.push_str(&format!("warning: {}\n", clean(warning)));
    }
    let mut summary = Table::new();
    summary
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    // Below this width the resource group is left out, so that the worst finding keeps room
    // for words rather than a few letters a line (the JSON and Markdown reports keep it).
    let with_group = width >= WIDTH_FOR_GROUP;
    let mut header =
        vec!["Cluster", "Resource group", "Crit", "High", "Med", "Low", "Info", "Unknown", "Worst finding"];
    if !with_group {
        header.remove(1);
    }
    summary.set_header(header);
    for row in by_risk(view.rows) {
        let mut cells = vec![clean(&row.name)];
        if with_group {
            cells.push(clean(&row.resource_group));
        }
        cells.extend(Severity::DESCENDING.iter().map(|s| row.failing.get(*s).to_string()));
        cells.push(row.unknown.at_least(Severity::Info).to_string());
        cells.push(worst(row));
        summary.add_row(cells);
    }
    out.push_str(&format!("{summary}\n"));
    if !view.summary.not_read.is_empty() {
        out.push_str("\nNot read:\n");
        for cluster in &view.summary.not_read {
            out.push_str(&format!("  {} — unknown: {}\n", clean(&cluster.name), clean(&cluster.reason)));
        }
    }
    out.push_str(&format!("\nRule × cluster ({LEGEND}):\n"));
    out.push_str(&compact_matrix(view));
    out
}

pub fn markdown(view: &View) -> String {
    let mut out = String::from("## aksguard fleet\n\n");
    for line in heading(view).lines() {
        out.push_str(&format!("- {line}\n"));
    }
    for warning in &view.summary.warnings {
        out.push_str(&format!("- **warning:** {}\n", md(warning)));
    }
    out.push_str("\n| Cluster | Resource group | Critical | High | Medium | Low | Info | Unknown | Worst finding |\n");
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|---|\n");
    for row in by_risk(view.rows) {
        let counts: Vec<String> = Severity::DESCENDING.iter().map(|s| row.failing.get(*s).to_string()).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            md(&row.name),
            md(&row.resource_group),
            counts.join(" | "),
            row.unknown.at_least(Severity::Info),
            md(&worst(row))
        ));
    }
    if !view.summary.not_read.is_empty() {
        out.push_str("\n### Not read\n\n");
        for cluster in &view.summary.not_read {
            out.push_str(&format!("- `{}` — unknown: {}\n", md(&cluster.name), md(&cluster.reason)));
        }
    }
    out.push_str(&format!("\n### Rule × cluster\n\n{LEGEND}\n\n| Cluster |"));
    for rule in view.rules {
        out.push_str(&format!(" {rule} |"));
    }
    out.push_str(&format!("\n|---|{}\n", ":-:|".repeat(view.rules.len())));
    for row in by_risk(view.rows) {
        out.push_str(&format!("| {} |", md(&row.name)));
        for rule in view.rules {
            out.push_str(&format!(" {} |", glyph(row.cells.get(rule).copied())));
        }
        out.push('\n');
    }
    out
}

/// One character per rule, so that thirty rules fit a terminal: the rule numbers run down the
/// header (tens over units) and are named in the legend.
fn compact_matrix(view: &View) -> String {
    let rows = by_risk(view.rows);
    let width = rows.iter().map(|row| clean(&row.name).chars().count()).max().unwrap_or(7).max(7);
    let numbers: Vec<String> = (1..=view.rules.len()).map(|i| format!("{i:>2}")).collect();
    let digit = |place: usize| numbers.iter().map(|n| n.chars().nth(place).unwrap_or(' ')).collect::<String>();
    let mut out = format!("{:width$}  {}\n{:width$}  {}\n", "", digit(0), "Cluster", digit(1));
    for row in rows {
        let cells: String = view.rules.iter().map(|rule| glyph(row.cells.get(rule).copied())).collect();
        out.push_str(&format!("{:width$}  {cells}\n", clean(&row.name)));
    }
    let legend: Vec<String> = view.rules.iter().enumerate().map(|(i, rule)| format!("{} {rule}", i + 1)).collect();
    out.push_str(&format!("\n{}\n", legend.join(" · ")));
    out
}

/// One self-contained page: the summary, then the rule × cluster heat map (a cell per rule and
/// cluster, coloured by the rule's worst status there, its status in the tooltip).
pub fn html(view: &View) -> String {
    let mut out = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>aksguard fleet</title><style>",
        "body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}",
        "td,th{border:1px solid #ddd;padding:2px 6px;font-size:12px}th.r{writing-mode:vertical-rl;transform:rotate(180deg)}",
        ".fail{background:#d73a49;color:#fff}.unknown{background:#f6c343}.pass{background:#2ea44f;color:#fff}",
        ".not-applicable{background:#d1d5da}.waived{background:#6f42c1;color:#fff}td.c{text-align:center;min-width:14px}",
        "</style></head><body>\n<h1>aksguard fleet</h1>\n"
    ));
    for line in heading(view).lines() {
        out.push_str(&format!("<p>{}</p>\n", html_escape(line)));
    }
    for warning in &view.summary.warnings {
        out.push_str(&format!("<p><strong>warning:</strong> {}</p>\n", html_escape(warning)));
    }
    if !view.summary.not_read.is_empty() {
        out.push_str("<h2>Not read</h2>\n<ul>\n");
        for cluster in &view.summary.not_read {
            out.push_str(&format!(
                "<li><code>{}</code> — unknown: {}</li>\n",
                html_escape(&cluster.name),
                html_escape(&cluster.reason)
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!(
        "<h2>Rule × cluster</h2>\n<p>{}</p>\n<table><tr><th>Cluster</th><th>Worst finding</th>",
        html_escape(LEGEND)
    ));
    for rule in view.rules {
        out.push_str(&format!("<th class=\"r\">{}</th>", html_escape(rule)));
    }
    out.push_str("</tr>\n");
    for row in by_risk(view.rows) {
        out.push_str(&format!("<tr><td>{}</td><td>{}</td>", html_escape(&row.name), html_escape(&worst(row))));
        for rule in view.rules {
            let status = row.cells.get(rule).copied();
            let class = status.map(|s| s.as_str()).unwrap_or("");
            out.push_str(&format!(
                "<td class=\"c {class}\" title=\"{}: {}\">{}</td>",
                html_escape(rule),
                if class.is_empty() { "not run" } else { class },
                glyph(status)
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</body></html>\n");
    out
}

fn html_escape(text: &str) -> String {
    clean(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The worst finding in a line: its status, severity, rule, and the message's start.
fn worst(row: &Row) -> String {
    match &row.worst {
        Some(w) => {
            let message = clean(&w.message);
            let message = match message.char_indices().nth(90) {
                Some((cut, _)) => format!("{}…", &message[..cut]),
                None => message,
            };
            format!("{} {} {}: {message}", w.status, w.severity, w.rule)
        }
        None => "—".to_string(),
    }
}

/// Control characters (terminal escapes) dropped.
/// Outside text (cluster names, reasons) on one line: control characters shown as escapes, as
/// everywhere else (`crate::escape`), never acted on by the terminal.
pub fn clean(text: &str) -> String {
    crate::escape::one_line(text)
}

/// Outside text in a Markdown cell: escaped as every Markdown report escapes it.
fn md(text: &str) -> String {
    crate::escape::markdown(text)
}

#[cfg(test)]
mod tests {
    use super::super::summary::Worst;
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn outside_text_cannot_break_the_markdown_or_the_terminal() {
        assert_eq!(md("a|b\u{1b}[31m<x>"), "a\\|b\\\\u{1b}\\[31m\\<x\\>");
        assert_eq!(html_escape("<script>\"x\"&'"), "&lt;script&gt;&quot;x&quot;&amp;&#39;");
        assert_eq!(clean("ok\u{1b}[2J\n"), "ok\\u{1b}[2J\\n");
    }

    /// At 80 columns the resource group gives way, so the worst finding is not cut into
    /// fragments of a few letters; from 110 on it is shown.
    #[test]
    fn a_narrow_terminal_leaves_the_resource_group_out_of_the_cluster_table() {
        let row = Row {
            id: "/subscriptions/s/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-1"
                .into(),
            name: "aks-1".into(),
            subscription: "s".into(),
            resource_group: "rg-shop".into(),
            location: None,
            not_read: None,
            failing: Default::default(),
            unknown: Default::default(),
            worst: Some(Worst {
                rule: "local-accounts".into(),
                severity: Severity::High,
                status: Status::Fail,
                message: "local accounts are enabled: the static admin kubeconfig bypasses Entra ID".into(),
            }),
            cells: BTreeMap::new(),
        };
        let summary = Summary::default();
        let view = View { shard: None, rules: &[], rows: std::slice::from_ref(&row), summary: &summary };
        let narrow = table(&view, 80);
        assert!(!narrow.contains("Resource group") && !narrow.contains("rg-shop"), "{narrow}");
        // A column of a few letters would cut this word in two.
        assert!(narrow.contains("kubeconfig"), "{narrow}");
        let table_lines = narrow.lines().filter(|line| line.starts_with(['┌', '│', '╞', '└']));
        assert!(table_lines.into_iter().all(|line| line.chars().count() <= 80), "{narrow}");
        let wide = table(&view, 120);
        assert!(wide.contains("Resource group") && wide.contains("rg-shop"), "{wide}");
    }
}
