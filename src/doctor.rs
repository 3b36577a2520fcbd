//! `aksguard doctor`: a preflight checklist of what aksguard can read with the current
//! credentials. It makes the audit's own requests, so every line is what an audit would get:
//! each source ✓, or ✗ with the reason and the fix (the permission to grant). Unlike an audit, a
//! side that cannot be used at all (no Azure login, a refused kubeconfig) does not stop it: that
//! side is one ✗ line and the other side is still checked.

use crate::collect::arm::{self, Resolved};
use crate::collect::{kube, live};
use crate::snapshot::Snapshot;

/// A source not read on purpose (`--skip-azure`, `--skip-kubernetes`) is neither ✓ nor ✗.
const NOT_REQUESTED: &str = "not requested";

/// The checklist, and whether everything requested was readable.
pub async fn check(options: &live::Options) -> (String, bool) {
    let mut snapshot = Snapshot::empty("", "not checked: the ARM API could not be used (see above)");
    let azure = live::read_arm(options, &mut snapshot.azure).await;
    let kubernetes = kube::collect(&options.kube).await;
    let mut lines = vec![azure_line(&azure), kubernetes_line(&kubernetes, options.kube.skip_kubernetes)];
    match kubernetes {
        Ok(collected) => snapshot.kubernetes = collected.state,
        Err(_) => kube::skip(&mut snapshot.kubernetes, "not checked: the Kubernetes API could not be used (see above)"),
    }
    lines.push(String::new());
    lines.extend(snapshot.sources().into_iter().map(|(source, reason)| source_line(source, reason)));
    let all_readable = !lines.iter().any(|line| line.starts_with('✗'));
    lines.push(String::new());
    lines.push(match all_readable {
        true => "Everything aksguard reads is readable.".to_string(),
        false => "Fix the ✗ lines: an audit reports what they need as unknown.".to_string(),
    });
    (lines.join("\n") + "\n", all_readable)
}

fn azure_line(azure: &anyhow::Result<Option<Resolved>>) -> String {
    match azure {
        Ok(Some(resolved)) => {
            let who = resolved.identity.as_deref().map(|who| format!(" as {who}")).unwrap_or_default();
            format!("✓ Azure: {}{who}; {} at {}", resolved.credential, resolved.cluster.describe(), resolved.endpoint)
        }
        Ok(None) => format!("- Azure: {}", arm::SKIPPED),
        // ARM finds the cluster from the kubeconfig's API server: without a kubeconfig the Azure
        // side has nothing wrong with it but a cluster to look at.
        Err(err) if err.to_string().starts_with("no kubeconfig found") => {
            "✗ Azure: no cluster to check: it is found from the kubeconfig (see the Kubernetes line), or pass -g RG -n NAME"
                .to_string()
        }
        Err(err) => format!("✗ Azure: {err}"),
    }
}

fn kubernetes_line(kubernetes: &anyhow::Result<kube::Kubernetes>, skipped: bool) -> String {
    match kubernetes {
        Ok(_) if skipped => format!("- Kubernetes: {}", kube::SKIPPED),
        Ok(collected) => format!("✓ Kubernetes: {}", collected.source),
        Err(err) => format!("✗ Kubernetes: {err}"),
    }
}

fn source_line(source: &str, reason: Option<&str>) -> String {
    match reason {
        None => format!("✓ {source}"),
        Some(reason) if reason.starts_with(NOT_REQUESTED) => format!("- {source}: {reason}"),
        Some(reason) => format!("✗ {source}: {reason}"),
    }
}
