//! `resource-limits`: containers declare CPU and memory requests and limits.

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::{Container, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "resource-limits",
    title: "Containers set CPU and memory requests and limits",
    severity: Severity::Medium,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/deployment-safeguards",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes cluster containers CPU and memory resource requests must be defined (03a4ecdb-0684-4039-be91-2762979e1bc8)",
        "Azure Policy: Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits (e345eecc-fa47-480f-9e88-67dcc122b164)",
        "Azure Policy: Kubernetes cluster Windows containers should not overcommit cpu and memory (a2abc456-f0ae-464b-bd3a-07a3cdbd7fb1)",
        "Azure Policy (mutation): Sets Kubernetes cluster containers CPU limits to default values in case not present (42ba1d72-e90f-42f8-bf99-5a1351eed2b1)",
        "Azure Policy (mutation): Sets Kubernetes cluster containers memory limits to default values in case not present (5f86d473-38a8-46c9-bdfe-d7fa3b9836bf)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every regular and init container of every running pod must set `resources.requests.cpu`,
`resources.requests.memory`, `resources.limits.cpu` and `resources.limits.memory` (the AKS
Deployment Safeguards' 03a4ecdb, with no excluded images, and the limits half of e345eecc). In
pods that declare `spec.os.name: windows`, requests must also equal limits (a2abc456: Windows
cannot overcommit). Pods are grouped by workload; system namespaces go to the platform-managed
group.

e345eecc also caps the limits at an organisation's `cpuLimit` and `memoryLimit`, which it
requires as parameters and gives no default for: aksguard checks that limits exist, not their
size.

## Why it matters
A container without a memory limit can take all of its node's memory and get its neighbours
evicted or OOM-killed; without requests the scheduler packs pods onto nodes that cannot hold
them. Either way one misbehaving (or compromised) workload degrades every workload on the node:
a denial of service from inside the cluster.

## How to fix
For each container of the pod template, measured from its real usage:

    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 500m, memory: 256Mi}

or give the namespace a `LimitRange` with defaults, which applies to pods created afterwards.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs containers without CPU and memory requests and limits",
        problems,
        fix: "set resources.requests and resources.limits (cpu and memory) on each container",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    let windows = pod.spec.os.as_deref().is_some_and(|os| os.name.eq_ignore_ascii_case("windows"));
    let containers = pod.spec.init_containers.iter().chain(&pod.spec.containers);
    containers.flat_map(|container| container_problems(container, windows)).collect()
}

fn container_problems(container: &Container, windows: bool) -> Vec<String> {
    let resources = &container.resources;
    let settings = [
        ("requests.cpu", &resources.requests.cpu),
        ("requests.memory", &resources.requests.memory),
        ("limits.cpu", &resources.limits.cpu),
        ("limits.memory", &resources.limits.memory),
    ];
    let missing: Vec<&str> = settings.iter().filter(|(_, value)| value.is_none()).map(|(name, _)| *name).collect();
    let mut found = Vec::new();
    if !missing.is_empty() {
        found.push(format!("container \"{}\" sets no {}", container.name, missing.join(", ")));
    }
    let overcommits = |request: &Option<_>, limit: &Option<_>| request.is_some() && limit.is_some() && request != limit;
    if windows
        && (overcommits(&resources.requests.cpu, &resources.limits.cpu)
            || overcommits(&resources.requests.memory, &resources.limits.memory))
    {
        found.push(format!("Windows container \"{}\" requests less than its limits (overcommit)", container.name));
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

    fn evidence(pod: serde_json::Value) -> (Status, Vec<String>) {
        let finding = run(&RULE, &with_pods(json!([pod]))).remove(0);
        (
            finding.status,
            finding
                .evidence
                .into_iter()
                .filter(|e| !e.starts_with("pods ") && !e.starts_with("checked"))
                .map(|e| e.to_string())
                .collect(),
        )
    }

    #[test]
    fn complete_resources_pass() {
        let resources =
            json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": 1, "memory": "256Mi"}});
        let pod = deployment_pod("shop", "web", json!({"name": "web", "resources": resources}));
        assert_eq!(evidence(pod).0, Status::Pass);
    }

    #[test]
    fn missing_settings_are_named() {
        let pod = deployment_pod(
            "shop",
            "web",
            json!({"name": "web", "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "1Gi"}}}),
        );
        assert_eq!(
            evidence(pod),
            (Status::Fail, vec!["container \"web\" sets no requests.memory, limits.cpu".to_string()])
        );
        let bare = deployment_pod("shop", "web", json!({"name": "web"}));
        assert_eq!(
            evidence(bare).1,
            ["container \"web\" sets no requests.cpu, requests.memory, limits.cpu, limits.memory"]
        );
    }

    #[test]
    fn windows_containers_must_not_overcommit() {
        let resources = json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}});
        let mut pod = deployment_pod("shop", "iis", json!({"name": "iis", "resources": resources}));
        pod["spec"]["os"] = json!({"name": "windows"});
        assert_eq!(evidence(pod).1, ["Windows container \"iis\" requests less than its limits (overcommit)"]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
