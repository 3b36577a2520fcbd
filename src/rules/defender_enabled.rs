//! `defender-enabled`: Microsoft Defender for Containers protects the cluster, and its sensor runs.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{DaemonSet, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "defender-enabled",
    title: "Microsoft Defender for Containers is enabled and its sensor is healthy",
    severity: Severity::High,
    area: Area::ThreatProtection,
    help_uri: "https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-introduction",
    reads: &[source::MANAGED_CLUSTER, source::DEFENDER_PRICING, source::DAEMON_SETS, source::PODS],
    docs: DOCS,
    cis: &["5.1.1"],
    references: &[
        "Azure Policy: Azure Kubernetes Service clusters should have Defender profile enabled (a1840de2-8088-4ea8-b153-b4c723e9cb01)",
        "Azure Policy: Microsoft Defender for Containers should be enabled (1c988dd6-ade4-430f-a608-2a3e5b0a6d38)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Three things, each a finding of its own:
- the cluster's Defender profile: `securityProfile.defender.securityMonitoring.enabled` (ARM);
- the subscription's Defender for Containers plan, `Microsoft.Security/pricings/Containers`:
  its tier must be `Standard` (the deprecated `KubernetesService` plan is a different plan and is
  never read as this one);
- the Defender sensor in the cluster: when the profile is on, the `microsoft-defender-*`
  DaemonSet in kube-system must exist and be fully ready. A profile that is on with no healthy
  sensor is the silent failure of the Contoso Break & Fix: Defender looks enabled but raises no
  alerts.
With only Kubernetes access, the rule infers Defender from the sensor pods and DaemonSets and
says so in its evidence.

## Why it matters
Defender for Containers detects attacks at run time (crypto miners, container escapes,
suspicious API calls) and scans images for vulnerabilities. Without it nobody is told when a
workload is compromised.

## How to fix

    az security pricing create -n Containers --tier Standard
    az aks update -g RG -n NAME --enable-defender

If the profile is on but the sensor is not healthy, look at
`kubectl get ds,pods -n kube-system | grep microsoft-defender` and the sensor's logs; outbound
access to the Defender endpoints is the usual cause.
";

const SENSOR_PREFIX: &str = "microsoft-defender";
const SENSOR_NAMESPACE: &str = "kube-system";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return Ok(vec![inferred_from_kubernetes(ctx, &missing)?]),
    };
    let resource = ctx.cluster_resource();
    let enable = ctx.az_aks_update("--enable-defender");
    let profile_on = cluster
        .properties
        .security_profile
        .as_ref()
        .and_then(|p| p.defender.as_ref())
        .and_then(|d| d.security_monitoring.as_ref())
        .and_then(|m| m.enabled)
        == Some(true);
    let mut findings = Vec::new();
    if profile_on {
        findings.push(
            RULE.pass(resource.clone(), "the Defender profile (sensor) is enabled on the cluster")
                .with_evidence(Evidence::arm("properties.securityProfile.defender.securityMonitoring.enabled = true")),
        );
        findings.push(sensor_health(ctx, &enable));
    } else {
        findings.push(
            RULE.fail(resource, "the Defender profile is not enabled: no runtime threat detection on this cluster")
                .with_evidence(Evidence::arm(
                    "properties.securityProfile.defender.securityMonitoring.enabled is not true",
                ))
                .with_remediation(enable),
        );
    }
    findings.push(plan(ctx));
    Ok(findings)
}

/// The subscription's Defender for Containers plan.
fn plan(ctx: &Context) -> Finding {
    let subscription = ctx.cluster().ok().and_then(|c| c.subscription_id()).unwrap_or("<subscription>");
    let default_id = format!("/subscriptions/{subscription}/providers/Microsoft.Security/pricings/Containers");
    let pricing = match ctx.defender_pricing() {
        Ok(pricing) => pricing,
        Err(missing) => {
            return RULE.unknown(
                Resource::arm(default_id),
                format!("the Defender for Containers plan cannot be checked: {}", missing.reason),
            );
        }
    };
    let resource = Resource::arm(pricing.id.clone().unwrap_or(default_id));
    let tier = pricing.properties.pricing_tier.as_deref().unwrap_or("absent");
    let evidence = Evidence::arm(format!("pricings/Containers properties.pricingTier = \"{tier}\""));
    if tier.eq_ignore_ascii_case("Standard") {
        RULE.pass(resource, "the subscription's Defender for Containers plan is on (Standard)").with_evidence(evidence)
    } else {
        RULE.fail(resource, format!("the subscription's Defender for Containers plan is {tier}, not Standard"))
            .with_evidence(evidence)
            .with_remediation("az security pricing create -n Containers --tier Standard")
    }
}

/// With the profile on in ARM, the sensor must be running and ready.
fn sensor_health(ctx: &Context, fix: &str) -> Finding {
    let resource = Resource::namespaced("DaemonSet", SENSOR_NAMESPACE, &format!("{SENSOR_PREFIX}-*"));
    match observe_sensor(ctx) {
        Err(missing) => RULE.unknown(resource, format!("the Defender sensor's health cannot be checked: {}", missing.reason)),
        Ok(Sensor::Healthy(evidence)) => {
            RULE.pass(resource, "the Defender sensor runs and is ready").with_evidence(evidence)
        }
        Ok(Sensor::Unhealthy(evidence)) => RULE
            .fail(resource, "sensor not healthy: Defender is enabled in Azure but its sensor is not fully ready, so no alerts are raised")
            .with_evidence(evidence)
            .with_remediation(format!("kubectl get ds,pods -n {SENSOR_NAMESPACE} | grep {SENSOR_PREFIX}; {fix}")),
        Ok(Sensor::Absent(evidence)) => RULE
            .fail(resource, "sensor not healthy: Defender is enabled in Azure but no sensor runs in the cluster, so no alerts are raised")
            .with_evidence(evidence)
            .with_remediation(fix.to_string()),
    }
}

/// Kubernetes-only: Defender is inferred from its sensor.
fn inferred_from_kubernetes(ctx: &Context, arm_missing: &Missing) -> Result<Finding, Missing> {
    let resource = ctx.cluster_resource();
    let note = Evidence::note(format!("the Defender profile and plan were not checked: {}", arm_missing.what()));
    let sensor = observe_sensor(ctx).map_err(|_| arm_missing.clone())?;
    Ok(match sensor {
        Sensor::Healthy(evidence) => RULE
            .pass(resource, "Defender's sensor runs and is ready (inferred from Kubernetes)")
            .with_evidence(evidence.into_inferred()),
        Sensor::Unhealthy(evidence) => RULE
            .fail(resource, "Defender's sensor is present but not fully ready (inferred from Kubernetes)")
            .with_evidence(evidence.into_inferred())
            .with_remediation(ctx.az_aks_update("--enable-defender")),
        Sensor::Absent(evidence) => RULE
            .fail(resource, "no Defender sensor runs in the cluster (inferred from Kubernetes)")
            .with_evidence(evidence.into_inferred())
            .with_remediation(format!(
                "az security pricing create -n Containers --tier Standard; {}",
                ctx.az_aks_update("--enable-defender")
            )),
    }
    .with_evidence(note))
}

enum Sensor {
    Healthy(Evidence),
    Unhealthy(Evidence),
    Absent(Evidence),
}

/// Looks for the sensor DaemonSet(s); falls back to the sensor pods when DaemonSets are unavailable.
fn observe_sensor(ctx: &Context) -> Result<Sensor, Missing> {
    let daemon_sets = match ctx.daemon_sets() {
        Ok(daemon_sets) => daemon_sets,
        Err(missing) => return observe_sensor_pods(ctx).map_err(|_| missing),
    };
    let sensors: Vec<&DaemonSet> = daemon_sets
        .iter()
        .filter(|ds| ds.metadata.namespace() == SENSOR_NAMESPACE && ds.metadata.name.starts_with(SENSOR_PREFIX))
        .collect();
    if sensors.is_empty() {
        return Ok(Sensor::Absent(Evidence::kubernetes(format!(
            "no {SENSOR_PREFIX}-* DaemonSet in {SENSOR_NAMESPACE}"
        ))));
    }
    let states: Vec<String> = sensors
        .iter()
        .map(|ds| {
            format!(
                "DaemonSet {SENSOR_NAMESPACE}/{} ready {}/{}",
                ds.metadata.name, ds.status.number_ready, ds.status.desired_number_scheduled
            )
        })
        .collect();
    let evidence = Evidence::kubernetes(states.join(", "));
    Ok(if sensors.iter().all(|ds| ds.is_fully_ready()) {
        Sensor::Healthy(evidence)
    } else {
        Sensor::Unhealthy(evidence)
    })
}

fn observe_sensor_pods(ctx: &Context) -> Result<Sensor, Missing> {
    let pods: Vec<&Pod> = ctx
        .pods()?
        .iter()
        .filter(|pod| pod.metadata.namespace() == SENSOR_NAMESPACE && pod.metadata.name.starts_with(SENSOR_PREFIX))
        .collect();
    if pods.is_empty() {
        return Ok(Sensor::Absent(Evidence::kubernetes(format!("no {SENSOR_PREFIX}-* pods in {SENSOR_NAMESPACE}"))));
    }
    let running = pods.iter().filter(|pod| pod.status.phase.as_deref() == Some("Running")).count();
    let evidence = Evidence::detail(
        Source::Kubernetes,
        format!(
            "{running} of {} {SENSOR_PREFIX}-* pods in {SENSOR_NAMESPACE} are Running (Kubernetes pods)",
            pods.len()
        ),
    );
    Ok(if running == pods.len() { Sensor::Healthy(evidence) } else { Sensor::Unhealthy(evidence) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, only, run, statuses, with_cluster};
    use crate::snapshot::arm::DefenderPricing;
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn defender(enabled: bool, tier: &str) -> Snapshot {
        let mut snapshot = with_cluster(
            json!({"properties": {"securityProfile": {"defender": {"securityMonitoring": {"enabled": enabled}}}}}),
        );
        snapshot.azure.defender_pricing = Part::Collected(
            DefenderPricing::from_document(&json!({"name": "Containers", "properties": {"pricingTier": tier}}))
                .unwrap(),
        );
        snapshot
    }

    fn sensor(ready: i64, desired: i64) -> Part<Vec<DaemonSet>> {
        Part::Collected(vec![k8s(
            json!({"metadata": {"name": "microsoft-defender-collector-ds", "namespace": "kube-system"},
            "status": {"desiredNumberScheduled": desired, "numberReady": ready}}),
        )])
    }

    #[test]
    fn enabled_with_a_ready_sensor_passes_everything() {
        let mut snapshot = defender(true, "Standard");
        snapshot.kubernetes.daemon_sets = sensor(3, 3);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass, Status::Pass, Status::Pass]);
    }

    #[test]
    fn profile_off_and_free_plan_fail() {
        let findings = run(&RULE, &defender(false, "Free"));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Fail, Status::Fail]);
        assert_eq!(findings[0].remediation.as_deref(), Some("az aks update -g rg1 -n aks1 --enable-defender"));
        assert_eq!(
            findings[1].remediation.as_deref(),
            Some("az security pricing create -n Containers --tier Standard")
        );
    }

    #[test]
    fn enabled_in_arm_but_sensor_missing_or_not_ready_is_its_own_failure() {
        let mut snapshot = defender(true, "Standard");
        snapshot.kubernetes.daemon_sets = Part::Collected(vec![]);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings[1].status, Status::Fail);
        assert!(findings[1].message.starts_with("sensor not healthy"));

        snapshot.kubernetes.daemon_sets = sensor(1, 3);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings[1].status, Status::Fail);
        assert!(findings[1].evidence[0].contains("ready 1/3"));
    }

    #[test]
    fn sensor_health_without_kubernetes_data_is_unknown() {
        let findings = run(&RULE, &defender(true, "Standard"));
        assert_eq!(findings[1].status, Status::Unknown);
    }

    #[test]
    fn missing_plan_is_unknown() {
        let mut snapshot = defender(true, "Standard");
        snapshot.azure.defender_pricing = Part::unavailable("403 AuthorizationFailed");
        snapshot.kubernetes.daemon_sets = sensor(2, 2);
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings[2].status, Status::Unknown);
        assert!(findings[2].message.contains("403"));
    }

    #[test]
    fn kubernetes_only_infers_from_the_sensor() {
        let mut snapshot = Snapshot::empty("test", "not requested: --skip-azure");
        snapshot.kubernetes.daemon_sets = sensor(2, 2);
        let finding = only(&RULE, &snapshot);
        assert_eq!(finding.status, Status::Pass);
        assert_eq!(finding.evidence[0].source, crate::finding::Source::InferredFromKubernetes);
        assert_eq!(finding.confidence, crate::finding::Confidence::Medium);

        snapshot.kubernetes.daemon_sets = Part::Collected(vec![]);
        let finding = only(&RULE, &snapshot);
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("inferred"));
        assert_eq!(finding.confidence, crate::finding::Confidence::Medium);
    }

    #[test]
    fn kubernetes_only_falls_back_to_pods() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![k8s(
            json!({"metadata": {"name": "microsoft-defender-collector-ds-abcde", "namespace": "kube-system"}, "status": {"phase": "Running"}}),
        )]);
        assert_eq!(only(&RULE, &snapshot).status, Status::Pass);
    }

    #[test]
    fn no_data_at_all_is_unknown() {
        let finding = only(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(finding.status, Status::Unknown);
    }
}
