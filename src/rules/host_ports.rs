//! `host-ports`: no container binds a port of the node.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "host-ports",
    title: "No containers bind host ports",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster pods should only use approved host network and port list (82985f06-dc18-4a48-bc1c-b9f4f0098cfe)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod: a `ports[].hostPort` other than 0 fails. The built-in
82985f06 is assigned by the baseline and restricted initiatives with `minPort: 0, maxPort: 0`
and by the AKS Deployment Safeguards with an empty `allowedHostPorts`: no host port is approved
by default, and aksguard follows that. (Its `allowHostNetwork: false` half is judged by
`host-namespaces`.) Pods are grouped by workload; system namespaces go to the platform-managed
group.

## Why it matters
A host port publishes the container on every address of the node, past the Service and
NetworkPolicy model, and pins the pod to nodes where that port is free. It is also a way to
shadow a node service bound to the same port.

## How to fix
Remove `hostPort` from the container's `ports` in the pod template and expose the port with a
Service (an internal LoadBalancer or an Ingress when it must be reached from outside).
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "binds host ports",
        problems,
        fix: "remove hostPort from the container ports and expose them with a Service",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    for container in pod.all_containers() {
        for port in container.ports.iter().filter_map(|port| port.host_port).filter(|port| *port != 0) {
            found.push(format!("container \"{}\" binds host port {port}", container.name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    #[test]
    fn a_host_port_fails_container_ports_pass() {
        let bound = json!([deployment_pod(
            "shop",
            "web",
            json!({"name": "web", "ports": [{"containerPort": 80, "hostPort": 8080}]})
        )]);
        let finding = &run(&RULE, &with_pods(bound))[0];
        assert_eq!((finding.status, finding.resource.as_str()), (Status::Fail, "Deployment/shop/web"));
        assert!(finding.evidence.iter().any(|e| e.as_str() == "container \"web\" binds host port 8080"));
        let plain = json!([deployment_pod(
            "shop",
            "web",
            json!({"name": "web", "ports": [{"containerPort": 80, "hostPort": 0}]})
        )]);
        assert_eq!(run(&RULE, &with_pods(plain))[0].status, Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
