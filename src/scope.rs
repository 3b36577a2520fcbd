//! `--namespace` for offline inputs (`--demo`, `--from-kubectl`, `--snapshot`): the loaded
//! snapshot keeps the selected namespaces and the namespaced objects in them, as a live read with
//! `--namespace` would. Cluster-scoped kinds (nodes, bindings, webhooks, constraints) stay whole.

use crate::snapshot::kube::ObjectMeta;
use crate::snapshot::{Part, Snapshot};
use anyhow::{Result, bail};

/// Narrows `snapshot` to `namespaces` (nothing to do when empty). A namespace the input does not
/// have is an error: a typo must not turn into an empty, passing report.
pub fn to_namespaces(snapshot: &mut Snapshot, namespaces: &[String]) -> Result<()> {
    if namespaces.is_empty() {
        return Ok(());
    }
    let k = &mut snapshot.kubernetes;
    if let Part::Collected(present) = &mut k.namespaces {
        if let Some(missing) = namespaces.iter().find(|ns| !present.iter().any(|p| &p.metadata.name == *ns)) {
            let mut names: Vec<&str> = present.iter().map(|p| p.metadata.name.as_str()).take(10).collect();
            names.sort_unstable();
            bail!(
                "--namespace {missing}: the input has no such namespace (it has {}{}); check the name",
                names.join(", "),
                if present.len() > names.len() { ", …" } else { "" }
            );
        }
        present.retain(|p| namespaces.contains(&p.metadata.name));
    }
    let keep = |meta: &ObjectMeta| namespaces.iter().any(|ns| ns == meta.namespace());
    retain(&mut k.pods, |o| keep(&o.metadata));
    retain(&mut k.network_policies, |o| keep(&o.metadata));
    retain(&mut k.daemon_sets, |o| keep(&o.metadata));
    retain(&mut k.replica_sets, |o| keep(&o.metadata));
    retain(&mut k.jobs, |o| keep(&o.metadata));
    retain(&mut k.pod_disruption_budgets, |o| keep(&o.metadata));
    snapshot.source.push_str(&format!(", namespaces {}", namespaces.join(", ")));
    Ok(())
}

fn retain<T>(part: &mut Part<Vec<T>>, keep: impl Fn(&T) -> bool) {
    if let Part::Collected(items) = part {
        items.retain(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Snapshot {
        crate::collect::demo::load("insecure").unwrap()
    }

    #[test]
    fn keeps_the_namespace_and_its_objects_and_every_cluster_scoped_kind() {
        let mut snapshot = demo();
        let nodes = snapshot.kubernetes.nodes.get().unwrap().len();
        to_namespaces(&mut snapshot, &["contoso-web".to_string()]).unwrap();
        let k = &snapshot.kubernetes;
        let names: Vec<&str> = k.namespaces.get().unwrap().iter().map(|n| n.metadata.name.as_str()).collect();
        assert_eq!(names, ["contoso-web"]);
        let pods = k.pods.get().unwrap();
        assert!(!pods.is_empty() && pods.iter().all(|p| p.metadata.namespace() == "contoso-web"));
        assert_eq!(k.nodes.get().unwrap().len(), nodes, "nodes are cluster-scoped");
        assert!(snapshot.source.ends_with(", namespaces contoso-web"), "{}", snapshot.source);
    }

    #[test]
    fn an_unknown_namespace_is_an_error_not_an_empty_report() {
        let err = to_namespaces(&mut demo(), &["contoso-wbe".to_string()]).unwrap_err().to_string();
        assert!(err.contains("--namespace contoso-wbe: the input has no such namespace"), "{err}");
        assert!(err.contains("contoso-web"), "{err}");
    }

    #[test]
    fn unavailable_kinds_stay_unavailable() {
        let mut snapshot = Snapshot::empty("files", "not provided");
        to_namespaces(&mut snapshot, &["shop".to_string()]).unwrap();
        assert_eq!(snapshot.kubernetes.pods.get().unwrap_err(), "not provided");
    }
}
