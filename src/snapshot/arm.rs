//! Typed models of the ARM (AKS management API) documents rules read: only the fields that matter
//! for security posture. They read both shapes users have:
//! - the ARM REST body (`properties` wrapper, ARM casing: `enableRBAC`, `authorizedIPRanges`), and
//! - `az ... -o json` (properties flattened into the top level, SDK casing: `enableRbac`,
//!   `authorizedIpRanges`, explicit `null`s everywhere).
//!
//! They are written back in the ARM shape. Enum-like values (`networkPolicy`, `upgradeChannel`,
//! `sku.tier`) stay strings so values newer than this code (`cilium`, `Premium`) are never lost.
//! Anything not modelled here (SSH keys, service principal secrets, ...) is dropped on read.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `null` (as az prints for empty lists and maps) reads as the empty value.
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads an ARM resource whose properties are either under `properties` (ARM REST) or merged into
/// the top level (az CLI). `R` holds the envelope fields, `P` the properties.
pub fn read_resource<R, P>(doc: &Value) -> Result<(R, P), serde_json::Error>
where
    R: DeserializeOwned,
    P: DeserializeOwned,
{
    use crate::strict_json::Strict;
    let envelope = R::deserialize(Strict::new(doc))?;
    // `properties` that are there but not an object are an error, not the az shape.
    let properties = match doc.get("properties") {
        Some(Value::Null) | None => P::deserialize(Strict::new(doc))?,
        Some(wrapped) => {
            P::deserialize(Strict::new(wrapped)).map_err(|err| crate::strict_json::under("properties", err))?
        }
    };
    Ok((envelope, properties))
}

/// A model of one ARM document, read from either shape. Most models are the envelope (`id`, made
/// canonical, and `name`) plus their `properties`: they say how to [`assemble`](Self::assemble)
/// them and share [`from_document`](Self::from_document); a model of another shape overrides it.
pub trait ArmResource: Sized {
    type Properties: DeserializeOwned;

    fn assemble(envelope: Envelope, properties: Self::Properties) -> Self;

    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        let (mut envelope, properties): (Envelope, Self::Properties) = read_resource(doc)?;
        envelope.id = envelope.id.map(canonical_id);
        Ok(Self::assemble(envelope, properties))
    }

    /// Why a document of the right type is still not this source (`is <why>`), if it is not.
    fn refuse(&self) -> Option<String> {
        None
    }

    /// What the document is, for a message that it belongs to another cluster.
    fn describe(&self) -> Option<String> {
        None
    }

    /// A document without an ARM `type` that has this model's shape (`--from-az`).
    fn recognises(_doc: &Value) -> bool {
        false
    }
}

// Defender, Azure Policy and Azure RBAC models (issue 13) live in their own modules; the
// declaration names every model in `snapshot::arm`.
pub use super::authorization::RoleAssignment;
pub use super::policy::{ComponentPolicyState, PolicyAssignment, PolicyState};
pub use super::security::{ClusterPricing, SecurityAlert, SecurityAssessment, SubAssessment};

/// The envelope every ARM resource has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Envelope {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    pub location: Option<String>,
}

/// `Microsoft.ContainerService/managedClusters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ManagedCluster {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    pub location: Option<String>,
    pub sku: Option<ClusterSku>,
    pub identity: Option<ClusterIdentity>,
    pub properties: ClusterProperties,
}

impl ArmResource for ManagedCluster {
    type Properties = ClusterProperties;

    fn assemble(envelope: Envelope, properties: ClusterProperties) -> Self {
        let Envelope { id, name, resource_type, location } = envelope;
        ManagedCluster { id, name, resource_type, location, sku: None, identity: None, properties }
    }

    /// The envelope also holds `sku` and `identity`.
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        #[derive(Default, Deserialize)]
        #[serde(default, rename_all = "camelCase")]
        struct Top {
            #[serde(flatten)]
            envelope: Envelope,
            sku: Option<ClusterSku>,
            identity: Option<ClusterIdentity>,
        }
        let (mut top, properties): (Top, ClusterProperties) = read_resource(doc)?;
        top.envelope.id = top.envelope.id.map(canonical_id);
        Ok(ManagedCluster { sku: top.sku, identity: top.identity, ..Self::assemble(top.envelope, properties) })
    }
}

impl ManagedCluster {
    /// Resource group, parsed from the ARM id (`/subscriptions/S/resourceGroups/RG/...`).
    pub fn resource_group(&self) -> Option<&str> {
        id_segment(self.id.as_deref()?, "resourcegroups")
    }

    pub fn subscription_id(&self) -> Option<&str> {
        id_segment(self.id.as_deref()?, "subscriptions")
    }

    /// An add-on profile by key, whatever its case (`omsagent`, `omsAgent`).
    pub fn addon(&self, key: &str) -> Option<&AddonProfile> {
        self.properties.addon_profiles.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }
}

/// An ARM id with the casing of its well-known segments fixed: az prints `/resourcegroups/`
/// where ARM returns `/resourceGroups/`, and findings must not differ with the input's shape.
pub fn canonical_id(id: String) -> String {
    if !id.split('/').any(|segment| segment.eq_ignore_ascii_case("resourcegroups") && segment != "resourceGroups") {
        return id;
    }
    id.split('/')
        .map(|segment| if segment.eq_ignore_ascii_case("resourcegroups") { "resourceGroups" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// The value after `key` in an ARM id, matched without regard to case (ARM ids vary in case).
pub fn id_segment<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(key) {
            return parts.next().filter(|value| !value.is_empty());
        }
    }
    None
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterSku {
    pub name: Option<String>,
    pub tier: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterIdentity {
    #[serde(rename = "type")]
    pub identity_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterProperties {
    pub provisioning_state: Option<String>,
    pub kubernetes_version: Option<String>,
    pub current_kubernetes_version: Option<String>,
    pub support_plan: Option<String>,
    pub fqdn: Option<String>,
    #[serde(rename = "privateFQDN", alias = "privateFqdn")]
    pub private_fqdn: Option<String>,
    #[serde(rename = "azurePortalFQDN", alias = "azurePortalFqdn")]
    pub azure_portal_fqdn: Option<String>,
    #[serde(rename = "enableRBAC", alias = "enableRbac")]
    pub enable_rbac: Option<bool>,
    pub disable_local_accounts: Option<bool>,
    pub aad_profile: Option<AadProfile>,
    pub api_server_access_profile: Option<ApiServerAccessProfile>,
    pub auto_upgrade_profile: Option<AutoUpgradeProfile>,
    pub security_profile: Option<SecurityProfile>,
    pub network_profile: Option<NetworkProfile>,
    pub storage_profile: Option<StorageProfile>,
    pub oidc_issuer_profile: Option<Enabled>,
    pub azure_monitor_profile: Option<AzureMonitorProfile>,
    pub service_principal_profile: Option<ServicePrincipalProfile>,
    #[serde(deserialize_with = "null_as_default")]
    pub addon_profiles: BTreeMap<String, AddonProfile>,
    #[serde(deserialize_with = "null_as_default")]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AadProfile {
    pub managed: Option<bool>,
    #[serde(rename = "enableAzureRBAC", alias = "enableAzureRbac")]
    pub enable_azure_rbac: Option<bool>,
    #[serde(rename = "adminGroupObjectIDs", alias = "adminGroupObjectIds", deserialize_with = "null_as_default")]
    pub admin_group_object_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiServerAccessProfile {
    #[serde(rename = "authorizedIPRanges", alias = "authorizedIpRanges", deserialize_with = "null_as_default")]
    pub authorized_ip_ranges: Vec<String>,
    pub enable_private_cluster: Option<bool>,
    #[serde(rename = "enablePrivateClusterPublicFQDN", alias = "enablePrivateClusterPublicFqdn")]
    pub enable_private_cluster_public_fqdn: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutoUpgradeProfile {
    pub upgrade_channel: Option<String>,
    #[serde(rename = "nodeOSUpgradeChannel", alias = "nodeOsUpgradeChannel")]
    pub node_os_upgrade_channel: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityProfile {
    pub defender: Option<DefenderProfile>,
    pub image_integrity: Option<Enabled>,
    pub workload_identity: Option<Enabled>,
    /// KMS etcd encryption with a key in Azure Key Vault; absent when it was never turned on.
    pub azure_key_vault_kms: Option<AzureKeyVaultKms>,
    /// Image Cleaner (Eraser): removes unused, vulnerable images from the nodes.
    pub image_cleaner: Option<ImageCleaner>,
}

/// KMS settings. The key id is the key's URL in Key Vault (vault, key name, version): it names the
/// key, it is not key material.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AzureKeyVaultKms {
    pub enabled: Option<bool>,
    pub key_id: Option<String>,
    /// `Public` or `Private`.
    pub key_vault_network_access: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ImageCleaner {
    pub enabled: Option<bool>,
    pub interval_hours: Option<u32>,
}

/// The CSI drivers and the snapshot controller AKS manages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StorageProfile {
    #[serde(rename = "diskCSIDriver", alias = "diskCsiDriver")]
    pub disk_csi_driver: Option<Enabled>,
    #[serde(rename = "fileCSIDriver", alias = "fileCsiDriver")]
    pub file_csi_driver: Option<Enabled>,
    #[serde(rename = "blobCSIDriver", alias = "blobCsiDriver")]
    pub blob_csi_driver: Option<Enabled>,
    pub snapshot_controller: Option<Enabled>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DefenderProfile {
    pub security_monitoring: Option<Enabled>,
    pub log_analytics_workspace_resource_id: Option<String>,
}

/// The many `{ "enabled": bool }` blocks of the ARM API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Enabled {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkProfile {
    pub network_plugin: Option<String>,
    pub network_plugin_mode: Option<String>,
    pub network_policy: Option<String>,
    pub network_dataplane: Option<String>,
}

/// Managed Prometheus (`metrics`) and Container Insights (`containerInsights`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AzureMonitorProfile {
    pub metrics: Option<Enabled>,
    pub container_insights: Option<Enabled>,
}

/// Only the client id, which identifies the principal; the secret is never read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePrincipalProfile {
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddonProfile {
    pub enabled: Option<bool>,
    /// Add-on settings; ARM sends every value as a string (`"true"`).
    #[serde(deserialize_with = "addon_config")]
    pub config: BTreeMap<String, String>,
}

/// Reads add-on config values as strings whatever JSON type they arrive as; drops nulls.
fn addon_config<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, Value>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| match value {
            Value::Null => None,
            Value::String(text) => Some((key, text)),
            other => Some((key, other.to_string())),
        })
        .collect())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolProfile {
    pub name: Option<String>,
    pub mode: Option<String>,
    pub os_type: Option<String>,
    pub count: Option<u32>,
    pub orchestrator_version: Option<String>,
    pub current_orchestrator_version: Option<String>,
    pub node_image_version: Option<String>,
    #[serde(rename = "enableNodePublicIP", alias = "enableNodePublicIp")]
    pub enable_node_public_ip: Option<bool>,
    pub upgrade_settings: Option<UpgradeSettings>,
    pub security_profile: Option<AgentPoolSecurityProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpgradeSettings {
    pub max_surge: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolSecurityProfile {
    pub ssh_access: Option<String>,
}

/// `Microsoft.ContainerService/managedClusters/maintenanceConfigurations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MaintenanceConfiguration {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: MaintenanceProperties,
}

impl ArmResource for MaintenanceConfiguration {
    type Properties = MaintenanceProperties;
    fn assemble(envelope: Envelope, properties: MaintenanceProperties) -> Self {
        MaintenanceConfiguration { id: envelope.id, name: envelope.name, properties }
    }
    fn describe(&self) -> Option<String> {
        Some(format!("maintenance configuration {}", self.name.as_deref().unwrap_or("?")))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MaintenanceProperties {
    /// The legacy `default` configuration's hour slots.
    #[serde(deserialize_with = "null_as_default")]
    pub time_in_week: Vec<TimeInWeek>,
    pub maintenance_window: Option<MaintenanceWindow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TimeInWeek {
    pub day: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub hour_slots: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MaintenanceWindow {
    pub schedule: Option<Schedule>,
    pub duration_hours: Option<u32>,
    pub utc_offset: Option<String>,
    pub start_date: Option<String>,
    pub start_time: Option<String>,
}

/// Exactly one of these is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Schedule {
    pub daily: Option<DailySchedule>,
    pub weekly: Option<WeeklySchedule>,
    pub absolute_monthly: Option<AbsoluteMonthlySchedule>,
    pub relative_monthly: Option<RelativeMonthlySchedule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DailySchedule {
    pub interval_days: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WeeklySchedule {
    pub interval_weeks: Option<u32>,
    pub day_of_week: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AbsoluteMonthlySchedule {
    pub interval_months: Option<u32>,
    pub day_of_month: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RelativeMonthlySchedule {
    pub interval_months: Option<u32>,
    pub week_index: Option<String>,
    pub day_of_week: Option<String>,
}

/// `Microsoft.ContainerService/managedClusters/upgradeProfiles` (`default`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpgradeProfile {
    pub id: Option<String>,
    pub properties: UpgradeProfileProperties,
}

impl ArmResource for UpgradeProfile {
    type Properties = UpgradeProfileProperties;
    fn assemble(envelope: Envelope, properties: UpgradeProfileProperties) -> Self {
        UpgradeProfile { id: envelope.id, properties }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpgradeProfileProperties {
    pub control_plane_profile: Option<PoolUpgradeProfile>,
    #[serde(deserialize_with = "null_as_default")]
    pub agent_pool_profiles: Vec<PoolUpgradeProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PoolUpgradeProfile {
    pub name: Option<String>,
    pub kubernetes_version: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub upgrades: Vec<AvailableUpgrade>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AvailableUpgrade {
    pub kubernetes_version: Option<String>,
    pub is_preview: Option<bool>,
}

/// `Microsoft.Insights/diagnosticSettings` on the managed cluster: where its control-plane logs go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticSetting {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: DiagnosticProperties,
}

impl ArmResource for DiagnosticSetting {
    type Properties = DiagnosticProperties;
    fn assemble(envelope: Envelope, properties: DiagnosticProperties) -> Self {
        DiagnosticSetting { id: envelope.id, name: envelope.name, properties }
    }
}

impl DiagnosticSetting {
    /// Sent somewhere: a Log Analytics workspace, a storage account, an event hub or a partner.
    pub fn has_destination(&self) -> bool {
        let p = &self.properties;
        [&p.workspace_id, &p.storage_account_id, &p.event_hub_authorization_rule_id, &p.marketplace_partner_id]
            .iter()
            .any(|destination| destination.as_deref().is_some_and(|d| !d.is_empty()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticProperties {
    pub workspace_id: Option<String>,
    pub storage_account_id: Option<String>,
    pub event_hub_authorization_rule_id: Option<String>,
    pub marketplace_partner_id: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub logs: Vec<DiagnosticLog>,
}

/// A log category (`kube-audit`) or category group (`audit`, `allLogs`) and whether it is sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticLog {
    pub category: Option<String>,
    pub category_group: Option<String>,
    pub enabled: Option<bool>,
}

// ---- Agent pool upgrade profiles and the region's Kubernetes versions (upgrade readiness) ----

/// `Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles` (`az aks nodepool
/// get-upgrades`): the newest node image AKS offers the pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolUpgradeProfile {
    pub id: Option<String>,
    pub properties: AgentPoolUpgradeProfileProperties,
}

impl ArmResource for AgentPoolUpgradeProfile {
    type Properties = AgentPoolUpgradeProfileProperties;
    fn assemble(envelope: Envelope, properties: AgentPoolUpgradeProfileProperties) -> Self {
        AgentPoolUpgradeProfile { id: envelope.id, properties }
    }
    fn describe(&self) -> Option<String> {
        Some(format!("the upgrade profile of agent pool {}", self.pool().unwrap_or("?")))
    }
}

impl AgentPoolUpgradeProfile {
    /// The pool's name, from the id (`.../agentPools/POOL/upgradeProfiles/default`).
    pub fn pool(&self) -> Option<&str> {
        id_segment(self.id.as_deref()?, "agentpools")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentPoolUpgradeProfileProperties {
    pub kubernetes_version: Option<String>,
    pub latest_node_image_version: Option<String>,
    pub os_type: Option<String>,
}

/// `ManagedClusters_ListKubernetesVersions` (`az aks get-versions -l REGION -o json`): the
/// minor versions AKS offers in the cluster's region. It has no ARM `type`; it is recognised by
/// its `values[].version`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KubernetesVersions {
    #[serde(deserialize_with = "null_as_default")]
    pub values: Vec<KubernetesVersion>,
}

/// No envelope: the document is the model.
impl ArmResource for KubernetesVersions {
    type Properties = KubernetesVersions;
    fn assemble(_: Envelope, versions: KubernetesVersions) -> Self {
        versions
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        KubernetesVersions::deserialize(crate::strict_json::Strict::new(doc))
    }

    /// An object whose `values` are objects with `version`.
    fn recognises(doc: &Value) -> bool {
        doc.get("values").and_then(Value::as_array).is_some_and(|values| {
            !values.is_empty() && values.iter().all(|v| v.get("version").is_some_and(Value::is_string))
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubernetesVersion {
    /// The minor version, `1.33`.
    pub version: String,
    pub is_preview: Option<bool>,
    pub capabilities: Option<VersionCapabilities>,
    /// The patch versions offered, by name (`1.33.3`); their upgrade lists are not kept.
    #[serde(deserialize_with = "patch_names")]
    pub patch_versions: BTreeMap<String, PatchVersion>,
}

/// Kept empty: only the patch versions' names matter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchVersion {}

fn patch_names<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, PatchVersion>, D::Error> {
    let raw: Option<BTreeMap<String, serde::de::IgnoredAny>> = Option::deserialize(d)?;
    Ok(raw.unwrap_or_default().into_keys().map(|name| (name, PatchVersion {})).collect())
}

impl KubernetesVersion {
    /// `KubernetesOfficial` (community support) and/or `AKSLongTermSupport`.
    pub fn support_plans(&self) -> &[String] {
        self.capabilities.as_ref().map_or(&[], |c| c.support_plan.as_slice())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VersionCapabilities {
    #[serde(deserialize_with = "null_as_default")]
    pub support_plan: Vec<String>,
}

/// `Microsoft.Security/pricings/Containers`: the subscription's Defender for Containers plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DefenderPricing {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: PricingProperties,
}

impl ArmResource for DefenderPricing {
    type Properties = PricingProperties;
    fn assemble(envelope: Envelope, properties: PricingProperties) -> Self {
        DefenderPricing { id: envelope.id, name: envelope.name, properties }
    }

    /// `pricings/Containers`, and nothing else: the deprecated `KubernetesService` plan is not
    /// Defender for Containers.
    fn refuse(&self) -> Option<String> {
        match self.name.as_deref() {
            Some(name) if name.eq_ignore_ascii_case("Containers") => None,
            Some(name) if name.eq_ignore_ascii_case("KubernetesService") => {
                Some("the deprecated KubernetesService Defender plan, not Defender for Containers".into())
            }
            other => Some(format!("the Defender plan {}, not Containers", other.unwrap_or("with no name"))),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PricingProperties {
    pub pricing_tier: Option<String>,
    pub deprecated: Option<bool>,
    #[serde(deserialize_with = "super::strict::objects")]
    pub extensions: Vec<PricingExtension>,
    /// `FullyCovered`, `PartiallyCovered` (some resources opted out: check each cluster's own
    /// plan) or `NotCovered`; subscription plans only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources_coverage_status: Option<String>,
    /// `"True"`/`"False"` (a string): a resource-level plan inherited from its subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited: Option<String>,
    /// What a deprecated plan was replaced by (`KubernetesService` → `Containers`).
    #[serde(deserialize_with = "super::strict::strings", skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PricingExtension {
    pub name: Option<String>,
    /// `"True"` / `"False"`: a string in the API.
    pub is_enabled: Option<String>,
}

impl DefenderPricing {
    /// `Standard`: the plan protects.
    pub fn is_standard(&self) -> bool {
        self.properties.pricing_tier.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Standard"))
    }

    /// An extension's `isEnabled` by name (names compared without regard to case).
    pub fn extension(&self, name: &str) -> Option<&PricingExtension> {
        self.properties.extensions.iter().find(|e| e.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_arm_and_az_casing_alike() {
        let arm = json!({
            "id": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1",
            "name": "c1",
            "properties": {
                "enableRBAC": true,
                "apiServerAccessProfile": {"authorizedIPRanges": ["1.2.3.4/32"]},
                "autoUpgradeProfile": {"nodeOSUpgradeChannel": "NodeImage"},
                "aadProfile": {"enableAzureRBAC": true, "adminGroupObjectIDs": null}
            }
        });
        let az = json!({
            "id": "/subscriptions/s/resourcegroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1",
            "name": "c1",
            "resourceGroup": "rg1",
            "enableRbac": true,
            "addonProfiles": null,
            "agentPoolProfiles": null,
            "apiServerAccessProfile": {"authorizedIpRanges": ["1.2.3.4/32"], "enablePrivateCluster": null},
            "autoUpgradeProfile": {"nodeOsUpgradeChannel": "NodeImage", "upgradeChannel": null},
            "aadProfile": {"enableAzureRbac": true, "adminGroupObjectIDs": null}
        });
        let from_arm = ManagedCluster::from_document(&arm).unwrap();
        let from_az = ManagedCluster::from_document(&az).unwrap();
        assert_eq!(from_arm.properties, from_az.properties);
        assert_eq!(from_arm.id, from_az.id, "az's lowercase resourcegroups is canonicalised");
        assert_eq!(from_az.properties.enable_rbac, Some(true));
        assert_eq!(from_az.resource_group(), Some("rg1"));
        assert_eq!(from_arm.subscription_id(), Some("s"));
    }

    #[test]
    fn addon_lookup_ignores_case_and_config_values_are_strings() {
        let doc = json!({"properties": {"addonProfiles": {
            "omsAgent": {"enabled": true, "config": {"logAnalyticsWorkspaceResourceID": "w"}},
            "azureKeyvaultSecretsProvider": {"enabled": true, "config": {"enableSecretRotation": true, "x": null}}
        }}});
        let cluster = ManagedCluster::from_document(&doc).unwrap();
        assert_eq!(cluster.addon("omsagent").and_then(|a| a.enabled), Some(true));
        let kv = cluster.addon("azurekeyvaultsecretsprovider").unwrap();
        assert_eq!(kv.config.get("enableSecretRotation").map(String::as_str), Some("true"));
        assert!(!kv.config.contains_key("x"));
    }

    #[test]
    fn reads_pool_upgrade_profiles_and_region_versions_as_the_api_returns_them() {
        // AgentPoolsGetUpgradeProfile.json and KubernetesVersions_List.json (2026-01-01), trimmed.
        let profile = json!({
            "name": "default",
            "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
            "id": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1/agentPools/agentpool1/upgradeprofiles/default",
            "properties": {"kubernetesVersion": "1.12.8", "latestNodeImageVersion": "AKSUbuntu:1604:2020.03.11", "osType": "Linux", "upgrades": [{"kubernetesVersion": "1.13.5"}]}
        });
        let profile = AgentPoolUpgradeProfile::from_document(&profile).unwrap();
        assert_eq!(profile.pool(), Some("agentpool1"));
        assert_eq!(profile.properties.latest_node_image_version.as_deref(), Some("AKSUbuntu:1604:2020.03.11"));

        let versions = json!({"values": [
            {"capabilities": {"supportPlan": ["KubernetesOfficial"]}, "patchVersions": {"1.23.12": {"upgrades": ["1.23.15"]}}, "version": "1.23"},
            {"capabilities": {"supportPlan": ["KubernetesOfficial"]}, "isPreview": true, "patchVersions": {"1.26.0": {"upgrades": []}}, "version": "1.26"}
        ]});
        assert!(KubernetesVersions::recognises(&versions));
        assert!(!KubernetesVersions::recognises(&json!({"value": []})));
        let versions: KubernetesVersions = serde_json::from_value(versions).unwrap();
        assert_eq!(versions.values[0].support_plans(), ["KubernetesOfficial"]);
        assert_eq!(versions.values[1].is_preview, Some(true));
        assert!(versions.values[0].patch_versions.contains_key("1.23.12"));
    }

    #[test]
    fn secrets_in_the_document_are_not_kept() {
        let doc = json!({"properties": {
            "servicePrincipalProfile": {"clientId": "id", "secret": "CANARY-SP-SECRET"},
            "windowsProfile": {"adminPassword": "CANARY-PASSWORD"}
        }});
        let cluster = ManagedCluster::from_document(&doc).unwrap();
        let written = serde_json::to_string(&cluster).unwrap();
        assert!(!written.contains("CANARY"));
        assert!(written.contains("\"clientId\":\"id\""));
    }
}
