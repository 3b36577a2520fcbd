//! `defender-alerts`: no active Microsoft Defender for Cloud security alert names the cluster.

use super::defender_severity::from_defender;
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::arm::id_segment;
use crate::snapshot::security::SecurityAlert;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "defender-alerts",
    title: "No active Defender for Cloud security alert on the cluster",
    severity: Severity::High,
    area: Area::ThreatProtection,
    help_uri: "https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers",
    reads: &[
        source::MANAGED_CLUSTER,
        source::DEFENDER_ALERTS,
        source::DEFENDER_PRICING,
        source::DEFENDER_CLUSTER_PRICING,
    ],
    docs: DOCS,
    cis: &[],
    references: &[
        "Microsoft Learn: Alerts for Kubernetes clusters (https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers)",
        "Microsoft Learn: Manage and respond to security alerts (https://learn.microsoft.com/azure/defender-for-cloud/manage-respond-alerts)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The subscription's Defender for Cloud alerts (`Microsoft.Security/alerts`, as `az security alert
list` prints them) whose resource identifiers name this cluster (or one of its node pools). Each
alert that is `Active` or `InProgress` is a failing finding of its own, with Defender's severity
(High, Medium, Low; Informational is `info`), its display name and type (`K8S_*` for control-plane
detections, `K8S.NODE_*` for the sensor's), start time, compromised entity and portal link.
Resolved and dismissed alerts are not failures; alerts on other resources are not counted.
With no open alert, the rule passes only if Defender watches the cluster (the Defender profile
on, or a Standard Containers plan): no alert from an unwatched cluster proves nothing.

## Why it matters
An active alert is an attack in progress or a misconfiguration being abused: a privileged
container, a crypto miner, a binding to cluster-admin, an exposed dashboard. The procedures
aksguard automates start by reviewing them.

## How to fix
Investigate each alert from its portal link (the remediation steps Defender gives are in the
finding), contain the workload, then close the alert:

    az security alert update -g RG --location LOCATION -n ALERT_NAME --status resolve
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.cluster()?;
    let cluster = ctx.cluster_resource();
    let cluster_id = cluster.as_str();
    let alerts = ctx.defender_alerts()?;
    let mine: Vec<&SecurityAlert> = alerts.iter().filter(|alert| alert.names(cluster_id)).collect();
    let open: Vec<Finding> = mine.iter().filter(|alert| alert.is_open()).map(|alert| judge(alert, &cluster)).collect();
    if !open.is_empty() {
        return Ok(open);
    }
    let summary = Evidence::arm(format!(
        "{} alert(s) read, {} name this cluster, none is active or in progress",
        alerts.len(),
        mine.len()
    ));
    Ok(vec![match watched(ctx) {
        Ok(how) => RULE
            .pass(cluster.clone(), "no active Defender alert names the cluster")
            .with_evidence(summary)
            .with_evidence(how),
        Err(why) => RULE
            .unknown(cluster, format!("no active Defender alert names the cluster, but that proves nothing: {why}"))
            .with_evidence(summary),
    }])
}

/// Whether Defender watches the cluster, so that no alert means something.
fn watched(ctx: &Context) -> Result<Evidence, String> {
    let profile =
        ctx.cluster().ok().and_then(|c| c.properties.security_profile.as_ref()).and_then(|p| p.defender.as_ref());
    if profile.and_then(|d| d.security_monitoring.as_ref()).and_then(|m| m.enabled) == Some(true) {
        return Ok(Evidence::arm("the Defender profile (sensor) is enabled on the cluster"));
    }
    let plans = [ctx.defender_cluster_pricing().map(|own| &own.0), ctx.defender_pricing()];
    match plans.iter().flatten().find(|plan| plan.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case("Containers")))
    {
        Some(plan) if plan.is_standard() => Ok(Evidence::arm("the Defender for Containers plan is Standard")),
        Some(_) => Err("the Defender for Containers plan is not Standard and the Defender profile is off".into()),
        None => Err("the Defender profile is off and the Defender for Containers plan could not be read".into()),
    }
}

fn judge(alert: &SecurityAlert, cluster: &Resource) -> Finding {
    let p = &alert.properties;
    let name = p.alert_display_name.as_deref().unwrap_or("unnamed alert");
    let alert_type = p.alert_type.as_deref().unwrap_or("type not given");
    let status = p.status.as_deref().unwrap_or("?");
    let mut finding = RULE
        .fail(
            alert.id.clone().map_or_else(|| cluster.clone(), Resource::arm),
            format!("{status} Defender alert: {name} ({alert_type})"),
        )
        .with_evidence(Evidence::arm(format!(
            "alertType {alert_type}, severity {}, status {status}, started {}",
            p.severity.as_deref().unwrap_or("not given"),
            p.start_time_utc.as_deref().unwrap_or("not given")
        )));
    match p.severity.as_deref().map(|s| (s, from_defender(s))) {
        Some((_, Some(severity))) => finding = finding.with_severity(severity),
        Some((other, None)) => {
            finding = finding.with_evidence(Evidence::note(format!(
                "severity {other:?} is not one Defender documents: kept at {}",
                RULE.severity
            )))
        }
        None => {}
    }
    if let Some(entity) = &p.compromised_entity {
        finding = finding.with_evidence(Evidence::detail(Source::Arm, format!("compromised entity: {entity}")));
    }
    finding.with_remediation(remediation(alert))
}

/// The alert's link and Defender's steps, then the command that closes it once handled.
fn remediation(alert: &SecurityAlert) -> String {
    let p = &alert.properties;
    let mut lines = Vec::new();
    if let Some(uri) = &p.alert_uri {
        lines.push(format!("# investigate in Defender for Cloud: {uri}"));
    }
    lines.extend(p.remediation_steps.iter().take(5).map(|step| format!("# Defender: {step}")));
    let id = alert.id.as_deref().unwrap_or_default();
    let group = id_segment(id, "resourcegroups").unwrap_or("RG");
    let location = id_segment(id, "locations").unwrap_or("LOCATION");
    let name = alert.name.as_deref().or_else(|| id_segment(id, "alerts")).unwrap_or("ALERT_NAME");
    lines.push(format!(
        "# once handled:\naz security alert update -g {group} --location {location} -n {name} --status resolve"
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_cluster};
    use crate::snapshot::arm::DefenderPricing;
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const CLUSTER: &str =
        "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1";

    fn alert(name: &str, resource: &str, status: &str, severity: &str) -> Value {
        json!({"id": format!("/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.Security/locations/westeurope/alerts/{name}"),
               "name": name, "type": "Microsoft.Security/Locations/alerts",
               "properties": {"alertType": "K8S_PrivilegedContainer", "alertDisplayName": "Privileged container detected",
                 "severity": severity, "status": status, "startTimeUtc": "2026-11-30T10:00:00Z", "compromisedEntity": "aks1",
                 "alertUri": format!("https://portal.azure.com/#blade/Microsoft_Azure_Security/AlertBlade/alertId/{name}"),
                 "remediationSteps": ["Review the pod's spec.", "Remove the privileged flag."],
                 "resourceIdentifiers": [{"type": "AzureResource", "azureResourceId": resource}]}})
    }

    fn snapshot(alerts: Vec<Value>, profile: bool) -> Snapshot {
        let mut snapshot = with_cluster(
            json!({"properties": {"securityProfile": {"defender": {"securityMonitoring": {"enabled": profile}}}}}),
        );
        snapshot.azure.defender_alerts =
            Part::Collected(alerts.iter().map(|a| SecurityAlert::from_document(a).unwrap()).collect());
        snapshot
    }

    #[test]
    fn one_failure_per_open_alert_on_this_cluster_with_defenders_severity() {
        let other = "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks10";
        let findings = run(
            &RULE,
            &snapshot(
                vec![
                    alert("a1", CLUSTER, "Active", "Medium"),
                    alert("a2", &format!("{CLUSTER}/agentPools/nodepool1"), "InProgress", "Informational"),
                    alert("a3", CLUSTER, "Resolved", "High"),
                    alert("a4", CLUSTER, "Dismissed", "High"),
                    alert("a5", other, "Active", "High"),
                ],
                true,
            ),
        );
        let verdicts: Vec<(&str, Status, Severity)> =
            findings.iter().map(|f| (f.resource.rsplit('/').next().unwrap(), f.status, f.severity)).collect();
        assert_eq!(verdicts, [("a1", Status::Fail, Severity::Medium), ("a2", Status::Fail, Severity::Info)]);
        let first = &findings[0];
        assert_eq!(first.message, "Active Defender alert: Privileged container detected (K8S_PrivilegedContainer)");
        assert!(first.evidence.iter().any(|e| e.contains("started 2026-11-30T10:00:00Z")));
        assert!(first.evidence.iter().any(|e| e.as_str() == "compromised entity: aks1"));
        let fix = first.remediation.as_deref().unwrap();
        assert!(fix.starts_with("# investigate in Defender for Cloud: https://portal.azure.com/"));
        assert!(fix.contains("\n# Defender: Review the pod's spec.\n"));
        assert!(fix.ends_with("az security alert update -g rg1 --location westeurope -n a1 --status resolve"));
    }

    #[test]
    fn no_open_alert_passes_only_when_defender_watches() {
        let findings = run(&RULE, &snapshot(vec![alert("a3", CLUSTER, "Resolved", "High")], true));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
        assert!(findings[0].evidence[0].contains("1 name this cluster"));

        let mut unwatched = snapshot(vec![], false);
        assert_eq!(run(&RULE, &unwatched)[0].status, Status::Unknown);
        unwatched.azure.defender_pricing = Part::Collected(
            DefenderPricing::from_document(&json!({"name": "Containers", "properties": {"pricingTier": "Standard"}}))
                .unwrap(),
        );
        assert_eq!(run(&RULE, &unwatched)[0].status, Status::Pass, "a Standard plan watches the control plane");
    }

    #[test]
    fn reads_the_reference_alert_and_judges_it_not_ours() {
        let example = crate::rules::testing::arm_example("defender-alert-get.2022-01-01.json");
        let findings = run(&RULE, &snapshot(vec![example], true));
        assert_eq!(findings[0].status, Status::Pass, "the example alert is about a VM, not this cluster");
    }

    #[test]
    fn missing_alerts_or_cluster_are_unknown() {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.defender_alerts = Part::unavailable("forbidden: cannot read the subscription's Defender alerts");
        let findings = run(&RULE, &snapshot);
        assert_eq!((findings[0].status, findings.len()), (Status::Unknown, 1));
        assert!(findings[0].message.contains("forbidden"));
        let mut no_cluster = Snapshot::empty("t", "not provided");
        no_cluster.azure.defender_alerts = Part::Collected(vec![]);
        assert_eq!(run(&RULE, &no_cluster)[0].status, Status::Unknown);
    }
}
