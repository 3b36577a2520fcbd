//! `aksguard fleet merge REPORTS...`: joins the `fleet -o json` reports of shards into the report
//! the unsharded run writes. The shards must be of one aksguard version, one rule set and one
//! shard count, every shard present and each cluster in one shard only (a first pass checks that,
//! keeping only ids); then the shards, each in id order, are merged a cluster at a time and
//! written through, the summary recomputed as they go. Memory holds one cluster per shard and the
//! summary, never the reports.

use super::args::MergeArgs;
use super::select::Shard;
use super::summary::{Entry, FLEET_SCHEMA_VERSION, KIND, Summary, ToolInfo};
use super::{Sink, gate};
use crate::config::Config;
use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;

/// A shard report larger than this is refused unread.
const MAX_REPORT: u64 = 4 << 30;

pub fn run(args: MergeArgs) -> Result<u8> {
    if matches!(args.output.format, super::args::FleetFormat::Sarif | super::args::FleetFormat::Junit) {
        bail!(
            "fleet merge writes table, markdown, html or json (the shards' JSON holds no SARIF or JUnit); run the shards with -o sarif or -o junit instead"
        );
    }
    let (rules, warnings) = check(&args.reports)?;
    // Every shard is in id order: the merged report is their merge, one cluster of each in memory.
    let mut shards = args.reports.iter().map(|path| ShardFile::open(path)).collect::<Result<Vec<_>>>()?;
    let mut heads = shards.iter_mut().map(ShardFile::next).collect::<Result<Vec<_>>>()?;
    let mut sink = Sink::open(&args.output, None, &rules)?;
    while let Some(at) = first(&heads) {
        let next = shards[at].next()?;
        let entry = std::mem::replace(&mut heads[at], next).expect("a head was chosen");
        sink.add_entry(entry)?;
    }
    let summary = sink.finish(warnings, &args.output)?;
    Ok(gate(&summary, &args.output, &Config::default()))
}

/// The shard whose next cluster comes first by id.
fn first(heads: &[Option<Entry>]) -> Option<usize> {
    let keyed = heads.iter().enumerate().filter_map(|(at, head)| Some((head.as_ref()?.cluster.key(), at)));
    keyed.min().map(|(_, at)| at)
}

/// The first pass, before anything is written: one aksguard version, one rule set, the N
/// different shards of one split, each in id order, and every cluster in one shard only. Only the
/// ids are kept. Returns the rules and the shards' warnings.
fn check(paths: &[std::path::PathBuf]) -> Result<(Vec<String>, Vec<String>)> {
    let mut rules: Option<Vec<String>> = None;
    let mut shards: Vec<(Shard, String)> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for path in paths {
        let mut file = ShardFile::open(path)?;
        let (header, name) = (&file.header, file.name.clone());
        if header.tool != ToolInfo::this() {
            bail!(
                "{name} was written by {} {}, not aksguard {}; merge shards written by one aksguard version",
                header.tool.name,
                header.tool.version,
                env!("CARGO_PKG_VERSION")
            );
        }
        match &rules {
            Some(rules) if *rules != header.rules => {
                bail!(
                    "{name} ran other rules than {}; run every shard with the same --rules and config",
                    paths[0].display()
                )
            }
            _ => rules = Some(header.rules.clone()),
        }
        let Some(shard) = header.shard else {
            bail!("{name} is not a shard (it was run without --shard); merge the reports of `fleet --shard I/N`");
        };
        if let Some((other, other_name)) = shards.iter().find(|(s, _)| s.count != shard.count || s.index == shard.index)
        {
            bail!(
                "{name} is shard {shard} and {other_name} is shard {other}; merge the N different shards of one --shard I/N split"
            );
        }
        shards.push((shard, name.clone()));
        let mut last: Option<String> = None;
        while let Some(entry) = file.next()? {
            let key = entry.cluster.key();
            if last.as_ref().is_some_and(|last| *last >= key) {
                bail!(
                    "{name} does not list its clusters in id order, as `aksguard fleet -o json` writes them; pass the shard reports unchanged"
                );
            }
            keys.push(key.clone());
            last = Some(key);
        }
        warnings.extend(file.warnings);
    }
    let count = shards[0].0.count;
    let missing: Vec<String> =
        (1..=count).filter(|i| !shards.iter().any(|(s, _)| s.index == *i)).map(|i| format!("{i}/{count}")).collect();
    keys.sort_unstable();
    if let Some(pair) = keys.windows(2).find(|pair| pair[0] == pair[1]) {
        bail!("cluster {} is in two shard reports; merge the reports of one --shard I/N split", pair[0]);
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
    Ok((rules.unwrap_or_default(), warnings))
}

/// A fleet report's first line: everything but its clusters and summary.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    schema_version: u32,
    kind: String,
    tool: ToolInfo,
    shard: Option<Shard>,
    rules: Vec<String>,
}

/// The summary at a fleet report's end.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tail {
    summary: Summary,
}

/// The first line of the clusters list, as `fleet -o json` writes it: the header, then one
/// cluster a line, then the summary.
const CLUSTERS: &str = r#","clusters":["#;
const SUMMARY: &str = r#"],"summary":"#;

/// A shard report, read one cluster (one line) at a time.
struct ShardFile {
    name: String,
    header: Header,
    lines: std::io::Lines<BufReader<std::io::Take<std::fs::File>>>,
    /// The summary's warnings, once the last cluster is read.
    warnings: Vec<String>,
    done: bool,
}

impl ShardFile {
    fn open(path: &Path) -> Result<ShardFile> {
        let file = crate::collect::input::open(path, "fleet merge")?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_REPORT {
            bail!(
                "{} is {size} bytes, more than a fleet report can be ({MAX_REPORT}); pass the `fleet -o json` reports",
                path.display()
            );
        }
        let name = path.display().to_string();
        let mut lines = BufReader::new(file.take(MAX_REPORT)).lines();
        let first = lines.next().transpose().map_err(|err| anyhow!("cannot read {name}: {err}"))?.unwrap_or_default();
        let header = first.strip_suffix(CLUSTERS).map(|head| format!("{head}}}"));
        let header: Header = header
            .and_then(|text| serde_json::from_str(&text).ok())
            .ok_or_else(|| not_a_report(&name, "its first line is not a fleet report's header"))?;
        if header.kind != KIND || header.schema_version != FLEET_SCHEMA_VERSION {
            bail!(
                "{name} is not a fleet report of schema {FLEET_SCHEMA_VERSION} (kind {}, schema {}); pass the reports `aksguard fleet -o json` wrote",
                header.kind,
                header.schema_version
            );
        }
        Ok(ShardFile { name, header, lines, warnings: Vec::new(), done: false })
    }

    /// The next cluster, or `None` after the last (the summary read then).
    fn next(&mut self) -> Result<Option<Entry>> {
        if self.done {
            return Ok(None);
        }
        let name = &self.name;
        let line = match self.lines.next() {
            Some(line) => line.map_err(|err| anyhow!("cannot read {name}: {err}"))?,
            None => return Err(not_a_report(name, "it ends before its summary")),
        };
        if let Some(rest) = line.strip_prefix(SUMMARY) {
            let mut tail = format!("{{\"summary\":{rest}");
            for line in self.lines.by_ref() {
                tail.push('\n');
                tail.push_str(&line.map_err(|err| anyhow!("cannot read {name}: {err}"))?);
            }
            let tail: Tail = serde_json::from_str(&tail)
                .map_err(|err| not_a_report(name, &format!("its summary cannot be read ({err})")))?;
            self.warnings = tail.summary.warnings;
            self.done = true;
            return Ok(None);
        }
        let text = line.strip_suffix(',').unwrap_or(&line);
        serde_json::from_str(text)
            .map(Some)
            .map_err(|err| not_a_report(name, &format!("a cluster's line cannot be read ({err})")))
    }
}

fn not_a_report(name: &str, why: &str) -> anyhow::Error {
    anyhow!(
        "{name} is not a fleet report as `aksguard fleet --shard I/N -o json` writes it (one cluster a line): {why}; pass the shard reports unchanged"
    )
}
