//! `-o table` (the default): the report for a terminal, summary first.
//!
//! 1. The header: cluster, what was read, what was not (one line per reason), the config file and
//!    the baseline in effect, so that a report never changes silently.
//! 2. The totals by severity and the `--fail-on` verdict, then every failing and unknown rule,
//!    within [`OVERVIEW_LINES`] however many fail: the critical, high and unknown ones a line each
//!    (count and first resources) while they fit, the others packed several to a line by severity.
//! 3. The findings without borders, one block per rule: its first finding's line (severity, rule,
//!    resource, message), its evidence indented below and its fix as an indented block of
//!    commands that can be pasted as it is, then the rule's other findings in one "+N more" line.
//!    Blocks are expanded, most urgent first, while the report stays within [`REPORT_LINES`]; the
//!    closing line says how many rules were left folded; the room left goes to manifests (long
//!    fixes), which are otherwise shown with `--full`. `--full` shows everything.
//!
//! Every line fits the width, except a single word longer than it (an id), which is never split.
//! Text from the cluster goes through [`escape::terminal`], so a name cannot drive the terminal.

use super::Style;
use super::text::{columns, short_resource, strip_colour, wrap, wrap_command};
use crate::audit::{Report, Show};
use crate::escape;
use crate::finding::{BaselineState, Finding, Severity, Status};
use std::collections::HashMap;

/// Findings of a rule shown in full before the rest fold into one "also" line: the first, whose
/// fix shows the way for the others (`--full` shows each).
const MAX_GROUP_ROWS: usize = 1;
/// Evidence lines a finding shows before "+N more".
const MAX_EVIDENCE_LINES: usize = 1;
/// Longer fixes (manifests) are shown with `--full` only.
const MAX_FIX_LINES: usize = 4;
/// Where a finding's message continues and its evidence starts.
const INDENT: usize = 4;
/// Where a fix block starts: under the evidence, without its bullet (and in colour).
const FIX_INDENT: usize = 4;
/// Width of the severity column (`critical`).
const SEVERITY_COLUMN: usize = 8;
/// The overview's lines at most (header, totals, every failing and unknown rule): one screen.
const OVERVIEW_LINES: usize = 40;
/// The default report's lines at most: the overview, then as many rules expanded as fit.
const REPORT_LINES: usize = 150;

pub fn render(report: &Report, style: &Style) -> String {
    let mut out = Lines::new(style);
    header(&mut out, report);
    out.blank();
    totals(&mut out, report);
    let (platform, shown): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().filter(|f| style.show.keeps(f)).partition(|f| f.platform_managed);
    let groups = group_by_rule(&shown);
    overview(&mut out, &groups);
    if groups.is_empty() {
        let what = if style.show == Show::All { "no findings" } else { "no failing or unknown findings" };
        out.blank();
        out.wrapped(what, INDENT);
    }
    let mut tail = Lines::new(style);
    platform_section(&mut tail, &platform);
    waivers(&mut tail, report);
    not_read(&mut tail, report);
    let render_blocks = |manifests: bool| -> Vec<Vec<String>> {
        let render_block = |group: &Group| {
            let mut block = Lines { manifests: manifests || style.full, ..Lines::new(style) };
            finding_group(&mut block, group);
            block.lines
        };
        groups.iter().map(render_block).collect()
    };
    let (mut blocks, with_manifests) = (render_blocks(false), render_blocks(true));
    // The rule blocks take what the report's budget leaves after the overview, the closing
    // sections, the closing hint (which names what was folded) and the blank lines between.
    let fixed = out.lines.len() + tail.lines.len() + 3;
    let end_lines = |expanded: &[bool]| {
        let mut end = Lines::new(style);
        end.wrapped(&hint(style, &folded(&groups, expanded)), 0);
        end.lines.len()
    };
    // `--show all` asks for every rule's findings (the overview names only the failing ones).
    let expanded = match style.full || style.show == Show::All {
        true => vec![true; groups.len()],
        false => expanded_blocks(&groups, &blocks, |expanded| fixed + end_lines(expanded)),
    };
    // What room is left goes to the manifests of the expanded rules, in report order.
    let mut used = fixed
        + end_lines(&expanded)
        + blocks.iter().zip(&expanded).filter(|(_, e)| **e).map(|(b, _)| b.len()).sum::<usize>();
    for (at, block) in with_manifests.into_iter().enumerate() {
        let more = block.len() - blocks[at].len();
        if expanded[at] && more > 0 && used + more <= REPORT_LINES {
            used += more;
            blocks[at] = block;
        }
    }
    out.blank();
    for (block, _) in blocks.into_iter().zip(&expanded).filter(|(_, shown)| **shown) {
        out.lines.extend(block);
    }
    out.append(tail);
    out.blank();
    out.wrapped(&hint(style, &folded(&groups, &expanded)), 0);
    let mut text = out.lines.join("\n");
    text.push('\n');
    text
}

/// Which rule blocks the default report expands: the most urgent first (critical and high, and the
/// unknown ones, whose reason is what a reader must see; then the other failing rules), each in
/// report order, while
/// the report, `other_lines` besides the blocks, stays within [`REPORT_LINES`]; always the first.
/// The overview names every rule either way.
fn expanded_blocks(groups: &[Group], blocks: &[Vec<String>], other_lines: impl Fn(&[bool]) -> usize) -> Vec<bool> {
    let rank = |group: &Group| match group.status {
        Status::Fail if group.findings[0].severity >= Severity::High => 0,
        Status::Unknown => 0,
        _ => 1,
    };
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|at| rank(&groups[*at]));
    let mut expanded = vec![false; groups.len()];
    let mut used = 0;
    for at in order {
        expanded[at] = true;
        used += blocks[at].len();
        if used + other_lines(&expanded) > REPORT_LINES && used > blocks[at].len() {
            expanded[at] = false;
            break;
        }
    }
    expanded
}

/// The groups `expanded` leaves folded.
fn folded<'a>(groups: &'a [Group<'a>], expanded: &[bool]) -> Vec<&'a Group<'a>> {
    groups.iter().zip(expanded).filter(|(_, shown)| !**shown).map(|(group, _)| group).collect()
}

/// The output being built, with the style it is built for.
struct Lines<'a> {
    lines: Vec<String>,
    style: &'a Style,
    /// Whether long fixes (manifests) are printed: with `--full`, or when the report has room.
    manifests: bool,
}

impl<'a> Lines<'a> {
    fn new(style: &'a Style) -> Self {
        Lines { lines: Vec::new(), style, manifests: style.full }
    }

    /// `other`'s lines after a blank line, when it has any.
    fn append(&mut self, other: Lines) {
        if !other.lines.is_empty() {
            self.blank();
            self.lines.extend(other.lines);
        }
    }

    fn push(&mut self, line: String) {
        self.lines.push(line);
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|line| !line.is_empty()) {
            self.lines.push(String::new());
        }
    }

    /// `text` wrapped to the width, the continuation lines `indent` spaces in.
    fn wrapped(&mut self, text: &str, indent: usize) {
        self.prefixed("", 0, text, indent);
    }

    /// `prefix` (taking `prefix_columns`; it may hold colour codes) then `text`, wrapped.
    fn prefixed(&mut self, prefix: &str, prefix_columns: usize, text: &str, indent: usize) {
        let pieces = wrap(text, self.style.width, prefix_columns, indent);
        let pad = " ".repeat(indent);
        for (i, piece) in pieces.into_iter().enumerate() {
            self.lines.push(if i == 0 { format!("{prefix}{piece}") } else { format!("{pad}{piece}") });
        }
    }

    /// One line cut to the width with "…" (for lists whose full form is elsewhere).
    fn truncated(&mut self, line: String) {
        self.lines.push(truncate(&line, self.style.width));
    }

    fn paint(&self, text: &str, code: &str) -> String {
        paint(text, code, self.style.colour)
    }
}

fn header(out: &mut Lines, report: &Report) {
    let target = &report.target;
    let cluster = match (&target.cluster, &target.resource_group) {
        (Some(name), Some(group)) => format!("cluster {} (resource group {})", clean(name), clean(group)),
        (Some(name), None) => format!("cluster {}", clean(name)),
        _ => "cluster name unknown (no ARM data)".to_string(),
    };
    let title = out.paint(&format!("aksguard {}", report.tool.version), BOLD);
    out.prefixed(&format!("{title} · "), columns(&format!("aksguard {} · ", report.tool.version)), &cluster, INDENT);
    out.prefixed("read:     ", 10, &clean(&target.source), 10);
    // One line for what was not read: with one shared reason (`--skip-azure`) the reason, else
    // the sources, whose reasons close the report.
    let groups = unavailable_by_reason(report);
    let line = match groups.as_slice() {
        [] => None,
        [(reason, sources)] => Some(format!("not read: {} ({})", sources.join(", "), clean(reason))),
        _ => {
            let sources: Vec<&str> = groups.iter().flat_map(|(_, sources)| sources.iter().copied()).collect();
            Some(format!("not read: {} sources, reasons at the end: {}", sources.len(), sources.join(", ")))
        }
    };
    if let Some(line) = line {
        let line = out.paint_line(&line, YELLOW);
        out.push(line);
    }
    if let Some(config) = &out.style.config.clone() {
        out.prefixed("config:   ", 10, config, 10);
    }
    if let Some(baseline) = &report.summary.baseline {
        out.wrapped(
            &format!(
                "baseline: {} new (marked new), {} fixed, {} unchanged; only new findings count for --fail-on",
                baseline.new, baseline.fixed, baseline.unchanged
            ),
            10,
        );
    }
}

impl Lines<'_> {
    /// A whole line in colour; truncation happens before, so the codes are never cut.
    fn paint_line(&self, line: &str, code: &str) -> String {
        let cut = truncate(line, self.style.width);
        self.paint(&cut, code)
    }
}

/// The unavailable sources grouped by their reason, in the report's order.
fn unavailable_by_reason(report: &Report) -> Vec<(&str, Vec<&'static str>)> {
    let mut groups: Vec<(&str, Vec<&'static str>)> = Vec::new();
    for source in &report.unavailable {
        match groups.iter_mut().find(|(reason, _)| *reason == source.reason) {
            Some((_, sources)) => sources.push(source.source),
            None => groups.push((&source.reason, vec![source.source])),
        }
    }
    groups
}

fn totals(out: &mut Lines, report: &Report) {
    let summary = &report.summary;
    let failing: Vec<String> = Severity::DESCENDING
        .iter()
        .filter(|severity| summary.failing_by_severity.get(**severity) > 0)
        .map(|severity| {
            let text = format!("{} {severity}", summary.failing_by_severity.get(*severity));
            out.paint(&text, severity_colour(*severity))
        })
        .collect();
    let failing = match failing.is_empty() {
        true => String::new(),
        false => format!(" ({})", failing.join(", ")),
    };
    let counts = &summary.by_status;
    let mut rest = vec![format!("{} unknown", counts.unknown), format!("{} passing", counts.pass)];
    if counts.not_applicable > 0 {
        rest.push(format!("{} not applicable", counts.not_applicable));
    }
    if counts.waived > 0 {
        rest.push(format!("{} waived", counts.waived));
    }
    if summary.platform_managed > 0 {
        rest.push(format!("{} platform-managed", summary.platform_managed));
    }
    // Colour codes take no columns: wrap the plain text, then print the painted one when it fits.
    let plain = format!("{} failing{} · {}", counts.fail, strip_colour(&failing), rest.join(" · "));
    let painted = format!("{}{failing} · {}", out.paint(&format!("{} failing", counts.fail), BOLD), rest.join(" · "));
    match columns(&plain) <= out.style.width {
        true => out.push(painted),
        false => out.wrapped(&plain, INDENT),
    }
    if let Some(verdict) = verdict(report, out.style) {
        out.wrapped(&verdict, INDENT);
    }
}

/// What `--fail-on` decides, in words: the exit code is never a surprise.
fn verdict(report: &Report, style: &Style) -> Option<String> {
    let gate = &style.gate;
    let threshold = gate.fail_on?;
    let counting = report
        .findings
        .iter()
        .filter(|f| f.needs_action() && f.severity >= threshold && f.baseline != Some(BaselineState::Unchanged))
        .count();
    let new = if report.summary.baseline.is_some() { "new " } else { "" };
    Some(match gate.trips(report) {
        true if counting > 0 => {
            format!("--fail-on {threshold}: {counting} {new}failing at {threshold} or above: exit 1")
        }
        true => format!("--fail-on {threshold} --fail-on-unknown: unknown findings at {threshold} or above: exit 1"),
        false => format!("--fail-on {threshold}: no {new}failing finding at {threshold} or above: passes"),
    })
}

/// The findings of one rule with one status, in report order.
struct Group<'a> {
    rule: &'a str,
    status: Status,
    findings: Vec<&'a Finding>,
}

fn group_by_rule<'a>(findings: &[&'a Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(&str, Status), usize> = HashMap::new();
    for finding in findings {
        let at = *index.entry((finding.rule.as_str(), finding.status)).or_insert_with(|| {
            groups.push(Group { rule: &finding.rule, status: finding.status, findings: Vec::new() });
            groups.len() - 1
        });
        groups[at].findings.push(finding);
    }
    groups
}

/// One row of the overview: a severity's failing rules, or the unknown ones.
struct Tier<'a> {
    label: &'static str,
    colour: &'static str,
    groups: Vec<&'a Group<'a>>,
}

/// The failing rules by severity, then the unknown ones: each tier is either one line per rule
/// (severity, rule, count, first resources) or its rules packed several to a line (`rule ×count`),
/// so that however many rules fail, every one is named and the overview fits [`OVERVIEW_LINES`].
/// The most urgent tiers get lines of their own first: critical, high, unknown, then the others.
fn overview(out: &mut Lines, groups: &[Group]) {
    let mut tiers: Vec<Tier> = Severity::DESCENDING
        .iter()
        .map(|severity| Tier {
            label: severity.as_str(),
            colour: severity_colour(*severity),
            groups: groups.iter().filter(|g| g.status == Status::Fail && g.findings[0].severity == *severity).collect(),
        })
        .collect();
    tiers.push(Tier {
        label: "unknown",
        colour: YELLOW,
        groups: groups.iter().filter(|g| g.status == Status::Unknown).collect(),
    });
    tiers.retain(|tier| !tier.groups.is_empty());
    if tiers.is_empty() {
        return;
    }
    let width = out.style.width;
    let packed_lines: Vec<usize> = tiers.iter().map(|tier| packed(tier, width).len()).collect();
    let mut used = out.lines.len() + 1 + packed_lines.iter().sum::<usize>();
    let mut expand = vec![false; tiers.len()];
    let mut order: Vec<usize> = (0..tiers.len()).collect();
    order.sort_by_key(|at| !matches!(tiers[*at].label, "critical" | "high" | "unknown"));
    for at in order {
        let more = tiers[at].groups.len().saturating_sub(packed_lines[at]);
        if used + more > OVERVIEW_LINES {
            break;
        }
        used += more;
        expand[at] = true;
    }
    let rule_column = tiers
        .iter()
        .zip(&expand)
        .filter(|(_, expanded)| **expanded)
        .flat_map(|(tier, _)| tier.groups.iter().map(|g| columns(g.rule)))
        .max()
        .unwrap_or(0);
    out.blank();
    for (tier, expanded) in tiers.iter().zip(expand) {
        match expanded {
            true => {
                for group in &tier.groups {
                    rule_row(out, tier, group, rule_column);
                }
            }
            false => packed_tier(out, tier),
        }
    }
}

/// A tier's rules packed several to a line, under its label.
fn packed_tier(out: &mut Lines, tier: &Tier) {
    for (i, line) in packed(tier, out.style.width).into_iter().enumerate() {
        let label = if i == 0 { tier.label } else { "" };
        let label = out.paint(&format!("{label:<SEVERITY_COLUMN$}"), tier.colour);
        out.push(format!("{label} {line}"));
    }
}

/// A tier's rules as `rule ×count` items, comma-separated, packed into lines that fit the width
/// after the severity column; an item is never split.
fn packed(tier: &Tier, width: usize) -> Vec<String> {
    let room = width.saturating_sub(SEVERITY_COLUMN + 1);
    let items: Vec<String> = tier
        .groups
        .iter()
        .enumerate()
        .map(|(i, group)| {
            let count = if group.findings.len() > 1 { format!(" ×{}", group.findings.len()) } else { String::new() };
            let comma = if i + 1 < tier.groups.len() { "," } else { "" };
            format!("{}{count}{comma}", group.rule)
        })
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && columns(&line) + 1 + columns(&item) > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    lines.push(line);
    lines
}

/// `severity  rule  count  resource, resource, +N` (`unknown` for the unknown tier): cut to the width.
fn rule_row(out: &mut Lines, tier: &Tier, group: &Group, rule_column: usize) {
    let (label, rule, findings) = (tier.label, group.rule, &group.findings);
    let lead = format!("{label:<SEVERITY_COLUMN$} {rule:<rule_column$} {:>3}  ", findings.len());
    let room = out.style.width.saturating_sub(columns(&lead));
    let names = truncate(&resource_list(findings, room), room);
    let painted = format!(
        "{} {} {:>3}  {names}",
        out.paint(&format!("{label:<SEVERITY_COLUMN$}"), tier.colour),
        out.paint(&format!("{rule:<rule_column$}"), BOLD),
        findings.len()
    );
    match out.style.colour {
        true => out.push(painted),
        false => out.truncated(format!("{lead}{names}")),
    }
}

/// As many resource names as fit in `room` columns, then `+N`.
fn resource_list(findings: &[&Finding], room: usize) -> String {
    let names: Vec<String> = findings.iter().map(|f| clean(short_resource(&f.resource.to_string()))).collect();
    name_list(&names, room)
}

/// As many of `names` as fit in `room` columns, then `+N`.
fn name_list(names: &[String], room: usize) -> String {
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        let rest = names.len() - i - 1;
        let more = if rest > 0 { format!(", +{rest}") } else { String::new() };
        let separator = if text.is_empty() { "" } else { ", " };
        if !text.is_empty() && columns(&text) + separator.len() + columns(name) + more.len() > room {
            text.push_str(&format!(", +{}", names.len() - i));
            return text;
        }
        text.push_str(separator);
        text.push_str(name);
    }
    text
}

fn finding_group(out: &mut Lines, group: &Group) {
    let limit = if out.style.full { usize::MAX } else { MAX_GROUP_ROWS };
    let mut last_fix: Option<&str> = None;
    for finding in group.findings.iter().take(limit) {
        finding_line(out, finding);
        evidence(out, finding);
        // The same fix for the next resource (a bare pod named by several rules) is not repeated.
        if finding.remediation.as_deref() != last_fix {
            fix_block(out, finding);
        }
        last_fix = finding.remediation.as_deref();
    }
    if let Some(hidden) = group.findings.get(limit..).filter(|rest| !rest.is_empty()) {
        let lead = format!("{}+{} more: ", " ".repeat(INDENT), hidden.len());
        let tail = " (--full shows each)";
        let room = out.style.width.saturating_sub(columns(&lead) + tail.len());
        out.truncated(format!("{lead}{}{tail}", resource_list(hidden, room)));
    }
}

/// `severity  rule  resource (new)  message`, the message wrapped under the rule; a resource
/// too long for the line goes below the rule.
fn finding_line(out: &mut Lines, finding: &Finding) {
    let severity = format!("{} ", finding.severity.as_str());
    let painted = out.paint(&severity, severity_colour(finding.severity));
    let status = match finding.status {
        Status::Fail => String::new(),
        other => format!("{other}: "),
    };
    let new = if finding.baseline == Some(BaselineState::New) { " (new)" } else { "" };
    let rule = out.paint(&finding.rule, BOLD);
    let resource = format!("{}{new}", clean(short_resource(&finding.resource.to_string())));
    let message = format!("{status}{}", clean(&finding.message));
    let head = columns(&severity) + columns(&finding.rule) + 2 + columns(&resource) + 2;
    if head <= out.style.width {
        out.prefixed(&format!("{painted}{rule}  {resource}  "), head, &message, INDENT);
    } else {
        out.push(format!("{painted}{rule}"));
        let pad = " ".repeat(INDENT);
        out.prefixed(&format!("{pad}{resource}  "), INDENT + columns(&resource) + 2, &message, INDENT);
    }
    if let Some(last) = out.lines.last_mut() {
        last.truncate(last.trim_end().len());
    }
}

/// The evidence: every line wrapped with `--full`; else the first lines, each cut to one line.
fn evidence(out: &mut Lines, finding: &Finding) {
    let full = out.style.full;
    let limit = if full { usize::MAX } else { MAX_EVIDENCE_LINES };
    let bullet = format!("{}· ", " ".repeat(INDENT));
    let shown = finding.evidence.len().min(limit);
    for (i, line) in finding.evidence.iter().take(limit).enumerate() {
        let text = clean(&line.to_string());
        let hidden = finding.evidence.len() - shown;
        match full {
            true => out.prefixed(&bullet, INDENT + 2, &text, INDENT + 2),
            // The count of hidden lines survives the cut.
            false if i + 1 == shown && hidden > 0 => {
                let tail = format!(" (+{hidden} more)");
                let cut = truncate(&format!("{bullet}{text}"), out.style.width.saturating_sub(tail.len()));
                out.push(format!("{cut}{tail}"));
            }
            false => out.truncated(format!("{bullet}{text}")),
        }
    }
}

/// The fix as commands to paste: each line of the remediation, wrapped only between words with a
/// ` \` continuation. A manifest is shown with `--full` only, and never rewrapped.
fn fix_block(out: &mut Lines, finding: &Finding) {
    let Some(fix) = &finding.remediation else { return };
    let fix = clean(fix);
    let pad = " ".repeat(FIX_INDENT);
    let lines = fix.lines().count();
    if lines > MAX_FIX_LINES && !out.manifests {
        let note =
            format!("fix: {lines} lines (a manifest): --full prints it; so does `aksguard explain {}`", finding.rule);
        out.prefixed(&pad, FIX_INDENT, &note, FIX_INDENT);
        return;
    }
    // A here-document's lines are data (a manifest): from its start to its delimiter, nothing is
    // rewrapped; the commands after it are.
    let mut heredoc_end: Option<String> = None;
    for line in fix.lines() {
        let verbatim = heredoc_end.is_some() || line.contains("<<");
        let pieces = if verbatim { vec![line.to_string()] } else { wrap_command(line, out.style.width, FIX_INDENT) };
        for piece in pieces {
            let painted = out.paint(&piece, CYAN);
            out.push(format!("{pad}{painted}"));
        }
        heredoc_end = match heredoc_end {
            Some(end) if line.trim() == end => None,
            Some(end) => Some(end),
            None => heredoc_delimiter(line),
        };
    }
}

/// The word that ends a here-document a command line starts (`<<'EOF'`, `<<-EOF`, `<< EOF`).
fn heredoc_delimiter(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("<<")?;
    let rest = rest.trim_start_matches('-').trim_start();
    let word: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != ';').collect();
    let word = word.trim_matches(|c| c == '\'' || c == '"');
    (!word.is_empty()).then(|| word.to_string())
}

/// Findings about AKS-managed components: their own section, one line per rule; `--full` or
/// `--show all` lists them in full.
fn platform_section(out: &mut Lines, platform: &[&Finding]) {
    if platform.is_empty() {
        return;
    }
    out.blank();
    let heading = format!(
        "platform-managed: {} findings in system namespaces (AKS's own; never counted by --fail-on)",
        platform.len()
    );
    let heading = out.paint(&heading, GREY);
    out.wrapped(&heading, INDENT);
    let groups = group_by_rule(platform);
    if out.style.full || out.style.show == Show::All {
        for group in &groups {
            finding_group(out, group);
        }
        return;
    }
    // The components once each, then their rules packed by severity.
    let mut components: Vec<String> = Vec::new();
    for finding in platform {
        let name = clean(short_resource(&finding.resource.to_string()));
        if !components.contains(&name) {
            components.push(name);
        }
    }
    let lead = format!("{:<SEVERITY_COLUMN$} ", "on");
    let room = out.style.width.saturating_sub(columns(&lead));
    let line = format!("{lead}{}", name_list(&components, room));
    out.truncated(line);
    for severity in Severity::DESCENDING {
        let tier = Tier {
            label: severity.as_str(),
            colour: severity_colour(severity),
            groups: groups.iter().filter(|g| g.findings[0].severity == severity).collect(),
        };
        if !tier.groups.is_empty() {
            packed_tier(out, &tier);
        }
    }
}

fn waivers(out: &mut Lines, report: &Report) {
    let attention: Vec<String> =
        report.waivers.iter().filter(|w| w.needs_attention()).map(|w| clean(&w.describe())).collect();
    if attention.is_empty() {
        return;
    }
    out.blank();
    out.wrapped("waivers needing attention:", INDENT);
    for line in attention {
        out.prefixed("  ", 2, &line, INDENT);
    }
}

/// The unavailable sources with their full reasons (the header cut them to one line).
fn not_read(out: &mut Lines, report: &Report) {
    if report.unavailable.is_empty() {
        return;
    }
    out.blank();
    out.wrapped("not read (the rules that need these are unknown):", INDENT);
    for (reason, sources) in unavailable_by_reason(report) {
        out.prefixed("  ", 2, &format!("{}: {}", sources.join(", "), clean(reason)), INDENT);
    }
}

/// The closing line: which rules the budget left folded, if any, and how to see more.
fn hint(style: &Style, folded: &[&Group]) -> String {
    let mut hints = Vec::new();
    if !folded.is_empty() {
        let findings: usize = folded.iter().map(|g| g.findings.len()).sum();
        hints.push(format!(
            "{} more rules ({}; {findings} findings) are only named above: --full expands \
             them, --rules RULE one",
            folded.len(),
            folded_counts(folded)
        ));
    }
    hints.push("`aksguard explain RULE` tells why and how to fix".to_string());
    if !style.full && folded.is_empty() {
        hints.push("--full shows every evidence line and resource".to_string());
    }
    // Room is short when rules were folded: passing findings are the least of it then.
    if style.show == Show::Failed && folded.is_empty() {
        hints.push("--show all adds passing findings".to_string());
    }
    hints.join("; ") + "."
}

/// `1 high, 29 medium, 1 unknown`: the folded failing rules by severity, the unknown ones apart.
fn folded_counts(folded: &[&Group]) -> String {
    let failing = |severity: Severity| {
        folded.iter().filter(|g| g.status == Status::Fail && g.findings[0].severity == severity).count()
    };
    let mut counts: Vec<String> = Severity::DESCENDING
        .into_iter()
        .map(|severity| (severity, failing(severity)))
        .filter(|(_, count)| *count > 0)
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect();
    let unknown = folded.iter().filter(|g| g.status == Status::Unknown).count();
    if unknown > 0 {
        counts.push(format!("{unknown} unknown"));
    }
    counts.join(", ")
}

/// Text from the cluster or a file, safe to print.
fn clean(text: &str) -> String {
    escape::terminal(text)
}

/// `line` cut to `width` columns, ending in "…" when cut.
fn truncate(line: &str, width: usize) -> String {
    if columns(line) <= width {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

const BOLD: &str = "1";
const CYAN: &str = "36";
const GREY: &str = "90";
const YELLOW: &str = "33";

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "34",
        Severity::Info => "90",
    }
}

/// `text` in an SGR colour, or plain.
fn paint(text: &str, code: &str, enabled: bool) -> String {
    match enabled {
        true => format!("\x1b[{code}m{text}\x1b[0m"),
        false => text.to_string(),
    }
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

    fn render_at(report: &Report, width: usize, full: bool) -> String {
        render(report, &Style { show: Show::All, width, full, ..Style::default() })
    }

    #[test]
    fn a_rule_shows_its_first_finding_then_one_more_line() {
        let findings: Vec<Finding> =
            (0..10).map(|i| finding(Status::Fail, &format!("Namespace/ns-{i}"), "no default deny")).collect();
        let text = render_at(&report(findings.clone()), 100, false);
        assert!(text.contains("Namespace/ns-0  no default deny"), "{text}");
        assert!(text.contains("    +9 more: Namespace/ns-1, Namespace/ns-2"), "{text}");
        assert!(!text.contains("Namespace/ns-1  no default deny"), "{text}");
        let full = render_at(&report(findings), 100, true);
        assert!(
            full.contains("Namespace/ns-9  no default deny") && !full.contains("more:"),
            "--full lists every one:\n{full}"
        );
    }

    /// `rules` rules of every severity, three findings each, with a two-line fix.
    fn many_rules(rules: usize) -> Report {
        let findings = (0..rules)
            .flat_map(|i| {
                (0..3).map(move |j| {
                    let mut f = finding(Status::Fail, &format!("Namespace/ns-{j}"), "a problem worth a line")
                        .with_remediation(format!("kubectl label namespace ns-{j} a=b\nkubectl get ns ns-{j}"));
                    f.rule = format!("rule-number-{i:03}");
                    f.severity = Severity::DESCENDING[i % 5];
                    f
                })
            })
            .collect();
        report(findings)
    }

    #[test]
    fn however_many_rules_fail_the_overview_names_each_within_one_screen() {
        for width in [80, 100, 200] {
            // Half as many rules again as aksguard has.
            let text = render(&many_rules(90), &Style { width, ..Style::default() });
            let overview: Vec<&str> = text.split("\n\n").take(3).flat_map(str::lines).collect();
            assert!(overview.len() <= OVERVIEW_LINES, "{} lines at {width}:\n{}", overview.len(), overview.join("\n"));
            let overview = overview.join("\n");
            for i in 0..90 {
                assert!(overview.contains(&format!("rule-number-{i:03}")), "rule {i} at {width}:\n{overview}");
            }
            assert!(text.lines().count() <= REPORT_LINES, "{} lines at {width}", text.lines().count());
            assert!(text.contains("more rules (") && text.contains("--full expands them"), "{text}");
            let full = render(&many_rules(90), &Style { width, full: true, ..Style::default() });
            assert!(full.contains("rule-number-089  Namespace/ns-2  a problem") && !full.contains("more rules ("));
        }
    }

    #[test]
    fn critical_and_high_rules_get_lines_and_blocks_first() {
        let text = render(&many_rules(60), &Style { width: 100, ..Style::default() });
        let high_rows = text.lines().filter(|l| l.starts_with("critical ") || l.starts_with("high ")).count();
        assert!(high_rows >= 24, "24 critical and high rules, each a line and a block:\n{text}");
        assert!(text.contains("critical rule-number-000  Namespace/ns-0  a problem worth a line"), "{text}");
        assert!(!text.contains("info rule-number-004  Namespace/ns-0"), "info is folded first:\n{text}");
        let small = render(&many_rules(4), &Style { width: 100, ..Style::default() });
        assert!(small.contains("low rule-number-003  Namespace/ns-0") && !small.contains("more rules ("), "{small}");
    }

    #[test]
    fn a_manifest_is_printed_when_the_report_has_room() {
        let manifest = "kubectl apply -f - <<'EOF'\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\nspec: {}\nEOF";
        let one = finding(Status::Fail, "Namespace/shop", "DNS blocked").with_remediation(manifest);
        let text = render(&report(vec![one.clone()]), &Style { width: 100, ..Style::default() });
        assert!(text.contains("    metadata:\n      name: allow-dns"), "{text}");
        let mut crowded = many_rules(60);
        crowded.findings.push(one);
        let text = render(&crowded, &Style { width: 100, ..Style::default() });
        assert!(!text.contains("name: allow-dns") && text.lines().count() <= REPORT_LINES, "{text}");
    }

    #[test]
    fn commands_after_a_here_document_wrap_again() {
        assert_eq!(heredoc_delimiter("kubectl apply -f - <<'EOF'").as_deref(), Some("EOF"));
        assert_eq!(heredoc_delimiter("cat <<-END > x").as_deref(), Some("END"));
        assert_eq!(heredoc_delimiter("az aks update -n a"), None);
        let long = "# then deny all other ingress and egress: add policies for the traffic your workloads need";
        let fix = format!("kubectl apply -f - <<'EOF'\nkind: NetworkPolicy\nEOF\n{long}");
        let findings = vec![finding(Status::Fail, "Namespace/shop", "no default deny").with_remediation(fix)];
        let text = render_at(&report(findings), 60, true);
        assert!(text.lines().all(|line| line.chars().count() <= 60), "{text}");
        assert!(text.contains("    kind: NetworkPolicy"), "the manifest stays as it is:\n{text}");
    }

    #[test]
    fn evidence_is_capped_unless_full() {
        let mut long = finding(Status::Fail, "Namespace/shop", "workloads would be rejected");
        for i in 0..10 {
            long = long.with_evidence(crate::finding::Evidence::kubernetes(format!(
                "restricted would reject Deployment/shop/app-{i}"
            )));
        }
        let report = report(vec![long]);
        let text = render_at(&report, 100, false);
        assert!(text.contains("    · restricted would reject Deployment/shop/app-0 (Kubernetes) (+9 more)"), "{text}");
        assert!(!text.contains("app-1"), "{text}");
        assert!(render_at(&report, 100, true).contains("app-9"));
    }

    #[test]
    fn every_line_fits_the_width_and_words_stay_whole() {
        let message = "a long message about the cluster that goes on and on well past the edge of the screen";
        let findings = vec![
            finding(Status::Fail, "Namespace/a-namespace-with-a-rather-long-name", message)
                .with_evidence(crate::finding::Evidence::kubernetes(message))
                .with_remediation(
                    "az aks update -g a-resource-group -n a-cluster --api-server-authorized-ip-ranges 1.2.3.4/32",
                ),
        ];
        for width in [40, 60, 80] {
            let text = render_at(&report(findings.clone()), width, false);
            for line in text.lines() {
                let one_word = !line.trim().trim_end_matches(" \\").contains(' ');
                assert!(columns(line) <= width || one_word, "over {width}: {line:?}\n{text}");
            }
            assert!(text.contains("--api-server-authorized-ip-ranges"), "a flag is never split:\n{text}");
        }
    }

    #[test]
    fn escape_sequences_from_the_cluster_are_shown_not_sent() {
        let text =
            render_at(&report(vec![finding(Status::Fail, "Namespace/\u{1b}[2Jx", "m\u{1b}]0;t\u{7}")]), 100, false);
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("\\u{1b}[2Jx"), "{text}");
    }

    #[test]
    fn colour_codes_only_with_colour() {
        let report = report(vec![finding(Status::Fail, "Namespace/a", "m")]);
        assert!(!render_at(&report, 100, false).contains('\u{1b}'));
        let coloured = render(&report, &Style { colour: true, ..Style::default() });
        assert!(coloured.contains("\u{1b}[1;31m") || coloured.contains("\u{1b}["), "{coloured}");
    }
}
