//! `host-namespaces`: no pod shares the node's network, process or IPC namespace or mounts its files.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "host-namespaces",
    title: "No pods share the host's namespaces or mount host paths",
    severity: Severity::High,
    area: Area::WorkloadSecurity,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.2.2", "4.2.3", "4.2.4"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should not share host process ID or host IPC namespace (47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8)",
        "Azure Policy: Kubernetes cluster pod hostPath volumes should only use allowed host paths (098fc59e-46c7-4d99-9b16-64990e543d75)",
        "Azure Policy: Kubernetes cluster pods should only use approved host network and port list (82985f06-dc18-4a48-bc1c-b9f4f0098cfe)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every running pod: `hostNetwork`, `hostPID` or `hostIPC` set to true, or a `hostPath` volume,
fails. Pods are grouped by their workload; system namespaces go to the platform-managed group.

This answers Azure Policy 47a1ee2f (host PID and IPC), the `allowHostNetwork: false` half of
82985f06 (its host-port half is `host-ports`), and 098fc59e with the initiatives' default of no
allowed host paths: every `hostPath` fails, as it would at admission.

## Why it matters
A pod in the host's network namespace sees and can spoof the node's traffic and reach services
bound to localhost; in the host's PID namespace it can inspect and signal every process on the
node; a hostPath mount can expose the kubelet's credentials or the container runtime socket.
Each is a short path from one compromised pod to the node.

## How to fix
Remove `hostNetwork`/`hostPID`/`hostIPC` and replace `hostPath` volumes with `emptyDir`,
ConfigMaps, or persistent volumes in the workload's pod template.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "shares the host's namespaces or mounts host paths",
        problems,
        fix: "remove hostNetwork/hostPID/hostIPC and hostPath volumes",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let spec = &pod.spec;
    let namespaces = [(spec.host_network, "hostNetwork"), (spec.host_pid, "hostPID"), (spec.host_ipc, "hostIPC")];
    let shared = namespaces.into_iter().filter(|(on, _)| *on).map(|(_, name)| format!("{name}: true"));
    let mounts = spec
        .volumes
        .iter()
        .filter_map(|volume| Some(format!("hostPath {} (volume \"{}\")", volume.host_path.as_deref()?, volume.name)));
    shared.chain(mounts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn host_namespaces_and_host_paths_fail() {
        let pods = json!([
            {"metadata": {"name": "a", "namespace": "shop"}, "spec": {"hostNetwork": true, "hostPID": true, "containers": []}, "status": {"phase": "Running"}},
            {"metadata": {"name": "b", "namespace": "shop"}, "spec": {"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}], "containers": []}, "status": {"phase": "Running"}},
            {"metadata": {"name": "c", "namespace": "shop"}, "spec": {"volumes": [{"name": "tmp", "emptyDir": {}}], "containers": []}, "status": {"phase": "Running"}},
        ]);
        let findings = run(&RULE, &with_pods(pods));
        let failing: Vec<(&str, &Vec<crate::finding::Evidence>)> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| (f.resource.as_str(), &f.evidence)).collect();
        assert_eq!(failing.len(), 2);
        assert!(
            failing[0].1.iter().any(|e| e.as_str() == "hostNetwork: true")
                && failing[0].1.iter().any(|e| e.as_str() == "hostPID: true")
        );
        assert!(failing[1].1.iter().any(|e| e.starts_with("hostPath /var/log")));
    }

    #[test]
    fn completed_pods_do_not_count() {
        let pods = json!([{"metadata": {"name": "a", "namespace": "shop"}, "spec": {"hostNetwork": true, "containers": []}, "status": {"phase": "Succeeded"}}]);
        let findings = run(&RULE, &with_pods(pods));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
