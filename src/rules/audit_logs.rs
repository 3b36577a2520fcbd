//! `audit-logs`: the API server's audit log leaves the cluster, so access can be investigated.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::arm::{DiagnosticLog, DiagnosticSetting};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "audit-logs",
    title: "Kubernetes audit logs are collected",
    severity: Severity::Medium,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/monitor-aks",
    reads: &[source::DIAGNOSTIC_SETTINGS, source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["2.1.1"],
    references: &[
        "Azure Policy: Resource logs in Azure Kubernetes Service should be enabled (245fc9df-fa96-4414-9a0b-3738c2f7341c)",
        "Microsoft Learn: Monitor AKS control plane logs (kube-audit, kube-audit-admin)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The managed cluster's diagnostic settings (`az monitor diagnostic-settings list --resource ID`):
at least one must send the `kube-audit` or `kube-audit-admin` log category (or the `audit` or
`allLogs` category group) to a destination: a Log Analytics workspace, a storage account, an event
hub or a partner solution.

## Why it matters
The audit log is the record of who did what through the API server: which identity read a
Secret, created a privileged pod or bound cluster-admin. AKS keeps no audit log unless a
diagnostic setting sends it somewhere; without it, an incident cannot be reconstructed.
`kube-audit-admin` leaves out read-only requests and costs far less.

## How to fix

    az monitor diagnostic-settings create --name aks-audit --resource CLUSTER_ID \\
      --workspace WORKSPACE_ID --logs '[{\"category\": \"kube-audit-admin\", \"enabled\": true}]'
";

const AUDIT_CATEGORIES: &[&str] = &["kube-audit", "kube-audit-admin"];
const AUDIT_GROUPS: &[&str] = &["audit", "allLogs"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let settings = ctx.diagnostic_settings()?;
    let resource = ctx.cluster_resource();
    let sending: Vec<String> = settings.iter().filter_map(audit_destination).collect();
    Ok(vec![match sending.is_empty() {
        false => RULE
            .pass(resource, "the Kubernetes audit log is sent out of the cluster")
            .with_evidence(Evidence::arm_document("diagnostic settings", sending.join("; "))),
        true => {
            let names: Vec<&str> = settings.iter().filter_map(|s| s.name.as_deref()).collect();
            let evidence = match names.is_empty() {
                true => Evidence::arm("the cluster has no diagnostic settings"),
                false => Evidence::arm(format!(
                    "diagnostic settings {} send no kube-audit or kube-audit-admin logs",
                    names.join(", ")
                )),
            };
            RULE.fail(resource.clone(), "no diagnostic setting sends the Kubernetes audit log anywhere: API access leaves no trail")
                .with_evidence(evidence)
                .with_remediation(format!(
                    "az monitor diagnostic-settings create --name aks-audit --resource {resource} --workspace <Log Analytics workspace id> --logs '[{{\"category\": \"kube-audit-admin\", \"enabled\": true}}]'"
                ))
        }
    }])
}

/// "aks-audit sends kube-audit-admin": when a setting sends audit logs to a destination.
fn audit_destination(setting: &DiagnosticSetting) -> Option<String> {
    let audit: Vec<&str> = setting.properties.logs.iter().filter(|log| is_audit(log)).filter_map(log_name).collect();
    (setting.has_destination() && !audit.is_empty())
        .then(|| format!("{} sends {}", setting.name.as_deref().unwrap_or("a setting"), audit.join(", ")))
}

fn is_audit(log: &DiagnosticLog) -> bool {
    let category = log.category.as_deref().is_some_and(|c| AUDIT_CATEGORIES.iter().any(|a| a.eq_ignore_ascii_case(c)));
    let group = log.category_group.as_deref().is_some_and(|g| AUDIT_GROUPS.iter().any(|a| a.eq_ignore_ascii_case(g)));
    log.enabled == Some(true) && (category || group)
}

fn log_name(log: &DiagnosticLog) -> Option<&str> {
    log.category.as_deref().or(log.category_group.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::only;
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn settings(list: Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("t", "not provided");
        let list = list.as_array().unwrap().iter().map(|doc| DiagnosticSetting::from_document(doc).unwrap()).collect();
        snapshot.azure.diagnostic_settings = Part::Collected(list);
        snapshot
    }

    #[test]
    fn audit_categories_to_a_destination_pass_in_both_shapes() {
        let az = json!([{"name": "aks-audit", "type": "Microsoft.Insights/diagnosticSettings", "workspaceId": "/subscriptions/s/workspaces/w",
            "logs": [{"category": "kube-audit-admin", "enabled": true}]}]);
        assert_eq!(only(&RULE, &settings(az)).status, Status::Pass);
        let arm = json!([{"name": "all", "properties": {"storageAccountId": "/subscriptions/s/storage/x",
            "logs": [{"categoryGroup": "allLogs", "enabled": true}]}}]);
        assert_eq!(only(&RULE, &settings(arm)).status, Status::Pass);
    }

    #[test]
    fn no_setting_disabled_audit_or_no_destination_fails() {
        assert_eq!(only(&RULE, &settings(json!([]))).status, Status::Fail);
        let disabled = json!([{"name": "d", "workspaceId": "w", "logs": [{"category": "kube-audit", "enabled": false}, {"category": "kube-apiserver", "enabled": true}]}]);
        assert_eq!(only(&RULE, &settings(disabled)).status, Status::Fail);
        let nowhere = json!([{"name": "n", "logs": [{"category": "kube-audit", "enabled": true}]}]);
        assert_eq!(only(&RULE, &settings(nowhere)).status, Status::Fail);
    }

    #[test]
    fn missing_diagnostic_settings_are_unknown() {
        let finding = only(&RULE, &Snapshot::empty("t", "not provided"));
        assert_eq!(finding.status, Status::Unknown);
        assert!(finding.message.contains("arm/diagnosticSettings"));
    }
}
