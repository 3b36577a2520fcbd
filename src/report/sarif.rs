//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. One `reportingDescriptor` per
//! rule (help text, help URI, `security-severity`), one result per finding with a level from its
//! severity, the cluster resource as a logical location, and `partialFingerprints` from the
//! finding's identity (see `baseline`), so an alert keeps its identity from run to run.
//!
//! A cluster resource is not a file, but GitHub shows a result only with a physical location, so
//! each result also names the resource as a relative artifact URI (`Namespace/shop`); relative, as
//! an absolute URI of another scheme than the checkout's would make the upload fail.
//! `unknown` findings are notes (never dropped); waived ones carry an external suppression.
//! A rule's `precision` is `very-high` (what it reads directly); each result carries its own
//! `precision` and `confidence`, `medium` when its verdict was inferred (from pods, kubelets).

use crate::audit::{Report, Show};
use crate::baseline;
use crate::config::WaiverOutcome;
use crate::finding::{Confidence, Finding, Resource, Severity, Status};
use crate::rules::{self, Rule};
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report, show: Show) -> String {
    let rules: Vec<&Rule> = report.rules.iter().filter_map(|id| rules::find(id)).collect();
    let ids = baseline::identities_of(&report.findings);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&ids)
        .filter(|(finding, _)| show.keeps(finding) || finding.status == Status::Waived)
        .map(|(finding, id)| result(finding, id, &rules))
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules.iter().map(|rule| descriptor(rule)).collect::<Vec<_>>(),
            }},
            // One category per cluster, so several clusters can be uploaded for the same commit.
            "automationDetails": { "id": format!("aksguard/{}/", report.target.cluster.as_deref().unwrap_or("cluster")) },
            "invocations": [invocation(report)],
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF always serialises");
    text.push('\n');
    text
}

/// GitHub's scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

/// SARIF's precision scale: a direct read of the setting is as precise as a check gets.
fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "very-high",
        Confidence::Medium => "medium",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn descriptor(rule: &Rule) -> Value {
    let references: String = rule.references.iter().map(|r| format!("- {r}\n")).collect();
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": truncate(&what_it_checks(rule.docs), 1000) },
        "help": {
            "text": format!("{}\n\nReferences:\n{references}", rule.docs.trim_end()),
            "markdown": format!("{}\n\n## References\n{references}", rule.docs.trim_end()),
        },
        "helpUri": rule.help_uri,
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": ["security", "aks", "kubernetes", rule.area.as_str()],
            "precision": "very-high",
            "security-severity": security_severity(rule.severity),
        },
    })
}

/// The "What it checks" section of a rule's docs, as plain text.
fn what_it_checks(docs: &str) -> String {
    let section = docs.split("## What it checks").nth(1).unwrap_or(docs);
    let section = section.split("\n## ").next().unwrap_or(section);
    section.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn result(finding: &Finding, id: &str, rules: &[&Rule]) -> Value {
    let (rule_id, resource) = (finding.rule.as_str(), &finding.resource);
    let mut result = json!({
        "ruleId": rule_id,
        "level": level(finding.severity),
        "message": { "text": message(finding) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": artifact_uri(resource) },
                "region": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1 },
            },
            "logicalLocations": [logical_location(resource)],
        }],
        "partialFingerprints": {
            "primaryLocationLineHash": format!("{:016x}:1", fnv1a(id)),
            "aksguardFindingId/v1": id,
        },
        "properties": {
            "severity": finding.severity,
            "status": finding.status,
            "security-severity": security_severity(finding.severity),
            // The rule's precision holds for what it reads directly; an inferred verdict says less.
            "precision": precision(finding.confidence),
            "confidence": finding.confidence,
            "evidence": finding.evidence,
            "remediation": finding.remediation,
        },
    });
    if let Some(index) = rules.iter().position(|rule| rule.id == rule_id) {
        result["ruleIndex"] = json!(index);
    }
    if let Some(state) = finding.baseline {
        result["baselineState"] = json!(if state == crate::finding::BaselineState::New { "new" } else { "unchanged" });
    }
    match finding.status {
        // SARIF: a result whose kind is not `fail` has level `none`.
        Status::Pass => set_kind(&mut result, "pass"),
        Status::NotApplicable => set_kind(&mut result, "notApplicable"),
        Status::Waived => {
            let reason = finding.evidence.iter().rev().find(|line| line.starts_with("waived until"));
            let reason = reason.map_or("waived in the config file", |line| line.as_str());
            result["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": reason }]);
        }
        // AKS's own components: visible, but not an alert the cluster's owners can fix.
        Status::Fail if finding.platform_managed => {
            result["level"] = json!("note");
            result["properties"]["platform-managed"] = json!(true);
        }
        Status::Fail => {}
        // Not evaluated: a note, so it is visible without counting as an alert-level failure.
        Status::Unknown => result["level"] = json!("note"),
    }
    result
}

fn set_kind(result: &mut Value, kind: &str) {
    result["kind"] = json!(kind);
    result["level"] = json!("none");
}

/// The message GitHub shows as the alert title, then the evidence and the fix.
fn message(finding: &Finding) -> String {
    let mut text = match finding.status {
        Status::Unknown => format!("Not evaluated: {}", finding.message),
        _ => finding.message.clone(),
    };
    text.push_str(&format!(" (resource: {})", finding.resource));
    for line in &finding.evidence {
        text.push_str(&format!("\n- {line}"));
    }
    if let Some(fix) = &finding.remediation {
        text.push_str(&format!("\nFix:\n{fix}"));
    }
    text
}

/// `Deployment/shop/web` → kind `Deployment`, name `web`; ARM ids → their last type and name.
fn logical_location(resource: &Resource) -> Value {
    json!({ "name": resource.name(), "fullyQualifiedName": resource.as_str(), "kind": resource.kind() })
}

/// The resource as a relative URI reference: unreserved characters and `/` kept, the rest
/// percent-encoded.
fn artifact_uri(resource: &str) -> String {
    let mut uri = String::new();
    for byte in resource.trim_start_matches('/').bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => uri.push(byte as char),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// FNV-1a, 64 bits: tiny and stable across Rust releases and platforms, unlike `DefaultHasher`.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Sources that could not be read, and waivers that need attention, as notifications.
fn invocation(report: &Report) -> Value {
    let unavailable: Vec<Value> = report
        .unavailable
        .iter()
        .map(|source| {
            json!({
                "level": "warning",
                "message": { "text": format!("{} could not be read: {}; rules that need it are unknown", source.source, source.reason) },
            })
        })
        .collect();
    let waivers: Vec<Value> = report
        .waivers
        .iter()
        .filter(|waiver| waiver.needs_attention())
        .map(|waiver: &WaiverOutcome| json!({ "level": "warning", "message": { "text": waiver.describe() } }))
        .collect();
    json!({
        "executionSuccessful": true,
        "toolExecutionNotifications": unavailable,
        "toolConfigurationNotifications": waivers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_values() {
        // Pinned: changing the hash would reopen every alert on GitHub.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("local-accounts|Namespace/shop"), fnv1a("local-accounts|Namespace/shop"));
        assert_ne!(fnv1a("a|b"), fnv1a("a|c"));
        assert_eq!(format!("{:016x}", fnv1a("a")), "af63dc4c8601ec8c");
    }

    #[test]
    fn resources_become_relative_uris_and_logical_locations() {
        assert_eq!(
            artifact_uri("DaemonSet/kube-system/microsoft-defender-*"),
            "DaemonSet/kube-system/microsoft-defender-%2A"
        );
        assert_eq!(artifact_uri("/subscriptions/s/resourceGroups/rg"), "subscriptions/s/resourceGroups/rg");
        assert_eq!(
            logical_location(&Resource::namespaced("Deployment", "shop", "web")),
            json!({"name": "web", "fullyQualifiedName": "Deployment/shop/web", "kind": "Deployment"})
        );
        let arm = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
        assert_eq!(logical_location(&Resource::arm(arm))["kind"], "managedClusters");
        assert_eq!(logical_location(&Resource::arm(arm))["name"], "aks");
    }
}
