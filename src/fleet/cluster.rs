//! One cluster of the fleet, from its Resource Graph row: the managed-cluster document read by
//! the same `ManagedCluster::from_document` as `--from-az` and live reads, plus what the row says
//! about where it lives (subscription, resource group, tags) and which properties it lacks.
//!
//! ARG indexes one api-version per resource type, not necessarily the one aksguard reads, so a
//! property missing from a row is not "off": [`mark_gaps`] turns the verdicts that rest on one
//! into `unknown` with the reason.

use crate::audit::Report;
use crate::finding::Status;
use crate::snapshot::arm::{ManagedCluster, id_segment};
use crate::snapshot::{Part, Snapshot};
use serde_json::Value;
use std::collections::BTreeMap;

pub const KUBERNETES_SKIPPED: &str = "not requested: --skip-kubernetes";
/// The ARM parts Resource Graph does not hold.
pub const NOT_IN_RESOURCE_GRAPH: &str =
    "not read: Resource Graph does not hold it, and this fleet run reads no ARM resource per cluster";

/// The properties each rule's ARM verdicts rest on. A rule that reads the managed cluster and is
/// missing here fails `every_cluster_rule_names_its_properties`.
pub const RULE_PROPERTIES: &[(&str, &[&str])] = &[
    ("api-server-access", &["apiServerAccessProfile"]),
    ("auto-upgrade-channel", &["autoUpgradeProfile"]),
    ("azure-policy-addon", &["addonProfiles"]),
    ("cluster-sku-tier", &["/sku", "agentPoolProfiles"]),
    ("defender-enabled", &["securityProfile"]),
    ("cluster-admin-bindings", &["aadProfile"]),
    ("entra-rbac", &["aadProfile", "enableRBAC"]),
    ("image-integrity", &["securityProfile"]),
    ("keyvault-secrets-provider", &["addonProfiles"]),
    ("kubernetes-version-support", &["currentKubernetesVersion", "agentPoolProfiles", "supportPlan"]),
    ("local-accounts", &["disableLocalAccounts", "aadProfile"]),
    ("maintenance-window", &["autoUpgradeProfile"]),
    ("monitoring-enabled", &["addonProfiles", "azureMonitorProfile"]),
    ("network-policy-default-deny", &["networkProfile"]),
    ("node-image-age", &["agentPoolProfiles"]),
    ("node-os-upgrade-channel", &["autoUpgradeProfile"]),
    ("node-pool-version-skew", &["agentPoolProfiles"]),
    ("node-ssh-access", &["agentPoolProfiles"]),
    ("upgrade-surge", &["agentPoolProfiles"]),
    ("workload-identity", &["oidcIssuerProfile", "securityProfile"]),
    ("audit-logs", &[]),
    // Cluster settings of the Azure Policy built-ins (issue 14).
    ("azure-cni", &["networkProfile"]),
    ("csi-drivers", &["storageProfile"]),
    ("image-cleaner", &["securityProfile"]),
    ("kms-etcd-encryption", &["securityProfile"]),
    // Defender, Azure Policy and Azure RBAC (issue 13): the cluster's id, and the switches named.
    ("azure-policy-assignments", &[]),
    ("azure-policy-compliance", &[]),
    ("azure-rbac-admins", &["aadProfile", "disableLocalAccounts"]),
    ("defender-alerts", &["securityProfile"]),
    ("defender-recommendations", &[]),
];

/// A cluster as the fleet knows it before auditing.
#[derive(Debug, Clone)]
pub struct FleetCluster {
    /// The ARM id as Resource Graph gave it (often lowercased).
    pub id: String,
    pub name: String,
    pub subscription: String,
    pub resource_group: String,
    pub location: Option<String>,
    pub tags: Result<BTreeMap<String, String>, String>,
    /// The managed cluster, or why the row cannot be read as one.
    pub cluster: Result<ManagedCluster, String>,
    /// The properties of [`RULE_PROPERTIES`] the row does not carry.
    pub absent: Vec<String>,
}

impl FleetCluster {
    /// Reads a row; `Err` only when the row has no usable id (nothing can name the cluster).
    pub fn from_row(row: &Value) -> Result<FleetCluster, String> {
        let id = row.get("id").and_then(Value::as_str).filter(|id| !id.is_empty());
        let Some(id) = id.filter(|id| id_segment(id, "managedclusters").is_some()) else {
            return Err("a Resource Graph row has no managed-cluster id; it was left out".to_string());
        };
        let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
        let name = id_segment(id, "managedclusters").unwrap_or_default().to_string();
        Ok(FleetCluster {
            id: id.to_string(),
            name: text("name").filter(|n| n.eq_ignore_ascii_case(&name)).unwrap_or(name),
            subscription: id_segment(id, "subscriptions").unwrap_or_default().to_string(),
            resource_group: text("resourceGroup")
                .filter(|g| {
                    Some(g.to_ascii_lowercase()) == id_segment(id, "resourcegroups").map(str::to_ascii_lowercase)
                })
                .unwrap_or_else(|| id_segment(id, "resourcegroups").unwrap_or_default().to_string()),
            location: text("location"),
            tags: read_tags(row.get("tags")),
            cluster: ManagedCluster::from_document(row).map_err(|err| {
                // serde quotes the offending value, which is text from outside: keep it short.
                let why = crate::redact::server_text(&err.to_string());
                format!("Resource Graph's row for it cannot be read as a managed cluster ({why})")
            }),
            absent: absent_properties(row),
        })
    }

    /// The lowercased id: the fleet's key for sorting, sharding and joining.
    pub fn key(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// Why this cluster cannot be audited at all, if so.
    pub fn unreadable(&self) -> Option<&str> {
        self.cluster.as_ref().err().map(String::as_str)
    }

    /// The snapshot the rules judge: the managed cluster from the row, every other part
    /// unavailable with the reason.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::empty(format!("Resource Graph row {}", self.id), KUBERNETES_SKIPPED);
        snapshot.azure = Snapshot::empty("", NOT_IN_RESOURCE_GRAPH).azure;
        snapshot.azure.managed_cluster = match &self.cluster {
            Ok(cluster) => Part::Collected(cluster.clone()),
            Err(why) => Part::unavailable(why.clone()),
        };
        snapshot
    }
}

/// `tags`: an object of strings, or absent/null (no tags).
fn read_tags(tags: Option<&Value>) -> Result<BTreeMap<String, String>, String> {
    match tags {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => Ok((key.clone(), text.clone())),
                _ => Err(format!("the value of tag '{}' is not a string", key.escape_debug())),
            })
            .collect(),
        Some(_) => Err("tags is not an object".to_string()),
    }
}

fn absent_properties(row: &Value) -> Vec<String> {
    let mut absent: Vec<String> = RULE_PROPERTIES
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .filter(|key| {
            let value = match key.strip_prefix('/') {
                Some(top) => row.get(top),
                None => row.get("properties").and_then(|p| p.get(**key)),
            };
            value.is_none_or(Value::is_null)
        })
        .map(|key| key.to_string())
        .collect();
    absent.sort();
    absent.dedup();
    absent
}

/// Turns every ARM verdict that rests on a property the row lacks into `unknown`. Call it before
/// `audit::apply_config`, which recounts the summary.
pub fn mark_gaps(report: &mut Report, cluster: &FleetCluster) {
    if cluster.absent.is_empty() {
        return;
    }
    for finding in report.findings.iter_mut().filter(|f| f.status != Status::Unknown && f.resource.starts_with('/')) {
        let Some((_, keys)) = RULE_PROPERTIES.iter().find(|(rule, _)| *rule == finding.rule) else { continue };
        let Some(missing) = keys.iter().find(|key| cluster.absent.iter().any(|a| a == *key)) else { continue };
        let path = match missing.strip_prefix('/') {
            Some(top) => top.to_string(),
            None => format!("properties.{missing}"),
        };
        finding.status = Status::Unknown;
        finding.message = format!(
            "Resource Graph's row has no {path} (ARG may index an older api-version, so absent is not \"off\"); `aksguard audit -g {} -n {}` reads it from ARM",
            cluster.resource_group, cluster.name
        );
        finding.remediation = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::source;

    #[test]
    fn every_cluster_rule_names_its_properties() {
        for rule in crate::rules::ALL.iter().filter(|rule| rule.reads.contains(&source::MANAGED_CLUSTER)) {
            assert!(RULE_PROPERTIES.iter().any(|(id, _)| *id == rule.id), "{} is not in RULE_PROPERTIES", rule.id);
        }
    }

    fn row() -> Value {
        serde_json::json!({
            "id": "/subscriptions/s1/resourcegroups/rg-a/providers/microsoft.containerservice/managedclusters/aks-1",
            "name": "aks-1", "type": "microsoft.containerservice/managedclusters", "resourceGroup": "rg-a",
            "location": "eastus", "tags": {"env": "prod"},
            "properties": {"kubernetesVersion": "1.33.2", "disableLocalAccounts": false, "aadProfile": {"managed": true}}
        })
    }

    #[test]
    fn a_row_reads_as_a_cluster_with_its_gaps() {
        let cluster = FleetCluster::from_row(&row()).unwrap();
        assert_eq!(
            (cluster.name.as_str(), cluster.subscription.as_str(), cluster.resource_group.as_str()),
            ("aks-1", "s1", "rg-a")
        );
        assert_eq!(cluster.tags.as_ref().unwrap()["env"], "prod");
        assert!(cluster.absent.contains(&"securityProfile".to_string()));
        assert!(!cluster.absent.contains(&"disableLocalAccounts".to_string()));
        assert_eq!(cluster.cluster.as_ref().unwrap().properties.disable_local_accounts, Some(false));
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_unknown_not_dropped() {
        let mut bad = row();
        bad["properties"]["enableRBAC"] = serde_json::json!("yes");
        bad["tags"] = serde_json::json!({"env": 1});
        let cluster = FleetCluster::from_row(&bad).unwrap();
        assert!(cluster.unreadable().unwrap().contains("cannot be read"));
        assert!(cluster.tags.unwrap_err().contains("'env'"));
        assert!(FleetCluster::from_row(&serde_json::json!({"name": "x"})).is_err());
    }

    #[test]
    fn a_verdict_on_an_absent_property_becomes_unknown() {
        let cluster = FleetCluster::from_row(&row()).unwrap();
        let snapshot = cluster.snapshot();
        let rules: Vec<&crate::rules::Rule> = crate::rules::ALL
            .iter()
            .copied()
            .filter(|r| ["defender-enabled", "local-accounts"].contains(&r.id))
            .collect();
        let mut report = crate::audit::run(&snapshot, &rules, &crate::rules::Settings::default());
        mark_gaps(&mut report, &cluster);
        let status = |id: &str| report.findings.iter().find(|f| f.rule == id).map(|f| (f.status, f.message.clone()));
        let (defender, why) = status("defender-enabled").unwrap();
        assert_eq!(defender, Status::Unknown);
        assert!(why.contains("properties.securityProfile") || why.contains("not read"), "{why}");
        // disableLocalAccounts is in the row: its verdict stands.
        assert_eq!(status("local-accounts").unwrap().0, Status::Fail);
    }
}
