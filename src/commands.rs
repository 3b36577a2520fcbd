//! What each subcommand does, from parsed arguments to the exit code.

use crate::audit::{self, Gate};
use crate::baseline::Baseline;
use crate::cli::{AuditArgs, Cli, Command, DoctorArgs, Framework, InputArgs, ListFormat, LiveArgs, SnapshotArgs};
use crate::collect::{self, Collected, arm, az_files::AzList, demo, kube, kubectl_files::Kind, live, snapshot_file};
use crate::config::Config;
use crate::report::{self, Format, Style};
use crate::rules::{self, Rule, Settings, cis};
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
        Command::Doctor(args) => doctor(args),
        Command::Rules(args) => {
            let text = match args.framework {
                Some(Framework::CisAks18) => list_cis_controls(args.format),
                Some(azure) => {
                    report::policy_listing::render(azure.azure_policy_initiative(), args.format, DEFAULT_WIDTH)
                }
                None => list_rules(args.format),
            };
            print(&text)?;
            Ok(0)
        }
        Command::Explain { id } => {
            print(&explain(find_rule(&id)?))?;
            Ok(0)
        }
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let config = Config::load(args.config.as_deref())?;
    let baseline = args.baseline.as_deref().map(Baseline::read).transpose()?;
    let selected = select_rules(&args.rules, &args.skip_rules, &config)?;
    let Collected { snapshot, notes } = match &args.snapshot {
        Some(path) => Collected { snapshot: snapshot_file::read(path)?, notes: Vec::new() },
        None => load(&args.input)?,
    };
    print_notes(&notes);
    let mut report = audit::run(&snapshot, &selected, &settings(&args, &config)?);
    audit::apply_config(&mut report, &config, today());
    for waiver in report.waivers.iter().filter(|waiver| waiver.needs_attention()) {
        eprintln!("warning: {}", waiver.describe());
    }
    if let Some(baseline) = &baseline {
        baseline.compare(&mut report);
    }
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
    let gate = Gate {
        fail_on: args.fail_on.or(config.fail_on),
        fail_on_unknown: args.fail_on_unknown || config.fail_on_unknown,
    };
    Ok(if gate.trips(&report) { 1 } else { 0 })
}

/// Rule settings: the config file's, with the flags on top.
fn settings(args: &AuditArgs, config: &Config) -> Result<Settings> {
    let mut settings = config.settings();
    if !args.allowed_registries.is_empty() {
        if let Some(bad) = args.allowed_registries.iter().find(|p| p.trim().is_empty() || p.contains('/')) {
            bail!(
                "--allowed-registry '{bad}' is not a registry host pattern; use a host such as myacr.azurecr.io or *.azurecr.io"
            );
        }
        settings.allowed_registries = args.allowed_registries.clone();
    }
    Ok(settings)
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

/// The snapshot from `--demo`, the `--from-*` files, or else the live cluster.
fn load(input: &InputArgs) -> Result<Collected> {
    // Checked before any input is read, so a flag that would be ignored is an error instead.
    let kinds = declared(&input.kubectl_kinds, "--kubectl-kinds", &input.from_kubectl, "--from-kubectl", Kind::parse)?;
    let lists = declared(&input.az_lists, "--az-lists", &input.from_az, "--from-az", AzList::parse)?;
    if let Some(name) = &input.demo {
        return Ok(Collected { snapshot: demo::load(name)?, notes: Vec::new() });
    }
    if input.from_az.is_empty() && input.from_kubectl.is_empty() {
        return live::collect(&live_options(&input.live));
    }
    collect::from_files(&input.from_az, &lists, &input.from_kubectl, &kinds)
}

/// The kinds `--kubectl-kinds` / `--az-lists` name, which only mean something with their files.
fn declared<T>(
    values: &[String],
    flag: &str,
    files: &[std::path::PathBuf],
    files_flag: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Vec<T>> {
    if !values.is_empty() && files.is_empty() {
        bail!("{flag} describes the {files_flag} files, and none were given; pass {files_flag} FILE... or drop {flag}");
    }
    values.iter().map(|value| parse(value).map_err(anyhow::Error::msg)).collect()
}

/// `aksguard doctor`: exit 0 when every requested source is readable, 1 otherwise.
fn doctor(args: DoctorArgs) -> Result<u8> {
    let options = live_options(&args.live);
    let (checklist, all_readable) = live::run(async { Ok(crate::doctor::check(&options).await) })?;
    print(&checklist)?;
    Ok(if all_readable { 0 } else { 1 })
}

fn live_options(live: &LiveArgs) -> live::Options {
    if live.verbose {
        debug_logs();
    }
    let kube = kube::Options {
        kubeconfig: live.kubeconfig.clone(),
        context: live.context.clone(),
        namespaces: live.namespaces.clone(),
        timeout: live.timeout,
        skip_kubernetes: live.skip_kubernetes,
        spinner: !live.quiet && !live.verbose && std::io::stderr().is_terminal(),
    };
    let arm = arm::Options {
        skip: live.skip_azure,
        auth: live.auth,
        cloud: live.cloud,
        endpoint: live.arm_endpoint.clone(),
        subscription: live.subscription.clone(),
        cluster: live.resource_group.clone().zip(live.name.clone()),
        timeout: live.timeout,
    };
    live::Options { kube, arm }
}

/// `-v`: aksguard's and azure_identity's debug logs on stderr. Only these two crates: the HTTP
/// libraries below them are not asked to log, and aksguard never logs a token or header.
fn debug_logs() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let targets = tracing_subscriber::filter::Targets::new()
        .with_target("aksguard", tracing::Level::DEBUG)
        .with_target("azure_identity", tracing::Level::DEBUG);
    let colour = std::io::stderr().is_terminal() && !no_color();
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(colour);
    let _ = tracing_subscriber::registry().with(logs).with(targets).try_init();
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
        anyhow::anyhow!("unknown rule id '{id}'{}; run `aksguard rules` to list them", rules::did_you_mean(id))
    })
}

/// Today's date in UTC: waivers expire at the end of their date.
fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// `--rules` (or every rule but the config's `disabled_rules`) minus `--skip-rules`, in catalog
/// order. Naming a disabled rule in `--rules` runs it.
fn select_rules(only: &[String], skip: &[String], config: &Config) -> Result<Vec<&'static Rule>> {
    for id in only.iter().chain(skip) {
        find_rule(id)?;
    }
    let selected: Vec<&'static Rule> = rules::ALL
        .iter()
        .copied()
        .filter(|rule| if only.is_empty() { !config.is_disabled(rule.id) } else { only.iter().any(|id| id == rule.id) })
        .filter(|rule| !skip.iter().any(|id| id == rule.id))
        .collect();
    if selected.is_empty() {
        bail!(
            "--rules, --skip-rules and the config's disabled_rules leave no rule to run; run `aksguard rules` to list them"
        );
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
                .set_header(["Rule", "Severity", "Title", "Reads"]);
            for rule in rules::ALL {
                table.add_row([rule.id, rule.severity.as_str(), rule.title, &rule.reads.join("\n")]);
            }
            format!("{table}\n`aksguard explain RULE` prints a rule's documentation.\n")
        }
    }
}

/// `aksguard rules --framework cis-aks-1.8`: each control with its rules, or why it is manual.
fn list_cis_controls(format: ListFormat) -> String {
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
                .set_width(DEFAULT_WIDTH)
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

fn explain(rule: &Rule) -> String {
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
