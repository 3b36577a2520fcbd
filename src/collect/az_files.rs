//! `--from-az`: JSON printed by `az` (or returned by the ARM REST API), recognised by content.
//!
//! | command | recognised by `type` |
//! |---|---|
//! | `az aks show -o json` | `Microsoft.ContainerService/managedClusters` |
//! | `az aks maintenanceconfiguration list -o json` | `.../maintenanceConfigurations` (a list) |
//! | `az aks get-upgrades -o json` | `.../managedClusters/upgradeProfiles` |
//! | `az security pricing show -n Containers -o json` | `Microsoft.Security/pricings`, name `Containers` |
//! | `az monitor diagnostic-settings list --resource ID -o json` | `Microsoft.Insights/diagnosticSettings` (a list) |
//!
//! An empty list (`[]`) does not say what it lists, so the list kinds that were asked for are
//! named with `--az-lists`; a named kind with no documents counts as collected and empty.
//! | `az aks nodepool get-upgrades -o json` (one per pool) | `.../managedClusters/agentPools/upgradeProfiles` |
//! | `az aks get-versions -l REGION -o json` | no `type`: an object whose `values[]` have a `version` |

use super::input::{invalid_json, read_text};
use crate::snapshot::arm::{
    AgentPoolUpgradeProfile, DefenderPricing, DiagnosticSetting, KubernetesVersions, MaintenanceConfiguration,
    ManagedCluster, UpgradeProfile, id_segment,
};
use crate::snapshot::{Part, Snapshot};
use anyhow::{Result, bail};
use serde_json::Value;
use std::path::Path;

const WHAT_IT_READS: &str = "it reads `az aks show`, `az aks maintenanceconfiguration list`, `az aks get-upgrades`, `az security pricing show -n Containers`, `az monitor diagnostic-settings list`, `az aks nodepool get-upgrades` and `az aks get-versions` output (-o json)";

/// The list-shaped az outputs, which `--az-lists` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzList {
    MaintenanceConfigurations,
    DiagnosticSettings,
}

impl AzList {
    pub const ALL: [AzList; 2] = [AzList::MaintenanceConfigurations, AzList::DiagnosticSettings];

    pub fn name(self) -> &'static str {
        match self {
            AzList::MaintenanceConfigurations => "maintenanceconfigurations",
            AzList::DiagnosticSettings => "diagnosticsettings",
        }
    }

    pub fn parse(text: &str) -> Result<AzList, String> {
        let lower = text.trim().to_ascii_lowercase().replace('-', "");
        AzList::ALL.into_iter().find(|kind| kind.name() == lower).ok_or_else(|| {
            format!("'{text}' is not an az list aksguard reads (maintenanceconfigurations, diagnosticsettings)")
        })
    }
}

/// One recognised ARM document.
enum ArmDocument {
    Cluster(Box<ManagedCluster>),
    Maintenance(Vec<MaintenanceConfiguration>),
    Upgrades(UpgradeProfile),
    Pricing(DefenderPricing),
    DiagnosticSettings(Vec<DiagnosticSetting>),
    /// `[]`: a list of nothing, of a kind it does not say.
    EmptyList,
    PoolUpgrades(AgentPoolUpgradeProfile),
    Versions(KubernetesVersions),
}

/// Reads every `--from-az` file into the snapshot's ARM parts.
pub fn read_into(
    paths: &[std::path::PathBuf],
    lists: &[AzList],
    snapshot: &mut Snapshot,
    notes: &mut Vec<String>,
) -> Result<()> {
    // A list named by --az-lists is collected even when no file holds one of its documents.
    let mut cluster: Option<(ManagedCluster, &Path)> = None;
    let mut maintenance: Option<Vec<MaintenanceConfiguration>> =
        lists.contains(&AzList::MaintenanceConfigurations).then(Vec::new);
    let mut diagnostics: Option<Vec<DiagnosticSetting>> = lists.contains(&AzList::DiagnosticSettings).then(Vec::new);
    let mut upgrades = None;
    let mut pricing = None;
    let mut pool_upgrades: Option<Vec<AgentPoolUpgradeProfile>> = None;
    let mut versions = None;
    for path in paths {
        for document in read_file(path)? {
            match document {
                ArmDocument::Cluster(found) => {
                    if let Some((_, first)) = &cluster {
                        bail!(
                            "{} and {} both hold a managed cluster; audit one cluster at a time",
                            first.display(),
                            path.display()
                        );
                    }
                    cluster = Some((*found, path));
                }
                ArmDocument::Maintenance(list) => maintenance.get_or_insert_with(Vec::new).extend(list),
                ArmDocument::Upgrades(profile) => upgrades = Some(profile),
                ArmDocument::Pricing(found) => pricing = Some(found),
                ArmDocument::DiagnosticSettings(list) => diagnostics.get_or_insert_with(Vec::new).extend(list),
                ArmDocument::EmptyList if lists.is_empty() => notes.push(format!(
                    "{} is an empty list, which does not say what it lists; name the lists you passed with --az-lists {}",
                    path.display(),
                    AzList::ALL.map(AzList::name).join(",")
                )),
                ArmDocument::EmptyList => {}
                ArmDocument::PoolUpgrades(profile) => {
                    add_pool_profile(pool_upgrades.get_or_insert_with(Vec::new), profile)
                }
                ArmDocument::Versions(found) => versions = Some(found),
            }
        }
    }
    if let Some((cluster, path)) = &cluster {
        let configurations = maintenance
            .iter()
            .flatten()
            .map(|c| (format!("maintenance configuration {}", c.name.as_deref().unwrap_or("?")), c.id.as_deref()));
        let pools = pool_upgrades
            .iter()
            .flatten()
            .map(|p| (format!("the upgrade profile of agent pool {}", p.pool().unwrap_or("?")), p.id.as_deref()));
        check_same_cluster(cluster, path, configurations.chain(pools))?;
    }
    let azure = &mut snapshot.azure;
    azure.managed_cluster =
        cluster.map_or_else(|| missing("az aks show -g RG -n NAME -o json"), |(c, _)| Part::Collected(c));
    azure.maintenance_configurations = maintenance.map_or_else(
        || missing("az aks maintenanceconfiguration list -g RG --cluster-name NAME -o json"),
        Part::Collected,
    );
    azure.upgrade_profile =
        upgrades.map_or_else(|| missing("az aks get-upgrades -g RG -n NAME -o json"), Part::Collected);
    azure.defender_pricing =
        pricing.map_or_else(|| missing("az security pricing show -n Containers -o json"), Part::Collected);
    azure.diagnostic_settings = diagnostics
        .map_or_else(|| missing("az monitor diagnostic-settings list --resource CLUSTER_ID -o json"), Part::Collected);
    azure.agent_pool_upgrade_profiles = pool_upgrades.map_or_else(
        || missing("az aks nodepool get-upgrades -g RG --cluster-name NAME -n POOL -o json"),
        Part::Collected,
    );
    azure.kubernetes_versions =
        versions.map_or_else(|| missing("az aks get-versions -l REGION -o json"), Part::Collected);
    Ok(())
}

/// One profile per pool: the same pool given twice counts once (the last one read).
fn add_pool_profile(profiles: &mut Vec<AgentPoolUpgradeProfile>, profile: AgentPoolUpgradeProfile) {
    profiles.retain(|known| known.pool().is_none() || known.pool() != profile.pool());
    profiles.push(profile);
}

fn missing<T>(command: &str) -> Part<T> {
    Part::unavailable(format!("not provided: pass the output of `{command}` with --from-az"))
}

/// Maintenance configurations or pool upgrade profiles of another cluster would make the audit
/// wrong, not just incomplete. `owned`: what each document is, and its ARM id.
fn check_same_cluster<'a>(
    cluster: &ManagedCluster,
    path: &Path,
    owned: impl IntoIterator<Item = (String, Option<&'a str>)>,
) -> Result<()> {
    let Some(name) = cluster.name.as_deref() else { return Ok(()) };
    for (what, id) in owned {
        let owner = id.and_then(|id| id_segment(id, "managedclusters"));
        if let Some(owner) = owner.filter(|owner| !owner.eq_ignore_ascii_case(name)) {
            bail!(
                "{what} belongs to cluster {owner}, but {} is cluster {name}; pass the files of one cluster",
                path.display()
            );
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<ArmDocument>> {
    let text = read_text(path, "--from-az")?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|err| invalid_json(path, &err, "pass the unmodified output of an az command run with -o json"))?;
    let documents = match &value {
        // `az ... list` prints an array; the ARM REST list body wraps it in `value`.
        Value::Array(items) => read_list(path, items)?,
        Value::Object(map) if map.get("value").is_some_and(Value::is_array) => {
            read_list(path, map["value"].as_array().expect("checked above"))?
        }
        Value::Object(_) if KubernetesVersions::recognises(&value) => {
            let versions = serde_json::from_value(value.clone()).map_err(|err| {
                anyhow::anyhow!("{} holds a Kubernetes version list that cannot be read ({err})", path.display())
            })?;
            vec![ArmDocument::Versions(versions)]
        }
        Value::Object(_) => vec![read_document(path, &value, false)?.expect("a single document is never skipped")],
        _ => bail!("{} holds a JSON {}, not az output; {WHAT_IT_READS}", path.display(), json_kind(&value)),
    };
    Ok(documents)
}

fn read_list(path: &Path, items: &[Value]) -> Result<Vec<ArmDocument>> {
    if items.is_empty() {
        return Ok(vec![ArmDocument::EmptyList]);
    }
    let mut documents = Vec::new();
    let mut maintenance = Vec::new();
    let mut diagnostics = Vec::new();
    for item in items {
        match read_document(path, item, true)? {
            Some(ArmDocument::Maintenance(list)) => maintenance.extend(list),
            Some(ArmDocument::DiagnosticSettings(list)) => diagnostics.extend(list),
            Some(other) => documents.push(other),
            None => {}
        }
    }
    let clusters = documents.iter().filter(|d| matches!(d, ArmDocument::Cluster(_))).count();
    if clusters > 1 {
        bail!(
            "{} lists {clusters} managed clusters; pass `az aks show -g RG -n NAME -o json` for the one to audit",
            path.display()
        );
    }
    if !maintenance.is_empty() {
        documents.push(ArmDocument::Maintenance(maintenance));
    }
    if !diagnostics.is_empty() {
        documents.push(ArmDocument::DiagnosticSettings(diagnostics));
    }
    if documents.is_empty() {
        bail!(
            "{} lists no document aksguard reads (for example, a pricing list without the Containers plan); {WHAT_IT_READS}",
            path.display()
        );
    }
    Ok(documents)
}

/// Recognises one document by its ARM `type`. `in_list`: other Defender plans of a pricing list
/// are skipped (`None`) rather than rejected.
fn read_document(path: &Path, doc: &Value, in_list: bool) -> Result<Option<ArmDocument>> {
    let Some(resource_type) = doc.get("type").and_then(Value::as_str) else {
        if doc.get("apiVersion").is_some() && doc.get("kind").is_some() {
            bail!("{} looks like kubectl output; pass it with --from-kubectl", path.display());
        }
        bail!("{} is not a document aksguard reads (it has no ARM `type`); {WHAT_IT_READS}", path.display());
    };
    let parsed = |err: serde_json::Error| {
        anyhow::anyhow!("{} holds a {resource_type} that cannot be read ({err})", path.display())
    };
    let lower = resource_type.to_ascii_lowercase();
    let document = match lower.as_str() {
        "microsoft.containerservice/managedclusters" => {
            ArmDocument::Cluster(Box::new(ManagedCluster::from_document(doc).map_err(parsed)?))
        }
        "microsoft.containerservice/managedclusters/maintenanceconfigurations" => {
            ArmDocument::Maintenance(vec![MaintenanceConfiguration::from_document(doc).map_err(parsed)?])
        }
        "microsoft.containerservice/managedclusters/upgradeprofiles" => {
            ArmDocument::Upgrades(UpgradeProfile::from_document(doc).map_err(parsed)?)
        }
        "microsoft.insights/diagnosticsettings" => {
            ArmDocument::DiagnosticSettings(vec![DiagnosticSetting::from_document(doc).map_err(parsed)?])
        }
        "microsoft.containerservice/managedclusters/agentpools/upgradeprofiles" => {
            ArmDocument::PoolUpgrades(AgentPoolUpgradeProfile::from_document(doc).map_err(parsed)?)
        }
        "microsoft.security/pricings" => {
            let pricing = DefenderPricing::from_document(doc).map_err(parsed)?;
            match pricing.name.as_deref() {
                Some(name) if name.eq_ignore_ascii_case("Containers") => ArmDocument::Pricing(pricing),
                _ if in_list => return Ok(None),
                Some(name) if name.eq_ignore_ascii_case("KubernetesService") => bail!(
                    "{} is the deprecated KubernetesService Defender plan, not Defender for Containers; pass `az security pricing show -n Containers -o json`",
                    path.display()
                ),
                other => bail!(
                    "{} is the Defender plan {}, not Containers; pass `az security pricing show -n Containers -o json`",
                    path.display(),
                    other.unwrap_or("with no name")
                ),
            }
        }
        _ => bail!("{} is a {resource_type} document, which aksguard does not read; {WHAT_IT_READS}", path.display()),
    };
    Ok(Some(document))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
