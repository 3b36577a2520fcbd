//! Kubernetes-only inference: with no ARM access, an add-on is judged by whether its pods run, and
//! the evidence says the verdict was inferred and what was not checked.

use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding};

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
