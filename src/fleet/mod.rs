//! `aksguard fleet`: every AKS cluster of a tenant in one report. The clusters come from one
//! paged Azure Resource Graph query (`live`) or from a directory of snapshots (`snapshots`);
//! each is audited with the same rules, config, waivers and gate as `audit`; its result is
//! summarised into a [`summary::Row`] and, for JSON, written out at once, so memory holds the
//! rows, not the reports. `--shard I/N` and `fleet merge` split a large tenant across jobs.

pub mod args;
pub mod cluster;
pub mod doctor;
pub mod joined;
pub mod junit;
pub mod kubernetes;
pub mod live;
pub mod merge;
pub mod render;
pub mod sarif;
pub mod select;
pub mod snapshots;
pub mod summary;

use crate::audit::{self, Gate};
use crate::config::{Config, WaiverOutcome, WaiverState};
use crate::rules::{Rule, Settings};
use crate::snapshot::Snapshot;
use anyhow::{Context as _, Result};
use args::{FleetArgs, FleetAuditArgs, FleetCommand, FleetFormat, OutputArgs};
use cluster::FleetCluster;
use select::Shard;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use summary::{Entry, Row, Summary};

pub fn run(args: FleetArgs) -> Result<u8> {
    match args.command {
        None => audit_fleet(args.audit),
        Some(FleetCommand::Audit(audit)) => audit_fleet(audit),
        Some(FleetCommand::Snapshot(snapshot)) => snapshots::write(snapshot),
        Some(FleetCommand::Merge(merge)) => merge::run(merge),
    }
}

fn audit_fleet(args: FleetAuditArgs) -> Result<u8> {
    let config = Config::load(args.config.as_deref())?;
    let rules = crate::commands::select_rules(&args.rules, &args.skip_rules, &config)?;
    let settings = config.settings();
    let mut waivers = Waivers::default();
    let rule_ids: Vec<String> = rules.iter().map(|rule| rule.id.to_string()).collect();
    let mut sink = Sink::open(&args.output, args.select.shard, &rule_ids)?;
    let warnings = match &args.snapshots {
        Some(dir) => {
            let index = snapshots::read_index(dir, &args.select)?;
            for (cluster, path, kubernetes_unknown) in index.clusters {
                let snapshot = match cluster.unreadable() {
                    Some(_) => cluster.snapshot(),
                    None => crate::collect::snapshot_file::read(&path)?,
                };
                let judged = judge(&cluster, &snapshot, kubernetes_unknown, &rules, &settings, &config, &mut waivers);
                sink.add(&cluster, judged, &args.output)?;
            }
            index.warnings
        }
        None => {
            verbose(args.read.verbose);
            let parallel = usize::from(args.read.parallel);
            crate::collect::live::run(async {
                let clients = live::connect(&args.select, &args.read).await?;
                let fleet = live::read(&clients.graph, &args.select).await?;
                live::each_snapshot(&clients, &fleet, parallel, |cluster, snapshot, kubernetes_unknown| {
                    let judged =
                        judge(cluster, &snapshot, kubernetes_unknown, &rules, &settings, &config, &mut waivers);
                    sink.add(cluster, judged, &args.output)
                })
                .await
            })?
        }
    };
    waivers.warn();
    let summary = sink.finish(warnings, &args.output)?;
    Ok(gate(&summary, &args.output, &config))
}

/// One cluster: the rules, the Resource Graph gaps, then the config (which recounts);
/// `kubernetes_unknown` says why its Kubernetes side could not be read, if so.
fn judge(
    cluster: &FleetCluster,
    snapshot: &Snapshot,
    kubernetes_unknown: Option<String>,
    rules: &[&'static Rule],
    settings: &Settings,
    config: &Config,
    waivers: &mut Waivers,
) -> (Row, audit::Report) {
    let mut report = audit::run(snapshot, rules, settings);
    report.target.cluster.get_or_insert_with(|| cluster.name.clone());
    report.target.resource_group.get_or_insert_with(|| cluster.resource_group.clone());
    report.target.subscription.get_or_insert_with(|| cluster.subscription.clone());
    cluster::mark_gaps(&mut report, cluster);
    audit::apply_config(&mut report, config, crate::commands::today());
    waivers.add(&report.waivers);
    let mut row = Row::of(cluster, &report);
    row.not_read = row.not_read.or(kubernetes_unknown);
    (row, report)
}

fn gate(summary: &Summary, output: &OutputArgs, config: &Config) -> u8 {
    let gate = Gate {
        fail_on: output.fail_on.or(config.fail_on),
        fail_on_unknown: output.fail_on_unknown || config.fail_on_unknown,
    };
    if summary::trips(summary, gate) { 1 } else { 0 }
}

/// A waiver is stale only when it matched nothing in the whole fleet; expired is said once.
#[derive(Default)]
struct Waivers(Vec<WaiverOutcome>);

impl Waivers {
    fn add(&mut self, outcomes: &[WaiverOutcome]) {
        if self.0.is_empty() {
            self.0 = outcomes.to_vec();
            return;
        }
        for (total, outcome) in self.0.iter_mut().zip(outcomes) {
            total.matched += outcome.matched;
            if outcome.state == WaiverState::Active {
                total.state = WaiverState::Active;
            }
        }
    }

    fn warn(&self) {
        for waiver in self.0.iter().filter(|waiver| waiver.needs_attention()) {
            eprintln!("warning: {} (across the fleet)", waiver.describe());
        }
    }
}

/// Where results go as they finish: JSON is streamed out, the other formats keep the rows.
struct Sink {
    json: Option<JsonStream>,
    sarif: Option<sarif::SarifStream>,
    junit: Option<junit::JunitStream>,
    rows: Vec<Row>,
    summary: Summary,
    shard: Option<Shard>,
    rules: Vec<String>,
}

impl Sink {
    fn open(output: &OutputArgs, shard: Option<Shard>, rules: &[String]) -> Result<Sink> {
        let json = match output.format {
            FleetFormat::Json => Some(JsonStream::start(writer(output)?, shard, rules)?),
            _ => None,
        };
        let sarif = match output.format {
            FleetFormat::Sarif => Some(sarif::SarifStream::start(writer(output)?)?),
            _ => None,
        };
        let junit = match output.format {
            FleetFormat::Junit => Some(junit::JunitStream::start(writer(output)?)?),
            _ => None,
        };
        Ok(Sink { json, sarif, junit, rows: Vec::new(), summary: Summary::default(), shard, rules: rules.to_vec() })
    }

    fn add(&mut self, cluster: &FleetCluster, (row, report): (Row, audit::Report), output: &OutputArgs) -> Result<()> {
        self.summary.add(&row);
        match (&mut self.json, &mut self.sarif) {
            (Some(json), _) => {
                let entry = Entry { report: Entry::json_of(&report, output.show), cluster: row };
                json.entry(&entry)?;
            }
            (None, Some(sarif)) => sarif.run(cluster, &report, output.show)?,
            (None, None) => match &mut self.junit {
                Some(junit) => junit.cluster(cluster, &report)?,
                None => self.rows.push(row),
            },
        }
        Ok(())
    }

    /// Adds a cluster that was summarised already (by a shard), for `merge`.
    fn add_entry(&mut self, entry: Entry) -> Result<()> {
        self.summary.add(&entry.cluster);
        match &mut self.json {
            Some(json) => json.entry(&entry)?,
            None => self.rows.push(entry.cluster),
        }
        Ok(())
    }

    fn finish(mut self, warnings: Vec<String>, output: &OutputArgs) -> Result<Summary> {
        self.summary.warnings = warnings;
        // A table on the terminal shows the warnings itself; printed on stderr too, a person
        // would read each twice. Any other report (a file, a pipe, JSON, SARIF) gets them there.
        let table_on_terminal =
            output.format == FleetFormat::Table && output.output_file.is_none() && std::io::stdout().is_terminal();
        for warning in self.summary.warnings.iter().filter(|_| !table_on_terminal) {
            eprintln!("warning: {}", render::clean(warning));
        }
        let view = render::View { shard: self.shard, rules: &self.rules, rows: &self.rows, summary: &self.summary };
        if let Some(sarif) = self.sarif {
            sarif.finish()?;
            return Ok(self.summary);
        }
        if let Some(junit) = self.junit {
            junit.finish()?;
            return Ok(self.summary);
        }
        match (self.json, output.format) {
            (Some(json), _) => json.finish(&self.summary)?,
            (None, FleetFormat::Markdown) => write_all(writer(output)?, &render::markdown(&view))?,
            (None, FleetFormat::Html) => write_all(writer(output)?, &render::html(&view))?,
            (None, _) => {
                let to_terminal = output.output_file.is_none() && std::io::stdout().is_terminal();
                let width = match to_terminal {
                    true => comfy_table::Table::new().width().unwrap_or(120),
                    false => 120,
                };
                write_all(writer(output)?, &render::table(&view, width))?
            }
        }
        Ok(self.summary)
    }
}

/// The fleet JSON, written as it goes: the header, each cluster as it finishes, the summary last.
struct JsonStream {
    out: Box<dyn Write>,
    first: bool,
}

impl JsonStream {
    fn start(mut out: Box<dyn Write>, shard: Option<Shard>, rules: &[String]) -> Result<JsonStream> {
        #[derive(Serialize)]
        struct Header<'a> {
            schema_version: u32,
            kind: &'a str,
            tool: summary::ToolInfo,
            shard: Option<Shard>,
            rules: &'a [String],
        }
        let header = Header {
            schema_version: summary::FLEET_SCHEMA_VERSION,
            kind: summary::KIND,
            tool: summary::ToolInfo::this(),
            shard,
            rules,
        };
        let text = serde_json::to_string(&header).expect("the header serialises");
        write!(out, "{},\"clusters\":[", text.trim_end_matches('}')).context("cannot write the report")?;
        Ok(JsonStream { out, first: true })
    }

    fn entry(&mut self, entry: &Entry) -> Result<()> {
        let separator = if self.first { "\n" } else { ",\n" };
        self.first = false;
        self.out.write_all(separator.as_bytes()).context("cannot write the report")?;
        serde_json::to_writer(&mut self.out, entry).context("cannot write the report")
    }

    fn finish(mut self, summary: &Summary) -> Result<()> {
        let summary = serde_json::to_string_pretty(summary).expect("the summary serialises");
        write!(self.out, "\n],\"summary\":{summary}}}\n").context("cannot write the report")?;
        self.out.flush().context("cannot write the report")
    }
}

/// `--output-file`, else stdout.
fn writer(output: &OutputArgs) -> Result<Box<dyn Write>> {
    Ok(match &output.output_file {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path).map_err(|err| {
            anyhow::anyhow!("cannot write {}: {err}; check the directory exists and is writable", path.display())
        })?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

fn write_all(mut out: Box<dyn Write>, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}

fn verbose(on: bool) {
    if on {
        crate::commands::debug_logs();
    }
}
