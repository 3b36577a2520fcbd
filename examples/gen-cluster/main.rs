//! Writes a synthetic AKS cluster of any size as the files aksguard reads, for the benchmark
//! (`bench/run.sh`) and for trying aksguard at scale:
//!
//! ```sh
//! cargo run --release --example gen-cluster -- --namespaces 5000 --pods 100000 -o /tmp/cluster-100k
//! aksguard audit --from-az /tmp/cluster-100k/az/*.json --from-kubectl /tmp/cluster-100k/kubectl-get.json
//! ```
//!
//! `kubectl-get.json` is what `kubectl get namespaces,pods,networkpolicies,daemonsets,replicasets,jobs,
//! services,ingresses,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,storageclasses,secrets
//! -A -o json` prints (a Service per Deployment and StatefulSet, an Ingress in every third namespace, a
//! ServiceAccount, two Roles and their RoleBindings per namespace, the built-in ClusterRoles and
//! the AKS StorageClasses) (4-space indent, sorted keys, every field an API server fills in); `az/` holds
//! `az aks show`, `az aks maintenanceconfiguration list`, `az aks get-upgrades` and
//! `az security pricing show -n Containers`. With `--compact` the kubectl file is compact JSON, as
//! the API server sends it (what live collection reads). The same `--seed` always writes the same
//! bytes.

mod cluster;

use clap::Parser;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Write a synthetic AKS cluster as kubectl and az JSON")]
struct Args {
    /// User namespaces (system namespaces come on top)
    #[arg(long, default_value_t = 100)]
    namespaces: usize,
    /// Pods in all, DaemonSet and system pods included
    #[arg(long, default_value_t = 2000)]
    pods: usize,
    /// Same seed, same cluster
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write compact JSON, as the API server sends it, instead of kubectl's indented output
    #[arg(long)]
    compact: bool,
    /// Directory to write into (created if missing)
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match generate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn generate(args: &Args) -> Result<(), String> {
    let plan = cluster::Plan::new(args.namespaces, args.pods, args.seed).map_err(|cluster::TooSmall(why)| why)?;
    let az = args.output.join("az");
    std::fs::create_dir_all(&az).map_err(|err| format!("cannot create {}: {err}", az.display()))?;
    let kubectl = args.output.join("kubectl-get.json");
    write_json(&kubectl, &cluster::KubectlList(&plan), args.compact)?;
    for (name, document) in cluster::az_documents(plan.nodes.len()) {
        write_json(&az.join(name), &document, false)?;
    }
    let size = std::fs::metadata(&kubectl).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} pods in {} namespaces on {} nodes: {} ({:.1} MB) and {}/",
        plan.pod_count(),
        plan.namespaces.len(),
        plan.nodes.len(),
        kubectl.display(),
        size as f64 / 1e6,
        az.display()
    );
    Ok(())
}

/// Pretty-printed with kubectl's 4-space indent (or compact), streamed to the file.
fn write_json(path: &Path, value: &impl Serialize, compact: bool) -> Result<(), String> {
    let fail = |err: &dyn std::fmt::Display| format!("cannot write {}: {err}", path.display());
    let file = File::create(path).map_err(|err| fail(&err))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = match compact {
        true => value.serialize(&mut serde_json::Serializer::new(&mut out)),
        false => {
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, formatter))
        }
    };
    written.map_err(|err| fail(&err))?;
    out.write_all(b"\n").and_then(|()| out.flush()).map_err(|err| fail(&err))
}

/// The generator's own behaviour, apart from aksguard's tests (`tests/generator.rs` audits what
/// it writes); `cargo test` runs them as the example's unit tests.
#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACES: usize = 12;
    const PODS: usize = 400;
    const SEED: u64 = 11;

    #[test]
    fn the_same_seed_writes_the_same_cluster() {
        let text = |seed| {
            let plan = cluster::Plan::new(NAMESPACES, PODS, seed).unwrap();
            serde_json::to_string(&cluster::KubectlList(&plan)).unwrap()
        };
        assert_eq!(text(SEED), text(SEED));
        assert_ne!(text(SEED), text(SEED + 1));
    }

    #[test]
    fn too_few_pods_for_the_namespaces_is_refused() {
        let err = cluster::Plan::new(500, 100, SEED).err().expect("refused");
        assert!(err.0.contains("cannot fill 500 namespaces"), "{}", err.0);
    }
}
