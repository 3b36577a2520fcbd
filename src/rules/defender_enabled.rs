//! `defender-enabled`: Microsoft Defender for Containers protects the cluster, and its sensor runs.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::arm::DefenderPricing;
use crate::snapshot::kube::{DaemonSet, Pod};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "defender-enabled",
    title: "Microsoft Defender for Containers is enabled and its sensor is healthy",
    severity: Severity::High,
    area: Area::ThreatProtection,
    help_uri: "https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-introduction",
    reads: &[
        source::MANAGED_CLUSTER,
        source::DEFENDER_PRICING,
        source::DEFENDER_CLUSTER_PRICING,
        source::DAEMON_SETS,
        source::PODS,
    ],
    docs: DOCS,
    cis: &["5.1.1"],
    references: &[
        "Azure Policy: Azure Kubernetes Service clusters should have Defender profile enabled (a1840de2-8088-4ea8-b153-b4c723e9cb01)",
        "Azure Policy: Microsoft Defender for Containers should be enabled (1c988dd6-ade4-430f-a608-2a3e5b0a6d38)",
        "Azure Policy: Configure Microsoft Defender for Containers plan (ASC_Azure_Defender_Containers_Full_Features_DINE: the extensions it requires)",
        "Microsoft Learn: Defender for Containers plan components (https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-enable)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Each of these is a finding of its own:
- the cluster's Defender profile: `securityProfile.defender.securityMonitoring.enabled` (ARM);
- the subscription's Defender for Containers plan, `Microsoft.Security/pricings/Containers`:
  its tier must be `Standard` (the deprecated `KubernetesService` and `ContainerRegistry` plans
  are different plans, named as such, and never read as this one);
- the plan set on the cluster itself, `{cluster}/providers/Microsoft.Security/pricings/Containers`:
  a cluster opted out (`Free`) of a Standard subscription is not protected. When that read is not
  available, a subscription that reports `resourcesCoverageStatus: FullyCovered` still decides it;
  `PartiallyCovered` (some resources opted out) makes it `unknown`;
- the plan's depth, on the plan that applies to the cluster (its own, else the subscription's):
  the extensions `ContainerRegistriesVulnerabilityAssessments` (registry image scanning),
  `ContainerSensor` (the runtime sensor) and `AgentlessDiscoveryForKubernetes` must be on
  (`isEnabled: \"True\"`). A Standard plan with the sensor extension off raises no run-time alert;
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

    az security pricing create -n Containers --tier Standard \
      --extensions name=ContainerRegistriesVulnerabilityAssessments isEnabled=True \
      --extensions name=ContainerSensor isEnabled=True \
      --extensions name=AgentlessDiscoveryForKubernetes isEnabled=True
    az aks update -g RG -n NAME --enable-defender

A cluster opted out of its subscription's plan gets its own plan back with
`az rest --method put --url \"https://management.azure.com/CLUSTER_ID/providers/Microsoft.Security/pricings/Containers?api-version=2024-01-01\" --body '{\"properties\": {\"pricingTier\": \"Standard\"}}'`.

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
    findings.push(cluster_plan(ctx));
    findings.extend(extensions(ctx));
    Ok(findings)
}

/// The extensions that make the Containers plan scan and watch, with what each does.
const REQUIRED_EXTENSIONS: [(&str, &str); 3] = [
    ("ContainerRegistriesVulnerabilityAssessments", "registry image vulnerability scanning"),
    ("ContainerSensor", "the runtime sensor"),
    ("AgentlessDiscoveryForKubernetes", "agentless discovery"),
];

/// Plans Defender replaced with Containers: present in every pricing list, never the current plan.
const DEPRECATED_PLANS: [&str; 2] = ["KubernetesService", "ContainerRegistry"];

/// Why a pricing document is not the current Containers plan, if it is not.
fn not_the_containers_plan(pricing: &DefenderPricing) -> Option<String> {
    let name = pricing.name.as_deref().unwrap_or("with no name");
    if DEPRECATED_PLANS.iter().any(|d| d.eq_ignore_ascii_case(name)) || pricing.properties.deprecated == Some(true) {
        return Some(format!("it is the deprecated {name} plan (replaced by Containers), not Defender for Containers"));
    }
    (!name.eq_ignore_ascii_case("Containers")).then(|| format!("it is the Defender plan {name}, not Containers"))
}

fn cluster_plan_id(ctx: &Context) -> Resource {
    ctx.cluster_resource().child("providers/Microsoft.Security/pricings", "Containers")
}

/// `az rest` that gives the cluster its own Standard plan (az has no resource-level pricing
/// command), with the required extensions on when `extensions`.
fn put_cluster_plan(ctx: &Context, extensions: bool) -> String {
    let listed: Vec<String> =
        REQUIRED_EXTENSIONS.iter().map(|(name, _)| format!(r#"{{"name": "{name}", "isEnabled": "True"}}"#)).collect();
    let extensions = if extensions { format!(r#", "extensions": [{}]"#, listed.join(", ")) } else { String::new() };
    format!(
        r#"az rest --method put --url "https://management.azure.com{}?api-version=2024-01-01" --body '{{"properties": {{"pricingTier": "Standard"{extensions}}}}}'"#,
        cluster_plan_id(ctx)
    )
}

/// `az security pricing create` with the subscription's plan on and every required extension.
fn create_subscription_plan() -> String {
    let extensions: Vec<String> =
        REQUIRED_EXTENSIONS.iter().map(|(name, _)| format!("--extensions name={name} isEnabled=True")).collect();
    format!("az security pricing create -n Containers --tier Standard {}", extensions.join(" "))
}

/// The plan set on the cluster itself: an opted-out cluster is not protected, whatever its
/// subscription says.
fn cluster_plan(ctx: &Context) -> Finding {
    let resource = cluster_plan_id(ctx);
    let own = match ctx.defender_cluster_pricing() {
        Ok(own) => own,
        Err(missing) => return cluster_plan_from_coverage(ctx, resource, &missing),
    };
    if let Some(why) = not_the_containers_plan(own) {
        return RULE.unknown(resource, format!("the cluster's own Defender plan cannot be judged: {why}"));
    }
    let tier = own.properties.pricing_tier.as_deref().unwrap_or("absent");
    let inherited = own.properties.inherited.as_deref().unwrap_or("not said");
    let evidence = Evidence::arm(format!(
        "{{cluster}}/pricings/Containers properties.pricingTier = \"{tier}\", inherited = \"{inherited}\""
    ));
    if own.is_standard() {
        RULE.pass(resource, "the cluster's own Defender for Containers plan is Standard").with_evidence(evidence)
    } else {
        let message = match own.properties.inherited.as_deref() {
            Some(inherited) if inherited.eq_ignore_ascii_case("True") => {
                format!("the cluster's Defender for Containers plan is {tier}, inherited from its subscription")
            }
            _ => format!(
                "the cluster is opted out of Defender for Containers: its own plan is {tier}, whatever the subscription's"
            ),
        };
        RULE.fail(resource, message).with_evidence(evidence).with_remediation(put_cluster_plan(ctx, false))
    }
}

/// Without the cluster's own plan: a subscription that covers every resource still decides.
fn cluster_plan_from_coverage(ctx: &Context, resource: Resource, missing: &Missing) -> Finding {
    let coverage = ctx.defender_pricing().ok().filter(|p| not_the_containers_plan(p).is_none() && p.is_standard());
    let status = coverage.and_then(|p| p.properties.resources_coverage_status.as_deref());
    match status {
        Some(status) if status.eq_ignore_ascii_case("FullyCovered") => RULE
            .pass(resource, "the subscription's Standard plan covers every resource (FullyCovered), this cluster included")
            .with_evidence(Evidence::arm("pricings/Containers properties.resourcesCoverageStatus = \"FullyCovered\""))
            .with_evidence(Evidence::note(format!("the cluster's own plan was not read: {}", missing.what()))),
        Some(status) => RULE.unknown(
            resource,
            format!(
                "the subscription's plan is {status}: some resources opted out, and the cluster's own plan cannot be checked: {}",
                missing.reason
            ),
        ),
        None => RULE.unknown(resource, format!("the cluster's own Defender plan cannot be checked: {}", missing.reason)),
    }
}

/// The plan that applies to the cluster: its own when read, else the subscription's.
fn effective_plan<'a>(ctx: &Context<'a>) -> Result<(&'a DefenderPricing, &'static str), Missing> {
    match ctx.defender_cluster_pricing() {
        Ok(own) if not_the_containers_plan(own).is_none() => Ok((&own.0, "the cluster's own plan")),
        _ => ctx.defender_pricing().map(|p| (p, "the subscription's plan")),
    }
}

/// The plan's depth: registry scanning, the sensor and agentless discovery switched on.
fn extensions(ctx: &Context) -> Option<Finding> {
    let (plan, whose) = match effective_plan(ctx) {
        Ok(found) => found,
        Err(missing) => {
            let resource = cluster_plan_id(ctx);
            return Some(
                RULE.unknown(resource, format!("the Defender plan's extensions cannot be checked: {}", missing.reason)),
            );
        }
    };
    // A plan that is not Standard already fails on its own; it has no depth to judge.
    if not_the_containers_plan(plan).is_some() || !plan.is_standard() {
        return None;
    }
    let resource = plan.id.clone().map_or_else(|| cluster_plan_id(ctx), Resource::arm);
    let (mut off, mut unreadable, mut on) = (Vec::new(), Vec::new(), Vec::new());
    for (name, what) in REQUIRED_EXTENSIONS {
        match plan.extension(name).map(|e| e.is_enabled.as_deref()) {
            Some(Some(v)) if v.eq_ignore_ascii_case("True") => on.push(name),
            Some(Some(v)) if v.eq_ignore_ascii_case("False") => off.push(format!("{name} ({what}) is off")),
            None => off.push(format!("{name} ({what}) is not listed")),
            Some(other) => unreadable.push(format!("{name} isEnabled = {other:?}")),
        }
    }
    let evidence = Evidence::arm(format!(
        "{whose}: extensions on: {}",
        if on.is_empty() { "none".to_string() } else { on.join(", ") }
    ));
    if !off.is_empty() {
        let fix = match whose {
            "the cluster's own plan" => put_cluster_plan(ctx, true),
            _ => create_subscription_plan(),
        };
        return Some(
            RULE.fail(
                resource,
                format!("Defender for Containers is Standard but does not scan or watch fully: {}", off.join("; ")),
            )
            .with_evidence(evidence)
            .with_remediation(fix),
        );
    }
    if !unreadable.is_empty() {
        return Some(
            RULE.unknown(resource, format!("the plan's extensions cannot be read: {}", unreadable.join(", "))),
        );
    }
    Some(
        RULE.pass(resource, "registry scanning, the runtime sensor and agentless discovery are on")
            .with_evidence(evidence),
    )
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
    if let Some(why) = not_the_containers_plan(pricing) {
        return RULE.unknown(resource, format!("the Defender for Containers plan cannot be judged: {why}"));
    }
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
    if matches!(sensor, Sensor::Absent(_)) {
        super::inference::system_pods_seen(ctx, arm_missing)?;
    }
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
    use crate::snapshot::security::ClusterPricing;
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    const ALL_ON: &str = r#"[{"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "True"},
        {"name": "ContainerSensor", "isEnabled": "True"}, {"name": "AgentlessDiscoveryForKubernetes", "isEnabled": "True"}]"#;

    fn pricing(doc: serde_json::Value) -> DefenderPricing {
        DefenderPricing::from_document(&doc).unwrap()
    }

    /// Profile on or off, a subscription plan of `tier` covering every resource, every extension on.
    fn defender(enabled: bool, tier: &str) -> Snapshot {
        let mut snapshot = with_cluster(
            json!({"properties": {"securityProfile": {"defender": {"securityMonitoring": {"enabled": enabled}}}}}),
        );
        let extensions: serde_json::Value = serde_json::from_str(ALL_ON).unwrap();
        snapshot.azure.defender_pricing = Part::Collected(pricing(json!({"name": "Containers",
            "properties": {"pricingTier": tier, "resourcesCoverageStatus": "FullyCovered", "extensions": extensions}})));
        snapshot
    }

    fn sensor(ready: i64, desired: i64) -> Part<Vec<DaemonSet>> {
        Part::Collected(vec![k8s(
            json!({"metadata": {"name": "microsoft-defender-collector-ds", "namespace": "kube-system"},
            "status": {"desiredNumberScheduled": desired, "numberReady": ready}}),
        )])
    }

    fn finding<'a>(findings: &'a [Finding], resource_end: &str) -> &'a Finding {
        findings
            .iter()
            .find(|f| f.resource.ends_with(resource_end))
            .unwrap_or_else(|| panic!("no {resource_end} in {findings:#?}"))
    }

    const OWN: &str = "aks1/providers/Microsoft.Security/pricings/Containers";

    #[test]
    fn enabled_with_a_ready_sensor_passes_everything() {
        let mut snapshot = defender(true, "Standard");
        snapshot.kubernetes.daemon_sets = sensor(3, 3);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass; 5], "{:#?}", run(&RULE, &snapshot));
    }

    #[test]
    fn profile_off_and_free_plan_fail() {
        let findings = run(&RULE, &defender(false, "Free"));
        assert_eq!(
            findings.iter().map(|f| f.status).collect::<Vec<_>>(),
            [Status::Fail, Status::Fail, Status::Unknown]
        );
        assert_eq!(findings[0].remediation.as_deref(), Some("az aks update -g rg1 -n aks1 --enable-defender"));
        assert_eq!(
            findings[1].remediation.as_deref(),
            Some("az security pricing create -n Containers --tier Standard")
        );
        assert!(
            findings[2].message.contains("own Defender plan cannot be checked"),
            "a Free subscription says nothing of the cluster's own plan"
        );
    }

    #[test]
    fn extensions_off_or_not_listed_fail_naming_each() {
        let mut snapshot = defender(true, "Standard");
        snapshot.azure.defender_pricing = Part::Collected(pricing(
            json!({"id": "/subscriptions/sub/providers/Microsoft.Security/pricings/Containers",
            "name": "Containers", "properties": {"pricingTier": "Standard", "resourcesCoverageStatus": "FullyCovered",
            "extensions": [{"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "True"}, {"name": "containersensor", "isEnabled": "False"}]}}),
        ));
        let findings = run(&RULE, &snapshot);
        let depth = findings.iter().find(|f| f.message.contains("does not scan")).unwrap();
        assert_eq!(
            (depth.status, depth.resource.as_str()),
            (Status::Fail, "/subscriptions/sub/providers/Microsoft.Security/pricings/Containers")
        );
        assert!(depth.message.contains("ContainerSensor (the runtime sensor) is off"), "{}", depth.message);
        assert!(depth.message.contains("AgentlessDiscoveryForKubernetes (agentless discovery) is not listed"));
        assert!(!depth.message.contains("ContainerRegistriesVulnerabilityAssessments"));
        let fix = depth.remediation.as_deref().unwrap();
        assert!(fix.starts_with("az security pricing create -n Containers --tier Standard --extensions name=ContainerRegistriesVulnerabilityAssessments isEnabled=True"));
        assert!(fix.contains("--extensions name=ContainerSensor isEnabled=True --extensions name=AgentlessDiscoveryForKubernetes isEnabled=True"));
    }

    #[test]
    fn an_extension_flag_that_is_not_true_or_false_is_unknown() {
        let mut snapshot = defender(true, "Standard");
        let mut extensions: serde_json::Value = serde_json::from_str(ALL_ON).unwrap();
        extensions[1]["isEnabled"] = json!("Enabled");
        snapshot.azure.defender_pricing = Part::Collected(pricing(json!({"name": "Containers",
            "properties": {"pricingTier": "Standard", "resourcesCoverageStatus": "FullyCovered", "extensions": extensions}})));
        let findings = run(&RULE, &snapshot);
        let depth = findings.iter().find(|f| f.message.contains("extensions cannot be read")).unwrap();
        assert_eq!(depth.status, Status::Unknown);
        assert!(
            DefenderPricing::from_document(
                &json!({"properties": {"extensions": [{"name": "ContainerSensor", "isEnabled": true}]}})
            )
            .is_err(),
            "a boolean is not the API's string"
        );
    }

    #[test]
    fn a_cluster_opted_out_of_a_standard_subscription_fails() {
        let mut snapshot = defender(true, "Standard");
        snapshot.azure.defender_cluster_pricing = Part::Collected(ClusterPricing(pricing(
            json!({"name": "Containers", "properties": {"pricingTier": "Free", "inherited": "False"}}),
        )));
        let findings = run(&RULE, &snapshot);
        let own = finding(&findings, OWN);
        assert_eq!(own.status, Status::Fail);
        assert!(own.message.contains("opted out"));
        assert!(own.remediation.as_deref().unwrap().starts_with("az rest --method put --url \"https://management.azure.com/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1/providers/Microsoft.Security/pricings/Containers?api-version=2024-01-01\""));
        assert!(!findings.iter().any(|f| f.message.contains("extensions")), "a Free plan has no depth to judge");
    }

    #[test]
    fn the_cluster_plan_decides_the_extensions_when_read() {
        let mut snapshot = defender(true, "Standard");
        let body = reference("defender-pricing-containers-on-aks-cluster.2024-01-01.json");
        snapshot.azure.defender_cluster_pricing = Part::Collected(ClusterPricing(pricing(body)));
        snapshot.kubernetes.daemon_sets = sensor(1, 1);
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass; 5]);
        // The subscription's extensions are all off, but the cluster's own plan is what applies.
        snapshot.azure.defender_pricing = Part::Collected(pricing(
            json!({"name": "Containers", "properties": {"pricingTier": "Standard", "extensions": []}}),
        ));
        assert_eq!(statuses(&RULE, &snapshot), [Status::Pass; 5]);
    }

    #[test]
    fn without_the_cluster_plan_coverage_decides_or_it_is_unknown() {
        let mut snapshot = defender(true, "Standard");
        snapshot.azure.defender_cluster_pricing = Part::unavailable("forbidden: 403");
        let findings = run(&RULE, &snapshot);
        assert_eq!(finding(&findings, OWN).status, Status::Pass, "FullyCovered: no resource opted out");
        let list = reference("defender-pricings-list-subscription.2024-01-01.json");
        let mut partial = list["value"].as_array().unwrap().iter().find(|p| p["name"] == "Containers").unwrap().clone();
        partial["properties"]["resourcesCoverageStatus"] = json!("PartiallyCovered");
        snapshot.azure.defender_pricing = Part::Collected(pricing(partial));
        let findings = run(&RULE, &snapshot);
        let own = finding(&findings, OWN);
        assert_eq!(own.status, Status::Unknown);
        assert!(own.message.contains("PartiallyCovered") && own.message.contains("403"));
    }

    #[test]
    fn deprecated_plans_are_named_and_never_read_as_the_containers_plan() {
        let list = reference("defender-pricings-list-subscription.2024-01-01.json");
        for name in ["KubernetesService", "ContainerRegistry"] {
            let mut snapshot = defender(true, "Standard");
            let deprecated = list["value"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
            snapshot.azure.defender_pricing = Part::Collected(pricing(deprecated.clone()));
            let findings = run(&RULE, &snapshot);
            let plan = findings.iter().find(|f| f.resource.ends_with(&format!("pricings/{name}"))).unwrap();
            assert_eq!(plan.status, Status::Unknown);
            assert!(plan.message.contains(&format!("deprecated {name} plan")), "{}", plan.message);
        }
    }

    use crate::rules::testing::arm_example as reference;

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
        assert_eq!(only(&RULE, &snapshot).status, Status::Unknown, "no pods: absence proves nothing");
        snapshot.kubernetes.pods =
            Part::Collected(vec![crate::rules::helpers::testing::pod_in("kube-system", "coredns-1")]);
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
