//! `aksguard diff BEFORE AFTER`: what changed between two audits of a cluster. Findings are
//! matched by their stable identity (rule and resource, the one SARIF's fingerprints use) and
//! only those failing or unknown on at least one side are compared:
//! - fixed: open (fail or unknown) before, not after (passing, waived, not applicable or gone);
//! - new: open after, not before;
//! - changed: open on both sides, with another status or severity;
//! - unchanged: open on both sides, as it was.
//!
//! AKS-managed components (system namespaces) are left out, as `--baseline` leaves them out.

use crate::cli::DiffArgs;
use crate::escape;
use crate::finding::{Severity, Status};
use crate::report::text::{columns, wrap};
use crate::report_file::{Findings, Item, Target};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

/// `aksguard diff`: 0, or 1 when `--fail-on` trips; refuses two different clusters unless told.
pub fn command(args: DiffArgs) -> anyhow::Result<u8> {
    let before = Findings::load(&args.before, "BEFORE")?;
    let after = Findings::load(&args.after, "AFTER")?;
    if before.target.differs_from(&after.target) && !args.allow_different_clusters {
        anyhow::bail!(
            "BEFORE is {} and AFTER is {}: these are two different clusters; pass --allow-different-clusters to compare them anyway",
            escape::terminal(&before.target.describe()),
            escape::terminal(&after.target.describe())
        );
    }
    if before.target.cluster.is_none() || after.target.cluster.is_none() {
        eprintln!(
            "note: {} names no AKS cluster (no ARM data), so aksguard cannot check that both audits are of the same cluster",
            if before.target.cluster.is_none() { "BEFORE" } else { "AFTER" }
        );
    }
    let diff = compare(&before, &after);
    let width = crate::report::terminal::width(
        args.output_file.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
    );
    let text = match args.format {
        Format::Table => diff.to_table(width),
        Format::Markdown => diff.to_markdown(),
        Format::Json => diff.to_json(),
    };
    crate::commands::write_output(args.output_file.as_deref(), &text)?;
    Ok(u8::from(args.fail_on.is_some_and(|threshold| diff.trips(threshold))))
}

/// How far a change's message is indented under its line.
const TABLE_INDENT: usize = 4;

/// Bumped on any incompatible change to the JSON output.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Fixed,
    New,
    Changed,
    Unchanged,
}

impl Change {
    pub const ALL: [Change; 4] = [Change::Fixed, Change::New, Change::Changed, Change::Unchanged];

    pub fn as_str(self) -> &'static str {
        match self {
            Change::Fixed => "fixed",
            Change::New => "new",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
        }
    }
}

/// A finding's status and severity on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct State {
    pub status: Status,
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub change: Change,
    pub identity: String,
    pub rule: String,
    pub resource: String,
    /// The message after, or before when the finding is gone.
    pub message: String,
    /// `None`: no such finding on that side.
    pub before: Option<State>,
    pub after: Option<State>,
}

impl Entry {
    /// The severity it is listed under: the current one, else the one it had.
    pub fn severity(&self) -> Severity {
        self.after.or(self.before).map_or(Severity::Info, |state| state.severity)
    }

    /// Failing at or above `threshold` after, and not before: what `--fail-on` trips on.
    pub fn newly_fails_at(&self, threshold: Severity) -> bool {
        let fails = |state: Option<State>| state.is_some_and(|s| s.status == Status::Fail && s.severity >= threshold);
        fails(self.after) && !fails(self.before)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub fixed: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub before: Target,
    pub after: Target,
    pub summary: Counts,
    /// Fixed, new, changed, unchanged; most severe first in each.
    pub entries: Vec<Entry>,
}

/// Compares two audits. Whether they are of the same cluster is the caller's decision.
pub fn compare(before: &Findings, after: &Findings) -> Diff {
    let before_ids = before.identities();
    let after_ids = after.identities();
    let before_by_id: HashMap<&str, &Item> = before_ids.iter().map(String::as_str).zip(&before.items).collect();
    let after_by_id: HashMap<&str, &Item> = after_ids.iter().map(String::as_str).zip(&after.items).collect();
    let mut entries = Vec::new();
    for (id, item) in before_ids.iter().zip(&before.items) {
        let later = after_by_id.get(id.as_str()).copied();
        if let Some(change) = classify(Some(item), later) {
            entries.push(entry(change, id, item, later.unwrap_or(item), Some(item), later));
        }
    }
    for (id, item) in after_ids.iter().zip(&after.items) {
        if !before_by_id.contains_key(id.as_str()) && item.is_open() {
            entries.push(entry(Change::New, id, item, item, None, Some(item)));
        }
    }
    entries.sort_by(|a, b| {
        (a.change, std::cmp::Reverse(a.severity()), &a.rule, &a.resource).cmp(&(
            b.change,
            std::cmp::Reverse(b.severity()),
            &b.rule,
            &b.resource,
        ))
    });
    let mut summary = Counts::default();
    for entry in &entries {
        *match entry.change {
            Change::Fixed => &mut summary.fixed,
            Change::New => &mut summary.new,
            Change::Changed => &mut summary.changed,
            Change::Unchanged => &mut summary.unchanged,
        } += 1;
    }
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        before: before.target.clone(),
        after: after.target.clone(),
        summary,
        entries,
    }
}

/// What happened to a finding that existed before; `None` when it is open on neither side.
fn classify(before: Option<&Item>, after: Option<&Item>) -> Option<Change> {
    let open = |item: Option<&Item>| item.is_some_and(Item::is_open);
    match (open(before), open(after)) {
        (false, false) => None,
        (true, false) => Some(Change::Fixed),
        (false, true) => Some(Change::New),
        (true, true) => {
            let (before, after) = (before?, after?);
            let same = before.status == after.status && before.severity == after.severity;
            Some(if same { Change::Unchanged } else { Change::Changed })
        }
    }
}

fn entry(change: Change, id: &str, item: &Item, shown: &Item, before: Option<&Item>, after: Option<&Item>) -> Entry {
    let state = |item: &Item| State { status: item.status, severity: item.severity };
    Entry {
        change,
        identity: id.to_string(),
        rule: item.rule.clone(),
        resource: item.resource.clone(),
        message: shown.message.clone(),
        before: before.map(state),
        after: after.map(state),
    }
}

impl Diff {
    pub fn of(&self, change: Change) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |entry| entry.change == change)
    }

    /// `--fail-on`: something fails at or above the threshold that did not before.
    pub fn trips(&self, threshold: Severity) -> bool {
        self.entries.iter().any(|entry| entry.newly_fails_at(threshold))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a diff always serialises") + "\n"
    }

    fn headline(&self) -> String {
        let Counts { fixed, new, changed, unchanged } = &self.summary;
        format!("{fixed} fixed · {new} new · {changed} changed · {unchanged} unchanged")
    }

    /// The summary first, then one line per change (fixed and new first) with its message
    /// indented below, wrapped to `width` (the terminal's) between words only.
    pub fn to_table(&self, width: usize) -> String {
        let mut out = format!(
            "aksguard diff\nbefore: {}\nafter:  {}\n\n{}\n\n",
            escape::terminal(&self.before.source),
            escape::terminal(&self.after.source),
            self.headline()
        );
        if self.entries.is_empty() {
            out.push_str("nothing failing or unknown on either side\n");
            return out;
        }
        let rule_column = self.entries.iter().map(|entry| columns(&entry.rule)).max().unwrap_or(0);
        let transition_column = self.entries.iter().map(|entry| columns(&transition(entry))).max().unwrap_or(0);
        for entry in &self.entries {
            let line = format!(
                "{:<9} {:<transition_column$}  {:<rule_column$}  {}",
                entry.change.as_str().to_uppercase(),
                transition(entry),
                entry.rule,
                escape::terminal(short_resource(&entry.resource)),
            );
            // The columns are short words and the resource one unbreakable token: never rewrapped.
            out.push_str(line.trim_end());
            out.push('\n');
            let message = escape::terminal(&entry.message);
            let indent = " ".repeat(TABLE_INDENT);
            for piece in wrap(&message, width, TABLE_INDENT, TABLE_INDENT) {
                out.push_str(&format!("{indent}{piece}\n"));
            }
        }
        out
    }

    /// For a pull request comment or a slide.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "## aksguard diff\n\n**Before:** {}  \n**After:** {}\n\n**{}**\n",
            escape::markdown(&self.before.source),
            escape::markdown(&self.after.source),
            self.headline()
        );
        for change in Change::ALL {
            let entries: Vec<&Entry> = self.of(change).collect();
            out.push_str(&format!("\n### {} ({})\n\n", capitalised(change.as_str()), entries.len()));
            if entries.is_empty() {
                out.push_str("None.\n");
                continue;
            }
            out.push_str("| Severity | Before → after | Rule | Resource | Message |\n|---|---|---|---|---|\n");
            for entry in entries {
                out.push_str(&format!(
                    "| {} | {} | `{}` | {} | {} |\n",
                    entry.severity(),
                    transition(entry),
                    entry.rule,
                    escape::markdown(short_resource(&entry.resource)),
                    escape::markdown(&entry.message)
                ));
            }
        }
        out
    }
}

/// `fail (high) → pass`, `— → fail (medium)`.
fn transition(entry: &Entry) -> String {
    let side = |state: Option<State>| match state {
        None => "—".to_string(),
        Some(state) if matches!(state.status, Status::Fail | Status::Unknown) => {
            format!("{} ({})", state.status, state.severity)
        }
        Some(state) => state.status.to_string(),
    };
    format!("{} → {}", side(entry.before), side(entry.after))
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// ARM ids shortened to what follows the provider namespace, as the audit table shows them.
fn short_resource(resource: &str) -> &str {
    crate::report::text::short_resource(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(rule: &str, resource: &str, status: Status, severity: Severity) -> Item {
        Item {
            rule: rule.into(),
            severity,
            status,
            resource: resource.into(),
            message: format!("{rule} on {resource}"),
            evidence: Vec::new(),
            remediation: None,
            platform_managed: false,
        }
    }

    fn findings(items: Vec<Item>) -> Findings {
        Findings { target: Target::default(), items }
    }

    use Severity::*;
    use Status::*;

    #[test]
    fn fixed_new_changed_and_unchanged() {
        let before = findings(vec![
            item("a", "x", Fail, High),    // fixed: passes now
            item("b", "x", Fail, High),    // fixed: gone
            item("c", "x", Unknown, High), // changed: now fails
            item("d", "x", Fail, Low),     // unchanged
            item("e", "x", Pass, High),    // new: fails now
            item("f", "x", Pass, High),    // passes on both sides: not compared
        ]);
        let after = findings(vec![
            item("a", "x", Pass, High),
            item("c", "x", Fail, High),
            item("d", "x", Fail, Low),
            item("e", "x", Fail, Medium),
            item("f", "x", Pass, High),
            item("g", "x", Unknown, Critical), // new
        ]);
        let diff = compare(&before, &after);
        let got: Vec<(Change, &str)> = diff.entries.iter().map(|e| (e.change, e.rule.as_str())).collect();
        use Change::*;
        assert_eq!(got, [(Fixed, "a"), (Fixed, "b"), (New, "g"), (New, "e"), (Changed, "c"), (Unchanged, "d")]);
        assert_eq!(diff.summary, Counts { fixed: 2, new: 2, changed: 1, unchanged: 1 });
        assert_eq!(diff.entries[1].after, None, "b is gone");
    }

    #[test]
    fn fail_on_trips_on_what_newly_fails_at_the_threshold() {
        let before = findings(vec![item("a", "x", Fail, Low), item("b", "x", Unknown, High)]);
        let escalated = findings(vec![item("a", "x", Fail, High), item("b", "x", Unknown, High)]);
        assert!(compare(&before, &escalated).trips(High), "low → high is new at high");
        let now_known = findings(vec![item("a", "x", Fail, Low), item("b", "x", Fail, High)]);
        assert!(compare(&before, &now_known).trips(High), "unknown → fail is newly failing");
        assert!(!compare(&before, &before).trips(Info), "nothing new");
        let new_low =
            findings(vec![item("a", "x", Fail, Low), item("b", "x", Unknown, High), item("c", "y", Fail, Low)]);
        assert!(!compare(&before, &new_low).trips(Medium) && compare(&before, &new_low).trips(Low));
    }

    #[test]
    fn platform_managed_findings_are_not_compared() {
        let mut system = item("a", "DaemonSet/kube-system/x", Fail, High);
        system.platform_managed = true;
        assert!(compare(&findings(vec![]), &findings(vec![system])).entries.is_empty());
    }

    #[test]
    fn markdown_escapes_names_from_the_cluster() {
        let diff = compare(&findings(vec![]), &findings(vec![item("r", "Pod/ns/a|b", Fail, High)]));
        let text = diff.to_markdown();
        assert!(text.contains("Pod/ns/a\\|b"), "{text}");
        assert!(text.contains("### New (1)") && text.contains("| high | — → fail (high) | `r` |"), "{text}");
    }
}
