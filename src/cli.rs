//! Command-line arguments. Flags follow kubectl and az: `-n` is the cluster name as in
//! `az aks show -n`, so namespaces take the long flag.

use crate::audit::Show;
use crate::collect::arm::cloud::{self, Cloud};
use crate::collect::arm::credential::Auth;
use crate::finding::Severity;
use crate::report::Format;
use crate::report::terminal::ColorChoice;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "aksguard",
    version,
    about = "Audit the security posture of an Azure Kubernetes Service (AKS) cluster",
    after_help = "Try it without a cluster: aksguard audit --demo insecure"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The name to show in help and errors, from how aksguard was started: installed as
/// `kubectl-aksguard` on the PATH it runs as the kubectl plugin `kubectl aksguard`.
pub fn bin_name(argv0: Option<&std::ffi::OsStr>) -> &'static str {
    let file = argv0.map(std::path::Path::new).and_then(|path| path.file_stem()).and_then(|stem| stem.to_str());
    match file {
        Some(stem) if stem.starts_with("kubectl-aksguard") => "kubectl aksguard",
        _ => "aksguard",
    }
}

/// The clap command, named `bin_name` in usage lines, errors and the closing tip.
pub fn command(bin_name: &str) -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .bin_name(bin_name)
        .display_name(bin_name)
        .after_help(format!("Try it without a cluster: {bin_name} audit --demo insecure"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a cluster and print the findings
    Audit(AuditArgs),
    /// Save the state aksguard reads as a snapshot file, to audit later or elsewhere
    Snapshot(SnapshotArgs),
    /// List the rules
    Rules(RulesArgs),
    /// Check what aksguard can read with the current credentials, with the fix for what it cannot
    Doctor(DoctorArgs),
    /// Compare two audits of a cluster (reports or snapshots): fixed, new, changed, unchanged
    Diff(DiffArgs),
    /// Write an ordered remediation plan, as a shell script or Markdown (aksguard never runs it)
    Plan(PlanArgs),
    /// List the embedded demo clusters and their stories
    Demos,
    /// Explain a rule: what it checks, why it matters, how to fix it
    Explain {
        /// The rule id, as `aksguard rules` lists it
        id: String,
    },
    /// Print a shell completion script: `aksguard completions bash > /etc/bash_completion.d/aksguard`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `aksguard man > ~/.local/share/man/man1/aksguard.1`
    Man,
}

/// Where the cluster's state comes from: files or a demo, else live from the Kubernetes API.
#[derive(Debug, Args)]
#[command(next_help_heading = "Inputs (default: the live cluster)")]
pub struct InputArgs {
    /// An embedded demo cluster: insecure, hardened or a Break & Fix demo (`aksguard demos` lists them)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["from_az", "from_kubectl"], conflicts_with_all = LIVE_ONLY)]
    pub demo: Option<String>,

    /// JSON from az: `az aks show`, `az aks maintenanceconfiguration list`, `az aks get-upgrades`,
    /// `az security pricing show -n Containers`, `az aks nodepool get-upgrades` (one per pool),
    /// `az aks get-versions -l REGION` (-o json), in any order
    #[arg(long = "from-az", value_name = "FILE", num_args = 1.., conflicts_with_all = LIVE_ONLY)]
    pub from_az: Vec<PathBuf>,

    /// The az list outputs among the --from-az files (maintenanceconfigurations, diagnosticsettings),
    /// so that an empty list `[]` counts as "none" rather than missing
    #[arg(long = "az-lists", value_name = "LISTS", value_delimiter = ',', requires = "from_az")]
    pub az_lists: Vec<String>,

    /// JSON from `kubectl get` of the kinds aksguard reads, `-A -o json` (one file or several; see
    /// --kubectl-kinds for the list)
    #[arg(long = "from-kubectl", value_name = "FILE", num_args = 1.., conflicts_with_all = LIVE_ONLY)]
    pub from_kubectl: Vec<PathBuf>,

    /// The kinds the --from-kubectl files were asked for, so that a kind with no objects counts as
    /// empty rather than missing (kubectl prints nothing for it), e.g. networkpolicies,jobs
    #[arg(long = "kubectl-kinds", value_name = "KINDS", value_delimiter = ',', requires = "from_kubectl")]
    pub kubectl_kinds: Vec<String>,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live collection, used when no --demo, --snapshot or --from-* input is given.
#[derive(Debug, Args)]
#[command(next_help_heading = "Live connection")]
pub struct LiveArgs {
    /// Kubeconfig file [default: KUBECONFIG, else ~/.kube/config, else the pod's service account]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context [default: the current context]
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Only this namespace's objects (repeatable), live or from --from-kubectl/--snapshot files;
    /// cluster-scoped kinds you cannot read live are reported unavailable. (-n is the cluster
    /// name, as in az.)
    #[arg(long = "namespace", value_name = "NS", value_parser = parse_namespace)]
    pub namespaces: Vec<String>,

    /// Timeout of each request to the API server, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Read nothing from the Kubernetes API (its sources become unavailable)
    #[arg(long)]
    pub skip_kubernetes: bool,

    /// No progress spinner on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Read nothing from the Azure management (ARM) API (its sources become unavailable)
    #[arg(long)]
    pub skip_azure: bool,

    /// Azure subscription of the cluster [default: AZURE_SUBSCRIPTION_ID, else the Azure CLI's]
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,

    /// Resource group of the AKS cluster, with -n [default: the cluster whose FQDN is the
    /// kubeconfig context's API server]
    #[arg(short = 'g', long, value_name = "RG", requires = "name")]
    pub resource_group: Option<String>,

    /// Name of the AKS cluster, with -g
    #[arg(short = 'n', long, value_name = "NAME", requires = "resource_group")]
    pub name: Option<String>,

    /// Azure credentials: auto tries env, workload-identity, managed-identity (only when its
    /// variables are set), then the Azure CLI login
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Auth::Auto)]
    pub auth: Auth,

    /// The Azure cloud
    #[arg(long, value_enum, value_name = "CLOUD", default_value_t = Cloud::AzureCloud)]
    pub cloud: Cloud,

    /// The ARM endpoint, instead of the cloud's (https://management.azure.com for AzureCloud)
    #[arg(long, value_name = "URL", value_parser = cloud::parse_endpoint)]
    pub arm_endpoint: Option<String>,

    /// Debug logs on stderr (requests and responses; tokens are never logged)
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// The live flags the offline inputs (`--demo`, `--from-*`) exclude. The conflicts are declared
/// on the offline side, so that `doctor` can take the live flags alone.
const LIVE_ONLY: [&str; 7] =
    ["kubeconfig", "context", "skip_kubernetes", "skip_azure", "subscription", "resource_group", "name"];

/// The live flags, which `--snapshot` excludes. (`--namespace` scopes every input.)
pub const LIVE_FLAGS: [&str; 9] = [
    "kubeconfig",
    "context",
    "skip_kubernetes",
    "skip_azure",
    "subscription",
    "resource_group",
    "name",
    "auth",
    "arm_endpoint",
];

/// A namespace name (a DNS label), checked before it becomes part of a URL path.
fn parse_namespace(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 63
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-');
    match valid {
        true => Ok(text.to_string()),
        false => Err("a namespace name is lowercase letters, digits and '-', at most 63 characters".to_string()),
    }
}

/// Seconds, as `30`, `2.5` or `30s`.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 =
        text.trim().trim_end_matches('s').parse().map_err(|_| "expected seconds, such as 30".to_string())?;
    match seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0 {
        true => Ok(Duration::from_secs_f64(seconds)),
        false => Err("expected a number of seconds between 0 and 3600".to_string()),
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// A snapshot written by `aksguard snapshot --output-file FILE`
    #[arg(long, value_name = "FILE", help_heading = "Inputs (default: the live cluster)", conflicts_with_all = ["demo", "from_az", "from_kubectl"], conflicts_with_all = LIVE_FLAGS)]
    pub snapshot: Option<PathBuf>,

    #[command(flatten)]
    pub selection: SelectionArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub gate: GateArgs,
}

/// Which rules run and how: the flags and the config file.
#[derive(Debug, Args)]
#[command(next_help_heading = "Selection")]
pub struct SelectionArgs {
    /// Run only these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_rule_id)]
    pub rules: Vec<String>,

    /// Skip these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_rule_id)]
    pub skip_rules: Vec<String>,

    /// A registry images may come from (`*.azurecr.io` matches subdomains); repeat the flag. Replaces
    /// the default list: *.azurecr.io, mcr.microsoft.com
    #[arg(long = "allowed-registry", value_name = "PATTERN")]
    pub allowed_registries: Vec<String>,

    /// The config file: waivers, severity overrides, disabled rules, namespaces
    /// (default: ./aksguard.toml when it exists; the report's header names the file in effect)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// How a report is written: shared by every command that prints findings.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// The report format, as `-o` in kubectl and az
    #[arg(short = 'o', long = "output", visible_alias = "format", value_name = "FORMAT", default_value = "table", value_parser = FormatParser::<Format>::new())]
    pub format: Format,

    /// Write the report to PATH instead of stdout (`-` is stdout)
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,

    /// Also write a report in FORMAT to PATH from the same run (repeatable; `-` is stdout), e.g.
    /// --report sarif=aksguard.sarif --report junit=junit.xml --report markdown=summary.md
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<ReportFile>,

    /// Which findings to list: failed (fail and unknown) or all
    #[arg(long, value_enum, default_value_t = Show::Failed)]
    pub show: Show,

    /// Every evidence line, every resource and every manifest (the table folds them)
    #[arg(long)]
    pub full: bool,

    /// Colour: auto (a terminal; NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM=dumb apply)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// When the run exits 1.
#[derive(Debug, Args)]
#[command(next_help_heading = "Gate (exit 1)")]
pub struct GateArgs {
    /// Exit 1 when a finding fails at or above this severity (default: `fail_on` in the config)
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Also exit 1 for unknown findings (at or above --fail-on, or any without it)
    #[arg(long)]
    pub fail_on_unknown: bool,

    /// A previous `-o json` report: only findings new since it count for --fail-on
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Compare with the --baseline even though it is of another cluster (or names none)
    #[arg(long, requires = "baseline")]
    pub baseline_any_cluster: bool,
}

/// `--report FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub format: Format,
    pub path: PathBuf,
}

fn parse_report(text: &str) -> Result<ReportFile, String> {
    let Some((format, path)) = text.split_once('=') else {
        return Err(format!("expected FORMAT=PATH, such as sarif=aksguard.sarif, not '{text}'"));
    };
    let format = Format::from_str(format.trim(), true)
        .map_err(|_| format!("'{format}' is not a format; use one of {}", names::<Format>()))?;
    if path.is_empty() {
        return Err(format!("'{text}' names no file; write FORMAT=PATH, such as sarif=aksguard.sarif"));
    }
    Ok(ReportFile { format, path: PathBuf::from(path) })
}

/// A rule id from a comma-separated list: `--rules "a, b"` means `a` and `b`.
fn parse_rule_id(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => {
            Err("an empty rule id; separate ids with commas, such as --rules api-server-access,entra-rbac".to_string())
        }
        id => Ok(id.to_string()),
    }
}

/// The possible values of a `ValueEnum`, as `a, b, c`.
fn names<E: ValueEnum>() -> String {
    E::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `-o FORMAT`: a format name. A value that looks like a file name (what `-o` meant before) is an
/// error that names `--output-file`, rather than a report written to a file called `json`.
#[derive(Clone)]
pub struct FormatParser<E>(std::marker::PhantomData<E>);

impl<E> FormatParser<E> {
    pub fn new() -> Self {
        FormatParser(std::marker::PhantomData)
    }
}

impl<E> Default for FormatParser<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for FormatParser<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<E, clap::Error> {
        let text = value.to_string_lossy();
        if let Ok(format) = E::from_str(&text, true) {
            return Ok(format);
        }
        // clap's own "invalid value" error (with the possible values and `--help`), plus a tip
        // when the value is what `-o` used to take: a file.
        use clap::error::{ContextKind, ContextValue, ErrorKind};
        let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
        let flag = arg.map_or("--output <FORMAT>".to_string(), ToString::to_string);
        err.insert(ContextKind::InvalidArg, ContextValue::String(flag));
        err.insert(ContextKind::InvalidValue, ContextValue::String(text.to_string()));
        let valid = E::value_variants().iter().filter_map(|v| v.to_possible_value()).map(|v| v.get_name().to_string());
        err.insert(ContextKind::ValidValue, ContextValue::Strings(valid.collect()));
        if looks_like_path(&text) {
            let tip = format!(
                "'{text}' looks like a file: -o/--output is the format, as in kubectl and az; write to a file with --output-file {text}"
            );
            err.insert(ContextKind::Suggested, ContextValue::StyledStrs(vec![tip.into()]));
        }
        Err(err)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(E::value_variants().iter().filter_map(ValueEnum::to_possible_value)))
    }
}

fn looks_like_path(text: &str) -> bool {
    text.contains(['/', '\\', '.']) || text == "-"
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier audit: a `--format json` report, a snapshot file, or demo:NAME
    pub before: String,

    /// The later audit, as BEFORE
    pub after: String,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT", default_value_t = crate::diff::Format::Table)]
    pub format: crate::diff::Format,

    /// Write the diff to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Exit 1 when a finding fails at or above this severity that did not before
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Compare audits of two different clusters (refused otherwise)
    #[arg(long)]
    pub allow_different_clusters: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// A snapshot written by `aksguard snapshot`, audited first
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "from_az", "from_kubectl", "report"], conflicts_with_all = LIVE_FLAGS)]
    pub snapshot: Option<PathBuf>,

    /// A report written by `aksguard audit --format json`, planned as it is
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "from_az", "from_kubectl"], conflicts_with_all = LIVE_FLAGS)]
    pub report: Option<PathBuf>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT", default_value_t = crate::plan::Format::Shell)]
    pub format: crate::plan::Format,

    /// Write the plan to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The snapshot's format (JSON, the only one)
    #[arg(short = 'o', long = "output", value_name = "FORMAT", default_value = "json", value_parser = FormatParser::<SnapshotFormat>::new(), help_heading = "Output")]
    pub format: SnapshotFormat,

    /// Write the snapshot to PATH instead of stdout (`-` is stdout)
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// The snapshot file `audit --snapshot` reads
    Json,
}

/// `doctor` takes the live flags: the offline inputs have nothing to check.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// The listing's format
    #[arg(short = 'o', long = "output", visible_alias = "format", value_name = "FORMAT", default_value = "table", value_parser = FormatParser::<ListFormat>::new())]
    pub format: ListFormat,

    /// List a benchmark's controls with the rules that automate each (or why it is manual)
    #[arg(long, value_enum, value_name = "FRAMEWORK")]
    pub framework: Option<Framework>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Framework {
    /// CIS Azure Kubernetes Service (AKS) Benchmark v1.8
    #[value(name = "cis-aks-1.8")]
    CisAks18,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}
