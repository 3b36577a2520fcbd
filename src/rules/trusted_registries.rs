//! `trusted-registries`: every running image comes from an allowed registry.

use super::images;
use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "trusted-registries",
    title: "Images come from trusted registries",
    severity: Severity::High,
    area: Area::SupplyChain,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["5.1.4"],
    references: &[
        "Azure Policy: Kubernetes cluster containers should only use allowed images (febd0533-8e55-448f-b837-bd0e06f16469)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The registry of every image of every running pod must match the allow-list: by default
`*.azurecr.io` (any Azure Container Registry) and `mcr.microsoft.com`; `--allowed-registry`
replaces it (repeat the flag; `*.example.com` matches subdomains). An image without a registry
host comes from Docker Hub (`nginx` is `docker.io/library/nginx`); Docker Hub is one registry by
any of its names (`docker.io`, `index.docker.io`, `registry-1.docker.io`), in images and in the
allow-list alike. Pods are grouped by workload;
system namespaces go to the platform-managed group.

Azure Policy febd0533 (allowed images) takes an organisation's `allowedContainerImagesRegex`
and has no default; aksguard's registry allow-list plays that part, with Azure Container Registry
and the Microsoft registry allowed by default.

## Why it matters
Images pulled from public registries are outside your scanning, signing and retention; a
typo-squatted or hijacked public image runs with whatever access the pod has. Pulling through
your own registry gives one place to scan, sign (image integrity) and audit what runs.

## How to fix
Import the images into your registry (`az acr import -n REGISTRY --source docker.io/library/nginx:1.25`),
reference them from there, and enforce it with the Azure Policy \"Kubernetes cluster containers
should only use allowed images\".
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs images from untrusted registries",
        problems,
        fix: "import the images into your registry (az acr import) and reference them from there",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(ctx: &Context, pod: &Pod) -> Vec<String> {
    let allowed = &ctx.settings.allowed_registries;
    pod.all_containers()
        .filter_map(|container| {
            let image = container.image.as_deref()?;
            let registry = images::parse(image).registry;
            let trusted = allowed.iter().any(|pattern| images::registry_matches(&registry, pattern));
            (!trusted).then(|| format!("container \"{}\" runs {image} from {registry}", container.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::Settings;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn pods() -> Snapshot {
        with_pods(json!([
            deployment_pod("shop", "hub", json!({"name": "c", "image": "nginx:1.25"})),
            deployment_pod("shop", "ghcr", json!({"name": "c", "image": "ghcr.io/org/app:1"})),
            deployment_pod("shop", "acr", json!({"name": "c", "image": "contosoacr.azurecr.io/app:1"})),
            deployment_pod("shop", "mcr", json!({"name": "c", "image": "mcr.microsoft.com/dotnet/runtime:8.0"})),
        ]))
    }

    #[test]
    fn default_allow_list_trusts_acr_and_mcr_only() {
        let findings = run(&RULE, &pods());
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Deployment/shop/ghcr", "Deployment/shop/hub"]);
        let hub = findings.iter().find(|f| f.resource == "Deployment/shop/hub").unwrap();
        assert!(hub.evidence.iter().any(|e| e.ends_with("runs nginx:1.25 from docker.io")), "{:?}", hub.evidence);
    }

    #[test]
    fn the_allow_list_is_configurable() {
        let settings =
            Settings { allowed_registries: vec!["ghcr.io".into(), "docker.io".into()], ..Settings::default() };
        let snapshot = pods();
        let findings = RULE.evaluate(&Context::new(&snapshot, &settings));
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing, ["Deployment/shop/acr", "Deployment/shop/mcr"]);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
