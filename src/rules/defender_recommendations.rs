//! `defender-recommendations`: Defender for Cloud's recommendations for the cluster are healthy.

use super::defender_severity::from_defender;
use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::security::SecurityAssessment;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "defender-recommendations",
    title: "Defender for Cloud's recommendations for the cluster are resolved",
    severity: Severity::Medium,
    area: Area::ThreatProtection,
    help_uri: "https://learn.microsoft.com/azure/defender-for-cloud/review-security-recommendations",
    reads: &[source::MANAGED_CLUSTER, source::DEFENDER_ASSESSMENTS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Microsoft Learn: Security recommendations for containers (https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container)",
        "Microsoft Learn: Review security recommendations (https://learn.microsoft.com/azure/defender-for-cloud/review-security-recommendations)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Defender for Cloud's assessments (`Microsoft.Security/assessments`, `az security assessment
list`) whose assessed resource (`resourceDetails.id`, or `Id` as Resource Graph writes it) is the
cluster or lies under it (its node pools, its containers):
- `Unhealthy`: a failing finding per recommendation, with Defender's severity, display name,
  remediation text and portal link;
- `Healthy`: a passing finding per recommendation (shown with `--show all`);
- `NotApplicable`: not applicable, with Defender's cause.
A cluster Defender reports no assessment for is `unknown`: it has not been assessed (yet), or the
assessments of another subscription were read.

## Why it matters
Defender for Cloud evaluates the cluster against Microsoft's cloud security benchmark every day
(Azure Policy add-on installed, authorized IP ranges, Kubernetes RBAC, images from trusted
registries, ...). Its recommendations are what an auditor is asked about first.

## How to fix
Follow each recommendation's remediation text, or its page in the portal (the finding's link).
A recommendation that does not apply to the cluster is exempted in Defender for Cloud, with a
reason, rather than ignored.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.cluster()?;
    let cluster = ctx.cluster_resource();
    let cluster_id = cluster.as_str();
    let assessments = ctx.defender_assessments()?;
    let mine: Vec<&SecurityAssessment> = assessments.iter().filter(|a| a.is_about(cluster_id)).collect();
    if mine.is_empty() {
        return Ok(vec![RULE.unknown(
            cluster,
            format!(
                "Defender for Cloud reports no assessment of this cluster ({} read): it has not assessed it yet, or the assessments of another subscription were read",
                assessments.len()
            ),
        )]);
    }
    Ok(mine.into_iter().map(|a| judge(a, &cluster)).collect())
}

fn judge(assessment: &SecurityAssessment, cluster: &Resource) -> Finding {
    let resource = assessment.id.clone().map_or_else(|| cluster.clone(), Resource::arm);
    let title = assessment.title();
    let status = assessment.properties.status.as_ref();
    let evidence = Evidence::arm(format!(
        "status {}{} on {}",
        assessment.status_code().unwrap_or("absent"),
        status
            .and_then(|s| s.cause.as_deref())
            .filter(|c| !c.is_empty())
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        assessment.resource_id().unwrap_or(cluster.as_str())
    ));
    let finding = match assessment.status_code().map(str::to_ascii_lowercase).as_deref() {
        Some("unhealthy") => return unhealthy(assessment, resource, title).with_evidence(evidence),
        Some("healthy") => RULE.pass(resource, format!("Defender recommendation satisfied: {title}")),
        Some("notapplicable") => {
            RULE.not_applicable(resource, format!("Defender recommendation not applicable: {title}"))
        }
        _ => RULE.unknown(resource, format!("Defender recommendation {title} has no status aksguard knows")),
    };
    finding.with_evidence(evidence)
}

fn unhealthy(assessment: &SecurityAssessment, resource: Resource, title: &str) -> Finding {
    let metadata = assessment.properties.metadata.as_ref();
    let mut finding = RULE.fail(resource, format!("Defender recommends: {title}"));
    match metadata.and_then(|m| m.severity.as_deref()).map(|s| (s, from_defender(s))) {
        Some((_, Some(severity))) => finding = finding.with_severity(severity),
        Some((other, None)) => {
            finding = finding.with_evidence(Evidence::note(format!(
                "Defender's severity {other:?} is unknown to aksguard: kept at {}",
                RULE.severity
            )))
        }
        None => {
            finding = finding.with_evidence(Evidence::note(format!(
                "Defender gave no severity (read with $expand=metadata): kept at {}",
                RULE.severity
            )))
        }
    }
    if let Some(description) = assessment.properties.status.as_ref().and_then(|s| s.description.as_deref()) {
        finding = finding.with_evidence(Evidence::detail(Source::Arm, format!("Defender: {description}")));
    }
    let mut fix = Vec::new();
    if let Some(text) = metadata.and_then(|m| m.remediation_description.as_deref()) {
        fix.push(format!("# Defender: {text}"));
    }
    if let Some(link) = assessment.portal_link() {
        fix.push(format!("# details: {link}"));
    }
    match fix.is_empty() {
        true => finding,
        false => finding.with_remediation(fix.join("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const CLUSTER: &str =
        "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1";

    fn assessment(key: &str, resource: &str, code: &str, severity: Option<&str>) -> Value {
        let mut doc = json!({"id": format!("{resource}/providers/Microsoft.Security/assessments/{key}"), "name": key,
            "type": "Microsoft.Security/assessments",
            "properties": {"displayName": format!("Recommendation {key}"), "resourceDetails": {"source": "Azure", "id": resource},
              "status": {"code": code, "description": "3 of 4 node pools"},
              "metadata": {"displayName": "x", "remediationDescription": "Run az aks update\n  --enable-x."}}});
        if let Some(severity) = severity {
            doc["properties"]["metadata"]["severity"] = json!(severity);
        }
        doc
    }

    fn findings(docs: Vec<Value>) -> Vec<Finding> {
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.defender_assessments =
            Part::Collected(docs.iter().map(|d| SecurityAssessment::from_document(d).unwrap()).collect());
        run(&RULE, &snapshot)
    }

    #[test]
    fn unhealthy_fails_with_defenders_severity_and_remediation_healthy_passes() {
        let pool = format!("{CLUSTER}/agentPools/nodepool1");
        let found = findings(vec![
            assessment("1a2b", CLUSTER, "Unhealthy", Some("High")),
            assessment("3c4d", &pool, "Unhealthy", None),
            assessment("5e6f", CLUSTER, "Healthy", Some("Low")),
            assessment("7a8b", CLUSTER, "NotApplicable", Some("Low")),
            assessment(
                "9c0d",
                "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks10",
                "Unhealthy",
                Some("High"),
            ),
        ]);
        let verdicts: Vec<(Status, Severity)> = found.iter().map(|f| (f.status, f.severity)).collect();
        assert_eq!(
            verdicts,
            [
                (Status::Fail, Severity::High),
                (Status::Fail, Severity::Medium),
                (Status::Pass, Severity::Medium),
                (Status::NotApplicable, Severity::Medium)
            ]
        );
        assert_eq!(found[0].message, "Defender recommends: Recommendation 1a2b");
        assert_eq!(found[0].resource.as_str(), format!("{CLUSTER}/providers/Microsoft.Security/assessments/1a2b"));
        assert_eq!(
            found[0].remediation.as_deref(),
            Some(
                "# Defender: Run az aks update --enable-x.\n# details: https://portal.azure.com/#blade/Microsoft_Azure_Security/RecommendationsBlade/assessmentKey/1a2b"
            )
        );
        assert!(found[1].evidence.iter().any(|e| e.contains("gave no severity")));
    }

    #[test]
    fn resource_details_in_resource_graph_case_are_read() {
        let found = findings(vec![
            json!({"name": "k1", "properties": {"displayName": "d", "resourceDetails": {"Id": CLUSTER.to_lowercase(), "Source": "Azure"}, "status": {"code": "Unhealthy"}}}),
        ]);
        assert_eq!(found[0].status, Status::Fail);
    }

    #[test]
    fn no_assessment_of_the_cluster_is_unknown_and_so_is_a_missing_source() {
        let found = findings(vec![assessment(
            "9c0d",
            "/subscriptions/sub/resourceGroups/other/providers/Microsoft.Compute/virtualMachines/vm1",
            "Unhealthy",
            None,
        )]);
        assert_eq!((found.len(), found[0].status), (1, Status::Unknown));
        let mut snapshot = with_cluster(json!({}));
        snapshot.azure.defender_assessments = Part::unavailable("forbidden");
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
        assert_eq!(run(&RULE, &Snapshot::empty("t", "not provided"))[0].status, Status::Unknown);
    }
}
