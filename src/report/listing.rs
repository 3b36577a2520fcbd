//! What `aksguard rules` and `aksguard explain` print: the rule catalog, the CIS controls it
//! automates, and one rule's documentation.

use crate::cli::ListFormat;
use crate::rules::{self, Rule, cis};
use serde::Serialize;

/// `aksguard rules`: every rule with its severity, title and the sources it reads.
pub fn rules(format: ListFormat) -> String {
    #[derive(Serialize)]
    struct RuleEntry {
        id: &'static str,
        severity: crate::finding::Severity,
        title: &'static str,
        reads: &'static [&'static str],
        cis_aks_1_8: &'static [&'static str],
        references: &'static [&'static str],
    }
    match format {
        ListFormat::Json => {
            let entries: Vec<RuleEntry> = rules::ALL
                .iter()
                .map(|r| RuleEntry {
                    id: r.id,
                    severity: r.severity,
                    title: r.title,
                    reads: r.reads,
                    cis_aks_1_8: r.cis,
                    references: r.references,
                })
                .collect();
            serde_json::to_string_pretty(&entries).expect("rules serialise") + "\n"
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(listing_width())
                .set_header(["Rule", "Severity", "Title", "Reads"]);
            for rule in rules::ALL {
                table.add_row([rule.id, rule.severity.as_str(), rule.title, &rule.reads.join("\n")]);
            }
            format!("{table}\n`aksguard explain RULE` prints a rule's documentation.\n")
        }
    }
}

/// `aksguard rules --framework cis-aks-1.8`: each control with its rules, or why it is manual.
pub fn cis_controls(format: ListFormat) -> String {
    #[derive(Serialize)]
    struct ControlEntry {
        id: &'static str,
        title: &'static str,
        rules: Vec<&'static str>,
        manual: Option<&'static str>,
    }
    let entries: Vec<ControlEntry> = cis::CONTROLS
        .iter()
        .map(|control| {
            let rules: Vec<&str> = cis::automated_by(control.id).iter().map(|rule| rule.id).collect();
            let manual = rules.is_empty().then_some(control.manual);
            ControlEntry { id: control.id, title: control.title, rules, manual }
        })
        .collect();
    match format {
        ListFormat::Json => serde_json::to_string_pretty(&entries).expect("controls serialise") + "\n",
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(listing_width())
                .set_header(["Control", "Title", "Automated by"]);
            for entry in &entries {
                let by = match entry.manual {
                    Some(reason) => format!("manual: {reason}"),
                    None => entry.rules.join("\n"),
                };
                table.add_row([entry.id, entry.title, &by]);
            }
            let automated = entries.iter().filter(|e| e.manual.is_none()).count();
            format!(
                "CIS Azure Kubernetes Service (AKS) Benchmark v1.8: {automated} of {} controls automated\n{table}\n",
                entries.len()
            )
        }
    }
}

/// `aksguard explain RULE`: a rule's documentation, with its CIS controls and references.
/// `rules` tables fit the terminal (or COLUMNS, or 100 columns).
fn listing_width() -> u16 {
    use std::io::IsTerminal;
    u16::try_from(super::terminal::width(std::io::stdout().is_terminal())).unwrap_or(u16::MAX)
}

pub fn explain(rule: &Rule) -> String {
    let cis_lines = rule
        .cis
        .iter()
        .filter_map(|id| cis::control(id))
        .map(|c| format!("- CIS AKS Benchmark v1.8 {}: {}\n", c.id, c.title));
    let references: String = cis_lines.chain(rule.references.iter().map(|r| format!("- {r}\n"))).collect();
    format!(
        "# {} — {}\n\nDefault severity: {}\nReads: {}\n\n{}\n## References\n{references}",
        rule.id,
        rule.title,
        rule.severity,
        rule.reads.join(", "),
        rule.docs.trim_end_matches('\n').to_string() + "\n",
    )
}
