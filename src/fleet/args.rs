//! `aksguard fleet` arguments: which clusters (`SelectArgs`), how they are read (`ReadArgs`),
//! and the audit, snapshot and merge subcommands. Output follows the project's convention:
//! `-o/--output FORMAT`, `--output-file PATH`.

use super::select::{Shard, Tag};
use crate::audit::Show;
use crate::collect::arm::cloud::{self, Cloud};
use crate::collect::arm::credential::Auth;
use crate::finding::Severity;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: Option<FleetCommand>,
    /// Without a subcommand, `fleet` audits
    #[command(flatten)]
    pub audit: FleetAuditArgs,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Audit every cluster (the default): live through Azure Resource Graph, or --snapshots DIR
    Audit(FleetAuditArgs),
    /// Write one snapshot per cluster, plus an index, into a directory
    Snapshot(FleetSnapshotArgs),
    /// Join the JSON reports of shards (--shard I/N) into one fleet report
    Merge(MergeArgs),
}

/// Which clusters: the scope Resource Graph is asked for, then filters on its rows.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Only these subscriptions (repeatable, or comma-separated) [default: every subscription the
    /// credential can read]
    #[arg(long = "subscription", value_name = "ID", value_delimiter = ',', value_parser = parse_subscription)]
    pub subscriptions: Vec<String>,

    /// Only the subscriptions under this management group (repeatable)
    #[arg(long = "management-group", value_name = "NAME", conflicts_with = "subscriptions", value_parser = parse_segment)]
    pub management_groups: Vec<String>,

    /// Only clusters in this resource group (repeatable; case-insensitive)
    #[arg(short = 'g', long = "resource-group", value_name = "RG", value_parser = parse_segment)]
    pub resource_groups: Vec<String>,

    /// Only clusters with this tag (key=value; repeat for all of several)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = Tag::parse)]
    pub tags: Vec<Tag>,

    /// Only clusters whose name matches this glob (`*`, `?`; repeatable, any of them)
    #[arg(long = "cluster", value_name = "NAME-GLOB")]
    pub clusters: Vec<String>,

    /// Audit only shard I of N (1-based): the clusters whose lowercased id hashes to it
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
}

/// How the fleet is read live.
#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Read nothing from the clusters' Kubernetes APIs: the ARM-only fleet audit
    #[arg(long)]
    pub skip_kubernetes: bool,

    /// Read each cluster's Kubernetes API through the kubeconfig context named as the cluster (as
    /// `az aks get-credentials` names it) or pointing at its API server [default: the cluster's
    /// own user credential from ARM (listClusterUserCredential), kept in memory, with an Entra ID
    /// token from --auth for Entra ID clusters]
    #[arg(long, conflicts_with = "skip_kubernetes")]
    pub kubeconfig_contexts: bool,

    /// The kubeconfig for --kubeconfig-contexts [default: KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH", requires = "kubeconfig_contexts")]
    pub kubeconfig: Option<PathBuf>,

    /// How long one cluster's Kubernetes side may take, in seconds; past it the cluster's
    /// Kubernetes side is unknown
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = crate::cli::parse_timeout)]
    pub cluster_deadline: Duration,

    /// Read only Resource Graph: no per-cluster ARM reads (maintenance configurations, upgrade
    /// profiles, Defender plan, diagnostic settings, versions), whose rules then say unknown
    /// (listClusterUserCredential is still called for the Kubernetes side)
    #[arg(long)]
    pub resource_graph_only: bool,

    /// Clusters read at once (each with its reads side by side)
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,

    /// Azure credentials: auto tries env, workload-identity, managed-identity (only when its
    /// variables are set), then the Azure CLI login
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Auth::Auto)]
    pub auth: Auth,

    /// The Azure cloud
    #[arg(long, value_enum, value_name = "CLOUD", default_value_t = Cloud::AzureCloud)]
    pub cloud: Cloud,

    /// The ARM endpoint (Resource Graph is under it), instead of the cloud's
    #[arg(long, value_name = "URL", value_parser = cloud::parse_endpoint)]
    pub arm_endpoint: Option<String>,

    /// Timeout of each request, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = crate::cli::parse_timeout)]
    pub timeout: Duration,

    /// Debug logs on stderr (requests and responses; tokens are never logged)
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// The live read flags, which `--snapshots` excludes.
const READ_FLAGS: [&str; 9] = [
    "skip_kubernetes",
    "kubeconfig_contexts",
    "kubeconfig",
    "resource_graph_only",
    "parallel",
    "auth",
    "cloud",
    "arm_endpoint",
    "timeout",
];

#[derive(Debug, Args)]
pub struct FleetAuditArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Audit the snapshots `aksguard fleet snapshot -o DIR` wrote, offline
    #[arg(long, value_name = "DIR", conflicts_with_all = READ_FLAGS)]
    pub snapshots: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// The config file: waivers, severity overrides, disabled rules (default: ./aksguard.toml
    /// when it exists)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run only these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub rules: Vec<String>,

    /// Skip these rules (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub skip_rules: Vec<String>,
}

/// The report and the gate, shared by `fleet audit` and `fleet merge`.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT", default_value_t = FleetFormat::Table)]
    pub format: FleetFormat,

    /// Write the report to PATH instead of stdout
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,

    /// Which findings each cluster's JSON report lists: failed (fail and unknown) or all
    #[arg(long, value_enum, default_value_t = Show::Failed)]
    pub show: Show,

    /// Exit 1 when any cluster has a failing finding at or above this severity (default:
    /// `fail_on` in the config)
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Also exit 1 for unknown findings (at or above --fail-on, or any without it), clusters
    /// that could not be read included
    #[arg(long)]
    pub fail_on_unknown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormat {
    /// The fleet summary, the clusters not read, and the rule × cluster matrix, for people
    Table,
    /// Every cluster's report (the `audit` JSON schema) plus the fleet summary, for machines
    /// and for `fleet merge`
    Json,
    /// The summary and the matrix, for job summaries and pull requests
    Markdown,
    /// SARIF 2.1.0, one run per cluster, the cluster in every location (GitHub code scanning)
    Sarif,
    /// JUnit XML, each cluster's suites named after it (CI test tabs)
    Junit,
    /// One HTML page: the summary and the rule × cluster heat map
    Html,
}

#[derive(Debug, Args)]
pub struct FleetSnapshotArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub read: ReadArgs,

    /// The directory to write the snapshots and index.json into (created when missing; must be
    /// empty)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The `fleet -o json` reports of the shards
    #[arg(value_name = "REPORTS", required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// A subscription id: a GUID, checked before it goes into a request.
fn parse_subscription(text: &str) -> Result<String, String> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let valid = groups.len() == 5
        && groups.iter().zip(lengths).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    match valid {
        true => Ok(text.to_ascii_lowercase()),
        false => Err("a subscription id is a GUID, such as 00000000-0000-0000-0000-000000000000".to_string()),
    }
}

fn parse_segment(text: &str) -> Result<String, String> {
    crate::collect::arm::reads::check_segment("name", text).map(|()| text.to_string())
}
