//! `image-tag-pinning`: images are pinned to a version or a digest, not `latest`.

use super::images;
use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "image-tag-pinning",
    title: "Images are pinned (no :latest, no missing tag)",
    severity: Severity::Low,
    area: Area::SupplyChain,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Kubernetes documentation: Images, \"avoid the :latest tag in production\"",
        "Azure Policy: Kubernetes cluster container images should not include latest image tag (021f8078-41a0-40e6-81b6-c6597da9f3ee)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every container image of every running pod: an image with no tag, or the tag `latest`, and no
`@sha256:` digest fails. Pods are grouped by workload; system namespaces go to the
platform-managed group.

Azure Policy 021f8078 (AKS Deployment Safeguards) rejects the `latest` tag; aksguard is stricter
and also fails an image with no tag at all, which pulls `latest` as well.

## Why it matters
`latest` changes under you: two replicas of the same Deployment can run different code, a node
restart can pull an untested (or compromised) image, and a scan result says nothing about what
actually runs. Rollbacks need a version to roll back to.

## How to fix
Reference images by version, or better by digest
(`contosoacr.azurecr.io/api:1.4.2@sha256:...`), and update them through your pipeline.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "runs unpinned images",
        problems,
        fix: "reference each image by version or digest instead of :latest",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    pod.all_containers()
        .filter_map(|container| {
            let image = container.image.as_deref()?;
            let reference = images::parse(image);
            let unpinned = reference.digest.is_none() && matches!(reference.tag, None | Some("latest"));
            unpinned.then(|| format!("container \"{}\" runs {image}", container.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn status(image: &str) -> Status {
        run(&RULE, &with_pods(json!([deployment_pod("shop", "web", json!({"name": "c", "image": image}))])))[0].status
    }

    #[test]
    fn latest_and_untagged_fail_versions_and_digests_pass() {
        assert_eq!(status("nginx"), Status::Fail);
        assert_eq!(status("contoso/api:latest"), Status::Fail);
        assert_eq!(status("localhost:5000/api"), Status::Fail, "a registry port is not a tag");
        assert_eq!(status("nginx:1.25"), Status::Pass);
        assert_eq!(status("acr.azurecr.io/api:latest@sha256:0123"), Status::Pass);
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
