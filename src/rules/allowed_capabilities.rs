//! `allowed-capabilities`: containers add only the capabilities the pod security built-ins allow,
//! and drop all the others.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "allowed-capabilities",
    title: "Containers add only allowed capabilities and drop ALL",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should only use allowed capabilities (c26596ff-4d70-4e6a-9a30-c2506bd2f80c)",
        "Azure Policy: Kubernetes clusters should not use specific security capabilities (a27c700f-8a22-44ec-961c-41625264370b)",
        "Azure Policy (mutation): Mutate K8s Container to drop all capabilities (c873b3ba-c605-42e4-a64b-a142a93826fc)",
        "Azure Policy (mutation): Mutate K8s Init Container to drop all capabilities (c812272d-7488-495f-a505-047d34b83f58)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container of every running pod (init and ephemeral containers included):
- each capability in `securityContext.capabilities.add` must be in the allowed list of the pod
  security baseline and restricted initiatives' `allowedCapabilities` default: `AUDIT_WRITE`,
  `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `NET_RAW`,
  `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT` (the container runtime's defaults;
  a `CAP_` prefix and lower case are read as the same capability);
- `capabilities.drop` must contain `ALL`.

Pods are grouped by workload; system namespaces go to the platform-managed group.

aksguard is stricter than the built-in c26596ff here: its `requiredDropCapabilities` default is
empty, but the Kubernetes `restricted` Pod Security Standard and the AKS Safeguards mutations
c873b3ba/c812272d drop `ALL`, and a container that keeps the runtime's default capabilities
keeps `NET_RAW` (ARP and DNS spoofing on the node's network) for no reason. Adding
`NET_BIND_SERVICE` back after dropping `ALL` is the usual, allowed pattern. The definition
a27c700f (forbidden capabilities, default none) is answered by the same check.

## Why it matters
Capabilities split root's powers; each one added widens what a compromised process may do to the
node's kernel. `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` and `SYS_MODULE` are the usual steps to a
container escape (`privileged-containers` reports the worst of them as well).

## How to fix
For each container of the pod template:

    securityContext:
      capabilities:
        drop: [\"ALL\"]
        add: [\"NET_BIND_SERVICE\"]   # only if it binds a port below 1024
";

/// The `allowedCapabilities` default of the pod security baseline and restricted initiatives.
pub const ALLOWED_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The capabilities aksguard requires each container to drop.
const REQUIRED_DROP: &str = "ALL";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "adds capabilities outside the allowed list or does not drop ALL",
        problems,
        fix: "set securityContext.capabilities.drop: [\"ALL\"] on each container and add back only allowed ones",
        reads: PodFields::Template,
    }
    .run(ctx)
}

/// `cap_net_raw` and `NET_RAW` are one capability.
fn normalised(capability: &str) -> String {
    let upper = capability.to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    for container in pod.all_containers() {
        let capabilities = container.security_context.as_ref().and_then(|c| c.capabilities.as_ref());
        let (add, drop) = capabilities.map_or((&[][..], &[][..]), |c| (&c.add[..], &c.drop[..]));
        for capability in add {
            if !ALLOWED_CAPABILITIES.contains(&normalised(capability).as_str()) {
                found.push(format!("container \"{}\" adds capability {capability}, not allowed", container.name));
            }
        }
        if !drop.iter().any(|capability| normalised(capability) == REQUIRED_DROP) {
            found.push(format!("container \"{}\" does not drop ALL capabilities", container.name));
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

    fn evidence(capabilities: serde_json::Value) -> Vec<String> {
        let pods = json!([deployment_pod(
            "shop",
            "web",
            json!({"name": "web", "securityContext": {"capabilities": capabilities}})
        )]);
        let findings = run(&RULE, &with_pods(pods));
        match findings[0].status {
            Status::Fail => findings[0].evidence[1..].iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn drop_all_with_an_allowed_add_passes() {
        assert!(evidence(json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "cap_chown"]})).is_empty());
    }

    #[test]
    fn a_capability_outside_the_list_or_no_drop_all_fails() {
        assert_eq!(
            evidence(json!({"drop": ["ALL"], "add": ["SYS_PTRACE"]})),
            ["container \"web\" adds capability SYS_PTRACE, not allowed"]
        );
        assert_eq!(evidence(json!({"drop": ["NET_RAW"]})), ["container \"web\" does not drop ALL capabilities"]);
        assert_eq!(evidence(json!(null)), ["container \"web\" does not drop ALL capabilities"]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
