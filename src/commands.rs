//! What each subcommand does, from parsed arguments to the exit code.

use crate::audit::{self, Gate};
use crate::cli::{AuditArgs, Cli, Command, InputArgs, ListFormat, SnapshotArgs};
use crate::collect::{self, Collected, demo, kubectl_files::Kind, snapshot_file};
use crate::report::{self, Format, Style};
use crate::rules::{self, Rule, Settings};
use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Table width when it cannot be read from a terminal.
const DEFAULT_WIDTH: u16 = 120;

/// Runs a command; the `u8` is the exit code (0, or 1 when the `--fail-on` gate trips).
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit(args),
        Command::Snapshot(args) => snapshot(args),
        Command::Rules(args) => {
            print(&list_rules(args.format))?;
            Ok(0)
        }
        Command::Explain { id } => {
            print(&explain(find_rule(&id)?))?;
            Ok(0)
        }
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let selected = select_rules(&args.rules, &args.skip_rules)?;
    let Collected { snapshot, notes } = match &args.snapshot {
        Some(path) => Collected { snapshot: snapshot_file::read(path)?, notes: Vec::new() },
        None => load(&args.input)?,
    };
    print_notes(&notes);
    let report = audit::run(&snapshot, &selected, &Settings::default());
    // Freeing a 100,000-pod snapshot object by object costs more than running the rules; the
    // process ends soon after and returns the memory at once.
    std::mem::forget(snapshot);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        show: args.show,
        colour: to_terminal && args.format == Format::Table && !no_color(),
        width: if to_terminal { comfy_table::Table::new().width().unwrap_or(DEFAULT_WIDTH) } else { DEFAULT_WIDTH },
    };
    write_output(args.output.as_deref(), &report::render(&report, args.format, style))?;
    let gate = Gate { fail_on: args.fail_on, fail_on_unknown: args.fail_on_unknown };
    Ok(if gate.trips(&report) { 1 } else { 0 })
}

fn snapshot(args: SnapshotArgs) -> Result<u8> {
    let Collected { snapshot, notes } = load(&args.input)?;
    print_notes(&notes);
    write_output(args.output.as_deref(), &snapshot_file::to_json(&snapshot))?;
    if let Some(path) = &args.output {
        eprintln!("wrote snapshot to {}", path.display());
    }
    Ok(0)
}

/// The snapshot from `--demo` or the `--from-*` files.
fn load(input: &InputArgs) -> Result<Collected> {
    if let Some(name) = &input.demo {
        return Ok(Collected { snapshot: demo::load(name)?, notes: Vec::new() });
    }
    if input.from_az.is_empty() && input.from_kubectl.is_empty() {
        bail!(
            "no input: live collection is not available yet; pass --demo {}, --snapshot FILE, or --from-az/--from-kubectl files",
            demo::names().join("|")
        );
    }
    let kinds =
        input.kubectl_kinds.iter().map(|k| Kind::parse(k).map_err(anyhow::Error::msg)).collect::<Result<Vec<_>>>()?;
    collect::from_files(&input.from_az, &input.from_kubectl, &kinds)
}

fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("note: {note}");
    }
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => std::fs::write(path, text).map_err(|err| {
            anyhow::anyhow!("cannot write {}: {err}; check the directory exists and is writable", path.display())
        }),
        None => print(text),
    }
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        // A closed pipe (`aksguard rules | head`) is not an error worth reporting.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

fn find_rule(id: &str) -> Result<&'static Rule> {
    rules::find(id).ok_or_else(|| {
        let suggestion = rules::ALL
            .iter()
            .map(|rule| (strsim::jaro_winkler(id, rule.id), rule.id))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| format!(" (did you mean '{id}'?)"))
            .unwrap_or_default();
        anyhow::anyhow!("unknown rule id '{id}'{suggestion}; run `aksguard rules` to list them")
    })
}

/// `--rules` (or every rule) minus `--skip-rules`, in catalog order.
fn select_rules(only: &[String], skip: &[String]) -> Result<Vec<&'static Rule>> {
    for id in only.iter().chain(skip) {
        find_rule(id)?;
    }
    let selected: Vec<&'static Rule> = rules::ALL
        .iter()
        .copied()
        .filter(|rule| only.is_empty() || only.iter().any(|id| id == rule.id))
        .filter(|rule| !skip.iter().any(|id| id == rule.id))
        .collect();
    if selected.is_empty() {
        bail!("--rules and --skip-rules leave no rule to run; run `aksguard rules` to list them");
    }
    Ok(selected)
}

fn list_rules(format: ListFormat) -> String {
    #[derive(Serialize)]
    struct RuleEntry {
        id: &'static str,
        severity: crate::finding::Severity,
        title: &'static str,
        reads: &'static [&'static str],
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
                    references: r.references,
                })
                .collect();
            serde_json::to_string_pretty(&entries).expect("rules serialise") + "\n"
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_header(["Rule", "Severity", "Title", "Reads"]);
            for rule in rules::ALL {
                table.add_row([rule.id, rule.severity.as_str(), rule.title, &rule.reads.join("\n")]);
            }
            format!("{table}\n`aksguard explain RULE` prints a rule's documentation.\n")
        }
    }
}

fn explain(rule: &Rule) -> String {
    let references: String = rule.references.iter().map(|r| format!("- {r}\n")).collect();
    format!(
        "# {} — {}\n\nDefault severity: {}\nReads: {}\n\n{}\n## References\n{references}",
        rule.id,
        rule.title,
        rule.severity,
        rule.reads.join(", "),
        rule.docs.trim_end_matches('\n').to_string() + "\n",
    )
}
