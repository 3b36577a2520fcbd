//! `aksguard fleet merge REPORTS...`: joins the `fleet -o json` reports of shards into the report
//! the unsharded run writes. The shards must be of one aksguard version, one rule set and one
//! shard count, every shard present and each cluster in one shard only; the clusters are put back in id order and the
//! summary is recomputed from them.

use super::args::MergeArgs;
use super::select::Shard;
use super::summary::{Document, Entry, FLEET_SCHEMA_VERSION, KIND, ToolInfo};
use super::{Sink, gate};
use crate::config::Config;
use anyhow::{Result, bail};
use std::path::Path;

/// A shard report larger than this is refused unread.
const MAX_REPORT: u64 = 4 << 30;

pub fn run(args: MergeArgs) -> Result<u8> {
    if matches!(args.output.format, super::args::FleetFormat::Sarif | super::args::FleetFormat::Junit) {
        bail!(
            "fleet merge writes table, markdown, html or json (the shards' JSON holds no SARIF or JUnit); run the shards with -o sarif or -o junit instead"
        );
    }
    let mut rules: Option<Vec<String>> = None;
    let mut shards: Vec<(Shard, String)> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for path in &args.reports {
        let document = read(path)?;
        let name = path.display().to_string();
        if document.tool != ToolInfo::this() {
            bail!(
                "{name} was written by {} {}, not aksguard {}; merge shards written by one aksguard version",
                document.tool.name,
                document.tool.version,
                env!("CARGO_PKG_VERSION")
            );
        }
        match &rules {
            Some(rules) if *rules != document.rules => {
                bail!(
                    "{name} ran other rules than {}; run every shard with the same --rules and config",
                    args.reports[0].display()
                )
            }
            _ => rules = Some(document.rules.clone()),
        }
        let Some(shard) = document.shard else {
            bail!("{name} is not a shard (it was run without --shard); merge the reports of `fleet --shard I/N`");
        };
        if let Some((other, other_name)) = shards.iter().find(|(s, _)| s.count != shard.count || s.index == shard.index)
        {
            bail!(
                "{name} is shard {shard} and {other_name} is shard {other}; merge the N different shards of one --shard I/N split"
            );
        }
        shards.push((shard, name));
        warnings.extend(document.summary.warnings);
        entries.extend(document.clusters);
    }
    let count = shards[0].0.count;
    let missing: Vec<String> =
        (1..=count).filter(|i| !shards.iter().any(|(s, _)| s.index == *i)).map(|i| format!("{i}/{count}")).collect();
    entries.sort_by_key(|entry| entry.cluster.key());
    if let Some(pair) = entries.windows(2).find(|pair| pair[0].cluster.key() == pair[1].cluster.key()) {
        bail!("cluster {} is in two shard reports; merge the reports of one --shard I/N split", pair[0].cluster.id);
    }
    if !missing.is_empty() {
        // A merged report that looks whole but is not would pass clusters nobody audited.
        bail!(
            "shard {} missing; pass the report of every shard of the --shard I/N split",
            missing.join(", ") + if missing.len() == 1 { " is" } else { " are" }
        );
    }
    let mut seen = Vec::new();
    warnings.retain(|warning| {
        !seen.contains(warning) && {
            seen.push(warning.clone());
            true
        }
    });
    let mut sink = Sink::open(&args.output, None, rules.as_deref().unwrap_or_default())?;
    for entry in entries {
        sink.add_entry(entry)?;
    }
    let summary = sink.finish(warnings, &args.output)?;
    Ok(gate(&summary, &args.output, &Config::default()))
}

fn read(path: &Path) -> Result<Document> {
    let flag = "fleet merge";
    let file = crate::collect::input::open(path, flag)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_REPORT {
        bail!(
            "{} is {size} bytes, more than a fleet report can be ({MAX_REPORT}); pass the `fleet -o json` reports",
            path.display()
        );
    }
    let reader = std::io::BufReader::new(std::io::Read::take(file, MAX_REPORT));
    let document: Document = serde_json::from_reader(reader).map_err(|err| {
        anyhow::anyhow!(
            "{} is not a fleet report ({err}); pass the reports `aksguard fleet --shard I/N -o json` wrote",
            path.display()
        )
    })?;
    if document.kind != KIND || document.schema_version != FLEET_SCHEMA_VERSION {
        bail!(
            "{} is not a fleet report of schema {FLEET_SCHEMA_VERSION} (kind {}, schema {}); pass the reports `aksguard fleet -o json` wrote",
            path.display(),
            document.kind,
            document.schema_version
        );
    }
    Ok(document)
}
