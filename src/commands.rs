//! What each subcommand does, from parsed arguments to the exit code.

use crate::audit::{self, Gate};
use crate::baseline::Baseline;
use crate::cli::{AuditArgs, Cli, Command, DoctorArgs, Framework, InputArgs, LiveArgs, OutputArgs, SnapshotArgs};
use crate::collect::{self, Collected, arm, az_files::AzList, demo, kube, kubectl_files::Kind, live, snapshot_file};
use crate::config::Config;
use crate::report::{self, Format, Style, listing, terminal, text::wrap_paragraphs};
use crate::rules::{self, Rule, Settings};
use anyhow::{Context as _, Result, bail};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The program name completions and the man page are generated for.
const BIN: &str = "aksguard";

/// Runs a command; the `u8` is the exit code (0, or 1 when the `--fail-on` gate trips).
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit(args),
        Command::Snapshot(args) => snapshot(args),
        Command::Doctor(args) => doctor(args),
        Command::Fleet(args) => crate::fleet::run(*args),
        Command::Rules(args) => {
            let text = match args.framework {
                Some(Framework::CisAks18) => listing::cis_controls(args.format),
                Some(azure) => report::policy_listing::render(
                    azure.azure_policy_initiative(),
                    args.format,
                    terminal::width(std::io::stdout().is_terminal()) as u16,
                ),
                None => listing::rules(args.format),
            };
            print(&text)?;
            Ok(0)
        }
        Command::Diff(args) => crate::diff::command(args),
        Command::Plan(args) => crate::plan::command(args),
        Command::Demos => {
            print(&demo::listing())?;
            Ok(0)
        }
        Command::Explain { id } => {
            let width = terminal::width(std::io::stdout().is_terminal());
            print(&wrap_paragraphs(&listing::explain(find_rule(&id)?), width))?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(BIN), BIN, &mut buffer);
            print(&String::from_utf8_lossy(&buffer))?;
            Ok(0)
        }
        Command::Man => {
            let mut buffer = Vec::new();
            clap_mangen::Man::new(crate::cli::command(BIN))
                .render(&mut buffer)
                .context("cannot render the man page")?;
            print(&String::from_utf8_lossy(&buffer))?;
            Ok(0)
        }
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let config = Config::load(args.selection.config.as_deref())?;
    let baseline = args.gate.baseline.as_deref().map(Baseline::read).transpose()?;
    let selected = select_rules(&args.selection.rules, &args.selection.skip_rules, &config)?;
    // Checked before the cluster is read: a bad destination should not cost a live collection.
    let destinations = destinations(&args.output)?;
    let Collected { mut snapshot, notes } = match &args.snapshot {
        Some(path) => Collected { snapshot: snapshot_file::read(path)?, notes: Vec::new() },
        None => load(&args.input)?,
    };
    crate::scope::to_namespaces(&mut snapshot, &args.input.live.namespaces)?;
    print_notes(&notes);
    let mut report = audit::run(&snapshot, &selected, &settings(&args, &config)?);
    audit::apply_config(&mut report, &config, today());
    config.announce_unmatched_namespaces(&snapshot, &mut report);
    for waiver in report.waivers.iter().filter(|waiver| waiver.needs_attention()) {
        eprintln!("warning: {}", waiver.describe());
    }
    if let Some(baseline) = &baseline {
        baseline.check_target(&report.target, args.gate.baseline_any_cluster)?;
        baseline.compare(&mut report);
    }
    // Freeing a 100,000-pod snapshot object by object costs more than running the rules; the
    // process ends soon after and returns the memory at once.
    std::mem::forget(snapshot);
    let gate = Gate {
        fail_on: args.gate.fail_on.or(config.fail_on),
        fail_on_unknown: args.gate.fail_on_unknown || config.fail_on_unknown,
    };
    let style = Style {
        show: args.output.show,
        full: args.output.full,
        gate,
        config: config_note(&config, args.selection.config.is_some()),
        ..Style::default()
    };
    for (format, destination) in &destinations {
        let to_stdout = destination.is_none();
        let terminal = to_stdout && std::io::stdout().is_terminal();
        let style = Style {
            colour: to_stdout && *format == Format::Table && terminal::colour(args.output.color, terminal),
            width: terminal::width(terminal),
            ..style.clone()
        };
        write_with(destination.as_deref(), |out| report::write(&report, *format, &style, out))?;
    }
    let code = if gate.trips(&report) { 1 } else { 0 };
    // As with the snapshot: the findings of a large cluster are freed at once when the process ends.
    std::mem::forget(report);
    Ok(code)
}

/// Where each report goes (`None` is stdout): `-o` to `--output-file` or stdout, then each
/// `--report`. Two reports on stdout, or two to one file, would garble each other.
fn destinations(output: &OutputArgs) -> Result<Vec<(Format, Option<PathBuf>)>> {
    let file = |path: &Path| (path != Path::new("-")).then(|| path.to_path_buf());
    let mut all = vec![(output.format, output.output_file.as_deref().and_then(file))];
    all.extend(output.reports.iter().map(|report| (report.format, file(&report.path))));
    for (i, (_, destination)) in all.iter().enumerate() {
        if all[..i].iter().any(|(_, earlier)| earlier == destination) {
            match destination {
                None => bail!(
                    "two reports would go to stdout; give each --report its own file, or -o FORMAT --output-file PATH for the main one"
                ),
                Some(path) => bail!("two reports would be written to {}; give each its own file", path.display()),
            }
        }
    }
    Ok(all)
}

/// The config file in effect and what it holds (`aksguard.toml (found in the working
/// directory): 2 waivers, 1 severity override`), for the reports' headers.
fn config_note(config: &Config, explicit: bool) -> Option<String> {
    let path = config.path.as_ref()?;
    let how = if explicit { "" } else { " (found in the working directory)" };
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut note = format!(
        "{}{how}: {}, {}",
        path.display(),
        count(config.waivers.len(), "waiver"),
        count(config.severity.len(), "severity override")
    );
    if !config.disabled_rules.is_empty() {
        note.push_str(&format!(", {}", count(config.disabled_rules.len(), "disabled rule")));
    }
    Some(note)
}

/// Rule settings: the config file's, with the flags on top.
fn settings(args: &AuditArgs, config: &Config) -> Result<Settings> {
    let mut settings = config.settings();
    let registries = &args.selection.allowed_registries;
    if !registries.is_empty() {
        if let Some(bad) = registries.iter().find(|p| p.trim().is_empty() || p.contains('/')) {
            bail!(
                "--allowed-registry '{bad}' is not a registry host pattern; use a host such as myacr.azurecr.io or *.azurecr.io"
            );
        }
        settings.allowed_registries = registries.clone();
    }
    Ok(settings)
}

fn snapshot(args: SnapshotArgs) -> Result<u8> {
    let Collected { mut snapshot, notes } = load(&args.input)?;
    crate::scope::to_namespaces(&mut snapshot, &args.input.live.namespaces)?;
    print_notes(&notes);
    let path = args.output_file.filter(|path| path != Path::new("-"));
    write_output(path.as_deref(), &snapshot_file::to_json(&snapshot))?;
    if let (Some(path), false) = (&path, args.input.live.quiet) {
        eprintln!("wrote snapshot to {}", path.display());
    }
    Ok(0)
}

/// The snapshot from `--demo`, the `--from-*` files, or else the live cluster.
pub(crate) fn load(input: &InputArgs) -> Result<Collected> {
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
    if args.fleet {
        let (checklist, all_readable) = live::run(async { Ok(crate::fleet::doctor::check(&args.live).await) })?;
        print(&checklist)?;
        return Ok(if all_readable { 0 } else { 1 });
    }
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
pub(crate) fn debug_logs() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let targets = tracing_subscriber::filter::Targets::new()
        .with_target("aksguard", tracing::Level::DEBUG)
        .with_target("azure_identity", tracing::Level::DEBUG);
    let colour = std::io::stderr().is_terminal() && !no_color();
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(colour);
    let _ = tracing_subscriber::registry().with(logs).with(targets).try_init();
}

pub(crate) fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("note: {note}");
    }
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

pub(crate) fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    write_with(path, |out| out.write_all(text.as_bytes()))
}

pub(crate) fn print(text: &str) -> Result<()> {
    write_output(None, text)
}

/// Runs `write` on the file at `path` (`None`: stdout), buffered, so that a report can stream
/// there as it is serialised instead of being built as one string first.
fn write_with(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match path {
        Some(path) => {
            let cannot = |err: std::io::Error| {
                anyhow::anyhow!("cannot write {}: {err}; check the directory exists and is writable", path.display())
            };
            let mut file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path).map_err(cannot)?);
            write(&mut file).and_then(|()| file.flush()).map_err(cannot)
        }
        None => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match write(&mut stdout).and_then(|()| stdout.flush()) {
                // A closed pipe (`aksguard rules | head`) is not an error worth reporting.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to stdout"),
            }
        }
    }
}

fn find_rule(id: &str) -> Result<&'static Rule> {
    rules::find(id).ok_or_else(|| {
        anyhow::anyhow!("unknown rule id '{id}'{}; run `aksguard rules` to list them", rules::did_you_mean(id))
    })
}

/// Today's date in UTC: waivers expire at the end of their date.
pub(crate) fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// `--rules` (or every rule but the config's `disabled_rules`) minus `--skip-rules`, in catalog
/// order. Naming a disabled rule in `--rules` runs it.
pub(crate) fn select_rules(only: &[String], skip: &[String], config: &Config) -> Result<Vec<&'static Rule>> {
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
