//! Command-line arguments. Flags follow kubectl and az: `-n` is the cluster name as in
//! `az aks show -n`, so namespaces take the long flag.

use crate::audit::Show;
use crate::collect::arm::cloud::{self, Cloud};
use crate::collect::arm::credential::Auth;
use crate::finding::Severity;
use crate::report::Format;
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
    /// Explain a rule: what it checks, why it matters, how to fix it
    Explain {
        /// The rule id, as `aksguard rules` lists it
        id: String,
    },
}

/// Where the cluster's state comes from: files or a demo, else live from the Kubernetes API.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// An embedded demo cluster: insecure or hardened
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
pub struct LiveArgs {
    /// Kubeconfig file [default: KUBECONFIG, else ~/.kube/config, else the pod's service account]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context [default: the current context]
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Read namespaced kinds in this namespace only (repeatable); cluster-scoped kinds you cannot
    /// read are reported unavailable. (-n is the cluster name, as in az.)
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
const LIVE_ONLY: [&str; 8] =
    ["kubeconfig", "context", "namespaces", "skip_kubernetes", "skip_azure", "subscription", "resource_group", "name"];

/// The live flags, which `--snapshot` excludes.
pub const LIVE_FLAGS: [&str; 10] = [
    "kubeconfig",
    "context",
    "namespaces",
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

    /// A snapshot written by `aksguard snapshot -o FILE`
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "from_az", "from_kubectl"], conflicts_with_all = LIVE_FLAGS)]
    pub snapshot: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Which findings to list: failed (fail and unknown) or all
    #[arg(long, value_enum, default_value_t = Show::Failed)]
    pub show: Show,

    /// Exit 1 when a finding fails at or above this severity (default: `fail_on` in the config)
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Also exit 1 for unknown findings (at or above --fail-on, or any without it)
    #[arg(long)]
    pub fail_on_unknown: bool,

    /// The config file: waivers, severity overrides, disabled rules, namespaces
    /// (default: ./aksguard.toml when it exists)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A previous `--format json` report: only findings new since it count for --fail-on
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Run only these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub rules: Vec<String>,

    /// Skip these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub skip_rules: Vec<String>,

    /// A registry images may come from (`*.azurecr.io` matches subdomains); repeat the flag. Replaces
    /// the default list: *.azurecr.io, mcr.microsoft.com
    #[arg(long = "allowed-registry", value_name = "PATTERN")]
    pub allowed_registries: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write the snapshot to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `doctor` takes the live flags: the offline inputs have nothing to check.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
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
    /// Every Azure Policy built-in definition for Kubernetes
    #[value(name = "azure-policy")]
    AzurePolicy,
    /// Azure Policy: pod security baseline standards initiative
    #[value(name = "azure-policy:baseline")]
    AzurePolicyBaseline,
    /// Azure Policy: pod security restricted standards initiative
    #[value(name = "azure-policy:restricted")]
    AzurePolicyRestricted,
    /// Azure Policy: AKS Deployment Safeguards initiative
    #[value(name = "azure-policy:safeguards")]
    AzurePolicySafeguards,
    /// Azure Policy: CIS Kubernetes benchmark initiative
    #[value(name = "azure-policy:cis")]
    AzurePolicyCis,
}

impl Framework {
    /// The Azure Policy initiative an `azure-policy:NAME` framework lists (`None`: every built-in).
    pub fn azure_policy_initiative(self) -> Option<&'static str> {
        match self {
            Framework::CisAks18 | Framework::AzurePolicy => None,
            Framework::AzurePolicyBaseline => Some("baseline"),
            Framework::AzurePolicyRestricted => Some("restricted"),
            Framework::AzurePolicySafeguards => Some("safeguards"),
            Framework::AzurePolicyCis => Some("cis"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}
