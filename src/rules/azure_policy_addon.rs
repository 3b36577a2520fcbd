//! `azure-policy-addon`: Azure Policy for Kubernetes is on, and its Gatekeeper admission webhook
//! actually enforces the assigned policies.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "azure-policy-addon",
    title: "Azure Policy add-on is enabled and enforces",
    severity: Severity::Medium,
    area: Area::GovernanceAndSecrets,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::PODS, source::VALIDATING_WEBHOOKS, source::GATEKEEPER_CONSTRAINTS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Azure Policy Add-on for Kubernetes service (AKS) should be installed and enabled on your clusters (0a15ec92-a229-4763-bb14-0ea34a568f8d)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
- The add-on: `addonProfiles.azurepolicy.enabled` (ARM). With only Kubernetes access, it is
  inferred from the azure-policy pods in kube-system and the Gatekeeper pods in gatekeeper-system.
- Enforcement, from the cluster (a finding of its own): Gatekeeper's validating admission webhook
  must be registered, and at least one constraint must enforce (`enforcementAction: deny`, the
  default) rather than only audit (`dryrun`, `warn`). Enabled in Azure is not enough: without
  the webhook, or with audit-only assignments, nothing is ever denied.

## Why it matters
Azure Policy turns the organisation's rules (no privileged containers, allowed registries,
required labels) into admission control on every cluster, with compliance reported centrally.
Assignments left in audit mode report violations but let every one of them run.

## How to fix

    az aks enable-addons -g RG -n NAME --addons azure-policy

then assign the built-in initiative \"Kubernetes cluster pod security restricted standards for
Linux-based workloads\" with effect `deny` (after a period in `audit`).
";

const WEBHOOK: &str = "gatekeeper-validating-webhook-configuration";
const POLICY_PODS: &[&str] = &["azure-policy"];
const GATEKEEPER_PODS: &[&str] = &["gatekeeper-controller", "gatekeeper-audit"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let names = ctx.names();
    let enable = format!("az aks enable-addons -g {} -n {} --addons azure-policy", names.resource_group, names.name);
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return inferred(ctx, missing, enable),
    };
    let enabled = cluster.addon("azurepolicy").and_then(|a| a.enabled) == Some(true);
    let evidence = Evidence::arm(format!("addonProfiles.azurepolicy.enabled = {enabled}"));
    let resource = ctx.cluster_resource();
    if !enabled {
        return Ok(vec![
            RULE.fail(resource, "the Azure Policy add-on is off: no policy is enforced in the cluster")
                .with_evidence(evidence)
                .with_remediation(enable),
        ]);
    }
    Ok(vec![RULE.pass(resource, "the Azure Policy add-on is enabled").with_evidence(evidence), enforcement(ctx)])
}

/// Whether Gatekeeper's webhook is registered and a constraint denies.
fn enforcement(ctx: &Context) -> Finding {
    let resource = Resource::cluster_scoped("ValidatingWebhookConfiguration", WEBHOOK);
    let webhooks = match ctx.validating_webhook_configurations() {
        Ok(webhooks) => webhooks,
        Err(missing) => return RULE.unknown(resource, format!("enforcement cannot be checked: {}", missing.what())),
    };
    if !webhooks.iter().any(|w| w.metadata.name.starts_with("gatekeeper-validating-webhook")) {
        return RULE
            .fail(
                resource,
                "enabled in Azure, but Gatekeeper's admission webhook is not registered: nothing is enforced",
            )
            .with_evidence(Evidence::kubernetes("no gatekeeper-validating-webhook-configuration"))
            .with_remediation(
                "kubectl get pods -n gatekeeper-system; kubectl get pods -n kube-system -l app=azure-policy",
            );
    }
    let constraints = match ctx.gatekeeper_constraints() {
        Ok(constraints) => constraints,
        Err(missing) => {
            return RULE.unknown(
                resource,
                format!(
                    "the webhook is registered, but whether constraints deny cannot be checked: {}",
                    missing.what()
                ),
            );
        }
    };
    let denying = constraints.iter().filter(|c| c.enforcement_action().eq_ignore_ascii_case("deny")).count();
    let evidence = Evidence::kubernetes(format!(
        "{WEBHOOK} registered; {denying} of {} constraints deny, the rest only audit",
        constraints.len()
    ));
    match denying {
        0 => RULE
            .fail(resource, "Gatekeeper runs but no constraint denies: policies only audit (dryrun/warn)")
            .with_evidence(evidence)
            .with_remediation("# set the policy assignments' effect to deny (Azure Policy), e.g.:\naz policy assignment update --name ASSIGNMENT --params '{\"effect\": {\"value\": \"deny\"}}'"),
        _ => RULE.pass(resource, "Gatekeeper's webhook is registered and constraints deny violations").with_evidence(evidence),
    }
}

/// Kubernetes-only: the add-on is inferred from its pods.
fn inferred(ctx: &Context, arm_missing: Missing, enable: String) -> Result<Vec<Finding>, Missing> {
    let policy = ctx.pods_named("kube-system", POLICY_PODS).map_err(|_| arm_missing.clone())?;
    let gatekeeper = ctx.pods_named("gatekeeper-system", GATEKEEPER_PODS).map_err(|_| arm_missing.clone())?;
    let resource = ctx.cluster_resource();
    let evidence = Evidence::inferred(format!(
        "{} azure-policy pod(s) in kube-system, {} Gatekeeper pod(s) in gatekeeper-system",
        policy.len(),
        gatekeeper.len()
    ));
    let note = Evidence::note(format!("the add-on's ARM setting was not checked: {}", arm_missing.what()));
    if policy.is_empty() || gatekeeper.is_empty() {
        return Ok(vec![
            RULE.fail(resource, "Azure Policy does not run in the cluster (inferred from Kubernetes)")
                .with_evidence(evidence)
                .with_evidence(note)
                .with_remediation(enable),
        ]);
    }
    Ok(vec![
        RULE.pass(resource, "Azure Policy runs in the cluster (inferred from Kubernetes)")
            .with_evidence(evidence)
            .with_evidence(note),
        enforcement(ctx),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, pod_in, run, statuses, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn enabled() -> Snapshot {
        with_cluster(json!({"properties": {"addonProfiles": {"azurepolicy": {"enabled": true}}}}))
    }

    fn webhook() -> Part<Vec<crate::snapshot::kube::OwnedObject>> {
        Part::Collected(vec![k8s(json!({"metadata": {"name": WEBHOOK}}))])
    }

    fn constraints(actions: &[Option<&str>]) -> Part<Vec<crate::snapshot::kube::Constraint>> {
        Part::Collected(
            actions
                .iter()
                .enumerate()
                .map(|(i, action)| k8s(json!({"kind": "K8sAzureV2NoPrivilege", "metadata": {"name": format!("c{i}")}, "spec": {"enforcementAction": action}})))
                .collect(),
        )
    }

    #[test]
    fn enabled_with_a_denying_constraint_passes() {
        let mut snapshot = enabled();
        snapshot.kubernetes.validating_webhook_configurations = webhook();
        snapshot.kubernetes.gatekeeper_constraints = constraints(&[Some("dryrun"), None]);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass, Status::Pass], "no enforcementAction means deny");
    }

    #[test]
    fn enabled_is_not_enough() {
        let mut snapshot = enabled();
        snapshot.kubernetes.validating_webhook_configurations = Part::Collected(vec![]);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass, Status::Fail], "webhook missing");
        snapshot.kubernetes.validating_webhook_configurations = webhook();
        snapshot.kubernetes.gatekeeper_constraints = constraints(&[Some("dryrun"), Some("warn")]);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings[1].status, Status::Fail);
        assert!(findings[1].message.contains("only audit"));
    }

    #[test]
    fn enforcement_without_kubernetes_data_is_unknown() {
        assert_eq!(statuses(&RULE, &enabled()), [Status::Pass, Status::Unknown]);
    }

    #[test]
    fn add_on_off_fails() {
        let snapshot = with_cluster(json!({"properties": {"addonProfiles": {}}}));
        assert_eq!(statuses(&RULE, &snapshot), [Status::Fail]);
    }

    #[test]
    fn kubernetes_only_infers_from_pods() {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![
            pod_in("kube-system", "azure-policy-7f8b-x"),
            pod_in("gatekeeper-system", "gatekeeper-controller-5b6c-y"),
        ]);
        snapshot.kubernetes.validating_webhook_configurations = webhook();
        snapshot.kubernetes.gatekeeper_constraints = constraints(&[Some("deny")]);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass, Status::Pass]);
        snapshot.kubernetes.pods = Part::Collected(vec![]);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Fail]);
    }

    #[test]
    fn no_data_is_unknown() {
        assert_eq!(statuses(&RULE, &Snapshot::empty("t", "forbidden")), [Status::Unknown]);
    }
}
