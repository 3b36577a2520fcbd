//! The shape every pod-level rule shares: check each running pod, group the pods that fail by the
//! workload that owns them (one finding per Deployment, not one per replica), flag workloads in
//! system namespaces as platform-managed, and pass once when no user workload fails.

use super::context::WorkloadPods;
use super::workloads::WorkloadRef;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Source};
use crate::snapshot::kube::Pod;

/// What a pod-level rule supplies.
pub struct WorkloadCheck {
    pub rule: &'static Rule,
    /// Completes "Deployment shop/web ...": "runs privileged containers".
    pub problem: &'static str,
    /// Every problem the pod has, in words (`container "web" is privileged`); empty when fine.
    pub problems: fn(&Context, &Pod) -> Vec<String>,
    /// What to change in the workload's pod template.
    pub fix: &'static str,
    /// What of a pod `problems` reads: most checks judge the template, so each of a workload's
    /// templates is judged once, not every replica.
    pub reads: PodFields,
}

/// The part of a pod a check's `problems` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFields {
    /// The pod template only: its spec, namespace, labels, owners and annotations, never its
    /// name or status. Replicas of one template then have the same problems.
    Template,
    /// Anything of the pod, its name or status too: every pod is judged.
    Whole,
}

impl WorkloadCheck {
    pub fn run(&self, ctx: &Context) -> Result<Vec<Finding>, Missing> {
        let groups = ctx.running_workloads_with_pods_line()?;
        let mut findings = Vec::new();
        let mut user_workloads = 0;
        for WorkloadPods { workload, pods, pods_line, templates } in groups {
            let system = ctx.is_system_namespace(workload.namespace);
            user_workloads += usize::from(!system);
            let judged = match self.reads {
                PodFields::Template => templates,
                PodFields::Whole => pods,
            };
            let problems = union(judged.iter().flat_map(|pod| (self.problems)(ctx, pod)));
            // Every test run checks the promise `reads` makes: the replicas left out add nothing.
            debug_assert_eq!(
                problems,
                union(pods.iter().flat_map(|pod| (self.problems)(ctx, pod))),
                "{} reads more of a pod than its template",
                self.rule.id
            );
            if !problems.is_empty() {
                findings.push(self.fail(workload, pods_line, problems, system));
            }
        }
        if !findings.iter().any(|f| !f.platform_managed) {
            let message =
                format!("none of the {user_workloads} running workloads outside system namespaces {}", self.problem);
            findings.push(
                self.rule
                    .pass(ctx.cluster_resource(), message)
                    .with_evidence(Evidence::kubernetes("checked every running pod")),
            );
        }
        Ok(findings)
    }

    /// A failing workload. AKS reconciles its own components, so platform-managed ones get no fix.
    fn fail(&self, workload: &WorkloadRef, pods_line: &Evidence, problems: Vec<String>, platform: bool) -> Finding {
        let mut finding = self
            .rule
            .fail(
                Resource::namespaced(workload.kind, workload.namespace, workload.name),
                format!("{} {}/{} {}", workload.kind, workload.namespace, workload.name, self.problem),
            )
            .platform_managed(platform);
        finding.evidence.reserve_exact(1 + problems.len());
        finding.push_evidence(pods_line.clone());
        // Each problem is a further fact about the pods the line before names.
        for problem in problems {
            finding.push_evidence(Evidence::detail(Source::Kubernetes, problem));
        }
        match platform {
            true => finding,
            false => finding.with_remediation(remediation(workload, self.fix)),
        }
    }
}

/// `kubectl edit` on the object to change; a bare pod cannot be edited in place, so it is
/// exported, changed and replaced.
fn remediation(workload: &WorkloadRef, fix: &str) -> String {
    let (namespace, name) = (workload.namespace, workload.name);
    match workload.kind {
        "Pod" => format!(
            "# a bare pod: export it, change it ({fix}), replace it\n\
             kubectl -n {namespace} get pod {name} -o yaml > {name}.yaml\n\
             kubectl -n {namespace} replace --force -f {name}.yaml"
        ),
        kind => format!("kubectl -n {namespace} edit {}/{name}  # {fix}", kind.to_ascii_lowercase()),
    }
}

/// The distinct problems, in first-seen order.
pub(crate) fn union(problems: impl Iterator<Item = String>) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for problem in problems {
        if !distinct.contains(&problem) {
            distinct.push(problem);
        }
    }
    distinct
}
