//! `aksguard rules --framework azure-policy[:INITIATIVE]`: every built-in Kubernetes definition
//! Azure ships (or those of one initiative), with the aksguard rules that answer it, or why none
//! does.

use crate::cli::ListFormat;
use crate::rules::azure_policy_map::{self as map, Definition, Gap};
use serde::Serialize;

/// One listed definition.
#[derive(Debug, Serialize)]
struct Entry {
    id: String,
    name: String,
    preview: bool,
    /// The rules that answer it; empty when `gap` says why none does.
    rules: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    planned: Option<Planned>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_aside: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Planned {
    rule: &'static str,
    needs: &'static str,
}

fn entry(id: &str, index: &[Definition]) -> Entry {
    let known = index.iter().find(|d| d.id == id);
    let mut entry = Entry {
        id: id.to_string(),
        name: known.map_or("(not in the built-in index)", |d| d.name).to_string(),
        preview: known.is_some_and(|d| d.preview),
        rules: map::rules_for(id),
        planned: None,
        no_rule: None,
        set_aside: None,
    };
    match map::gap(id) {
        Some(Gap::Planned { rule, needs }) => entry.planned = Some(Planned { rule, needs }),
        Some(Gap::NoRule(reason)) => entry.no_rule = Some(reason),
        Some(Gap::SetAside(reason)) => entry.set_aside = Some(reason),
        None => {}
    }
    entry
}

impl Entry {
    /// "Answered by" in the table.
    fn answer(&self) -> String {
        match (&self.planned, self.no_rule, self.set_aside) {
            _ if !self.rules.is_empty() => self.rules.join("\n"),
            (Some(planned), _, _) => format!("planned: {} (needs the {} source)", planned.rule, planned.needs),
            (None, Some(reason), _) => format!("no rule: {reason}"),
            (None, None, Some(reason)) => format!("set aside: {reason}"),
            (None, None, None) => "no rule: not mapped".to_string(),
        }
    }
}

/// `initiative` is `None` for every built-in, else an initiative's short name (`baseline`, ...).
pub fn render(initiative: Option<&str>, format: ListFormat, width: u16) -> String {
    let index = map::index();
    let (heading, ids): (String, Vec<String>) = match initiative.and_then(map::initiative) {
        Some(set) => {
            let (id, definitions) = set.read();
            (format!("Azure Policy initiative \"{}\" ({id})", set.title), definitions)
        }
        None => (
            "Azure Policy built-in definitions for Kubernetes".to_string(),
            index.iter().map(|d| d.id.to_string()).collect(),
        ),
    };
    let entries: Vec<Entry> = ids.iter().map(|id| entry(id, &index)).collect();
    match format {
        ListFormat::Json => serde_json::to_string_pretty(&entries).expect("entries serialise") + "\n",
        ListFormat::Table => table(&heading, &entries, width),
    }
}

fn table(heading: &str, entries: &[Entry], width: u16) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(["Definition", "Id", "Answered by"]);
    for entry in entries {
        let name = if entry.preview && !entry.name.starts_with("[Preview]") {
            format!("{} (preview)", entry.name)
        } else {
            entry.name.clone()
        };
        table.add_row([name.as_str(), entry.id.as_str(), &entry.answer()]);
    }
    let count = |keep: fn(&Entry) -> bool| entries.iter().filter(|e| keep(e)).count();
    let answered = count(|e| !e.rules.is_empty());
    let planned = count(|e| e.rules.is_empty() && e.planned.is_some());
    let set_aside = count(|e| e.rules.is_empty() && e.set_aside.is_some());
    format!(
        "{heading}: {answered} of {} answered by a rule, {planned} planned, {set_aside} set aside (Arc, Flux, configure-only), {} without a rule\n{table}\n",
        entries.len(),
        entries.len() - answered - planned - set_aside,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_listing_covers_the_index_and_says_why() {
        let text = render(None, ListFormat::Table, 200);
        assert!(text.starts_with("Azure Policy built-in definitions for Kubernetes: "), "{text}");
        assert!(text.contains("of 121 answered by a rule"), "{text}");
        assert!(text.contains("no rule: admission-only: judges edits, not state"));
        let ports = text.lines().find(|line| line.contains("233a2a17-77ca-4fb1-9b6b-69223d272a44")).unwrap();
        assert!(ports.contains("service-exposure"), "{ports}");
        assert!(text.contains("set aside: Arc-enabled clusters only"));
    }

    #[test]
    fn an_initiative_lists_its_definitions_in_order_as_json() {
        let entries: Vec<serde_json::Value> =
            serde_json::from_str(&render(Some("baseline"), ListFormat::Json, 120)).unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 5);
        assert_eq!(ids[0], "95edb821-ddaf-4404-9732-666045e056b4");
        assert_eq!(entries[0]["rules"], serde_json::json!(["privileged-containers"]));
        let restricted = render(Some("restricted"), ListFormat::Table, 200);
        assert!(restricted.contains("42b8ef37-b724-4e24-bbc8-7a7708edfe00"));
        assert!(restricted.contains("8 of 8 answered by a rule"), "{restricted}");
    }
}
