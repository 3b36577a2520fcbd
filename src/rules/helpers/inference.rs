//! Kubernetes-only inference: with no ARM access, an add-on is judged by whether its pods run, and
//! the evidence says the verdict was inferred and what was not checked.

use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding};
use crate::snapshot::kube::{DaemonSet, Pod};

/// Absence proves something only when the input could show it: with no kube-system pod at all
/// (a file of one namespace, a `--namespace` scope, a forbidden list), what does not show may
/// well run. Then the finding is unknown, for `missing`'s reason and this one.
pub fn system_pods_seen(ctx: &Context, missing: &Missing) -> Result<(), Missing> {
    let pods = ctx.pods_in("kube-system").map_err(|_| missing.clone())?;
    if !pods.is_empty() {
        return Ok(());
    }
    Err(Missing {
        source: missing.source,
        reason: format!(
            "{}; and the Kubernetes input holds no kube-system pods (one namespace's objects, --namespace, or pods not listable), so what runs there cannot be inferred",
            missing.reason
        ),
    })
}

/// A system DaemonSet as the evidence that its component runs: the expected name in an expected
/// namespace, scheduled (desired > 0) with ready pods, and a running pod of it whose image is the
/// component's. A user's pod named `cilium-connectivity-test` is none of these.
pub struct SystemDaemonSet {
    pub name: &'static str,
    pub namespaces: &'static [&'static str],
    /// A fragment every image of the component has (`cilium/cilium`).
    pub image: &'static str,
}

impl SystemDaemonSet {
    /// The DaemonSet and one running pod of it, when it runs.
    pub fn running<'a>(&self, ctx: &Context<'a>) -> Result<Option<(&'a DaemonSet, &'a Pod)>, Missing> {
        let candidates = ctx.daemon_sets()?.iter().filter(|ds| {
            ds.metadata.name == self.name
                && self.namespaces.contains(&ds.metadata.namespace())
                && ds.status.desired_number_scheduled > 0
                && ds.status.number_ready > 0
        });
        for daemon_set in candidates {
            if let Some(pod) = pod_of(ctx, daemon_set, self.image)? {
                return Ok(Some((daemon_set, pod)));
            }
        }
        Ok(None)
    }
}

/// A running pod `daemon_set` controls with a container image containing `image`.
pub fn pod_of<'a>(ctx: &Context<'a>, daemon_set: &DaemonSet, image: &str) -> Result<Option<&'a Pod>, Missing> {
    let pods = ctx.pods_in(daemon_set.metadata.namespace())?;
    Ok(pods.iter().copied().find(|pod| {
        pod.is_running()
            && pod.metadata.controller().is_some_and(|o| o.kind == "DaemonSet" && o.name == daemon_set.metadata.name)
            && pod.all_containers().any(|c| c.image.as_deref().is_some_and(|i| i.contains(image)))
    }))
}

/// Evidence that `daemon_set` runs, with its pod's image.
pub fn daemon_set_evidence(daemon_set: &DaemonSet, pod: &Pod, image: &str) -> Evidence {
    let shown = pod.all_containers().filter_map(|c| c.image.as_deref()).find(|i| i.contains(image)).unwrap_or(image);
    Evidence::inferred(format!(
        "DaemonSet {}/{}: {} of {} pods ready, pod {} runs {shown}",
        daemon_set.metadata.namespace(),
        daemon_set.metadata.name,
        daemon_set.status.number_ready,
        daemon_set.status.desired_number_scheduled,
        pod.metadata.name
    ))
}

/// An add-on as it shows inside the cluster.
pub struct AddonPods {
    /// What runs, in words: "the Azure Monitor agent".
    pub what: &'static str,
    pub namespace: &'static str,
    /// Pod name prefixes.
    pub prefixes: &'static [&'static str],
}

impl AddonPods {
    /// Pass when one of its pods runs, fail (with `fix`) when none does. Without pods either, the
    /// rule is unknown for the ARM reason.
    pub fn infer(&self, rule: &Rule, ctx: &Context, arm_missing: Missing, fix: String) -> Result<Finding, Missing> {
        let pods = ctx.pods_named(self.namespace, self.prefixes).map_err(|_| arm_missing.clone())?;
        if pods.is_empty() {
            system_pods_seen(ctx, &arm_missing)?;
        }
        let resource = ctx.cluster_resource();
        let finding = match pods.first() {
            Some(pod) => rule
                .pass(resource, format!("{} runs (inferred from Kubernetes)", self.what))
                .with_evidence(Evidence::inferred(format!("pod {}/{} runs", self.namespace, pod.metadata.name))),
            None => rule
                .fail(resource, format!("{} does not run (inferred from Kubernetes)", self.what))
                .with_evidence(Evidence::inferred(format!(
                    "no {}* pods in {}",
                    self.prefixes.join("*, "),
                    self.namespace
                )))
                .with_remediation(fix),
        };
        Ok(finding.with_evidence(Evidence::note(format!(
            "the cluster's ARM settings were not checked: {}",
            arm_missing.what()
        ))))
    }
}

/// `path = "value" (ARM)`, or `path = absent (ARM)`: evidence for an optional ARM setting.
pub fn arm_setting(path: &str, value: Option<&str>) -> Evidence {
    match value {
        Some(value) => Evidence::arm(format!("properties.{path} = \"{value}\"")),
        None => Evidence::arm(format!("properties.{path} = absent")),
    }
}
