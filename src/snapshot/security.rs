//! Microsoft Defender for Cloud documents: security alerts, assessments (recommendations) and
//! the registry-image vulnerability sub-assessments. Each reads the ARM REST body (`properties`
//! wrapper), `az security ... -o json` (properties flattened into the top level) and the
//! PascalCase property names Azure Resource Graph returns for the same objects (`AlertType`,
//! `resourceDetails.Id`), read strictly (see [`super::strict`]). Only what rules use is kept;
//! server text is shortened and made printable on read.

use super::arm::{ArmResource, DefenderPricing, Envelope, PricingProperties, canonical_id};
use super::strict::{self, same_id, within};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Microsoft.Security/locations/alerts` (`az security alert list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityAlert {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "strict::required")]
    pub properties: AlertProperties,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AlertProperties {
    /// `K8S_PrivilegedContainer`, `K8S.NODE_CryptoCoinMiner`, ...
    #[serde(alias = "AlertType", deserialize_with = "strict::text")]
    pub alert_type: Option<String>,
    #[serde(alias = "SystemAlertId", deserialize_with = "strict::text")]
    pub system_alert_id: Option<String>,
    #[serde(alias = "AlertDisplayName", deserialize_with = "strict::text")]
    pub alert_display_name: Option<String>,
    /// `High`, `Medium`, `Low`, `Informational`.
    #[serde(alias = "Severity", deserialize_with = "strict::text")]
    pub severity: Option<String>,
    /// `Active`, `InProgress`, `Resolved`, `Dismissed`.
    #[serde(alias = "Status", deserialize_with = "strict::text")]
    pub status: Option<String>,
    #[serde(alias = "StartTimeUtc", deserialize_with = "strict::text")]
    pub start_time_utc: Option<String>,
    #[serde(alias = "CompromisedEntity", deserialize_with = "strict::text")]
    pub compromised_entity: Option<String>,
    #[serde(alias = "AlertUri", deserialize_with = "strict::text")]
    pub alert_uri: Option<String>,
    #[serde(alias = "ResourceIdentifiers", deserialize_with = "strict::objects")]
    pub resource_identifiers: Vec<ResourceIdentifier>,
    #[serde(alias = "RemediationSteps", deserialize_with = "strict::strings")]
    pub remediation_steps: Vec<String>,
}

/// One resource an alert is about: an `AzureResource` (an ARM id) or a `LogAnalytics` workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceIdentifier {
    #[serde(rename = "type", alias = "Type")]
    pub identifier_type: Option<String>,
    #[serde(alias = "AzureResourceId")]
    pub azure_resource_id: Option<String>,
}

impl ArmResource for SecurityAlert {
    type Properties = AlertProperties;
    fn assemble(envelope: Envelope, properties: AlertProperties) -> Self {
        SecurityAlert { id: envelope.id, name: envelope.name, properties }
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::resource(doc, "a security alert")
    }
}

impl SecurityAlert {
    /// Whether one of the alert's resource identifiers is `resource` or lies under it (a node
    /// pool, a container of the cluster). An alert on another cluster never is.
    pub fn names(&self, resource: &str) -> bool {
        self.properties
            .resource_identifiers
            .iter()
            .filter_map(|r| r.azure_resource_id.as_deref())
            .any(|id| within(id, resource))
    }

    /// Active and in-progress alerts need action; resolved and dismissed ones do not.
    pub fn is_open(&self) -> bool {
        matches!(
            self.properties.status.as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some("active" | "inprogress")
        )
    }
}

/// `Microsoft.Security/assessments`: a Defender recommendation's verdict on one resource
/// (`az security assessment list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityAssessment {
    pub id: Option<String>,
    /// The assessment key (a GUID, the recommendation's identity).
    pub name: Option<String>,
    #[serde(deserialize_with = "strict::required")]
    pub properties: AssessmentProperties,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssessmentProperties {
    #[serde(deserialize_with = "strict::text")]
    pub display_name: Option<String>,
    #[serde(deserialize_with = "strict::object")]
    pub resource_details: Option<ResourceDetails>,
    #[serde(deserialize_with = "strict::object")]
    pub status: Option<AssessmentStatus>,
    #[serde(deserialize_with = "strict::object")]
    pub metadata: Option<AssessmentMetadata>,
    #[serde(deserialize_with = "strict::object")]
    pub links: Option<AssessmentLinks>,
}

/// The assessed resource. The REST API writes `id`/`source`, Resource Graph `Id`/`Source`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceDetails {
    #[serde(alias = "Id")]
    pub id: Option<String>,
    #[serde(alias = "Source")]
    pub source: Option<String>,
    #[serde(alias = "ResourceType", skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssessmentStatus {
    /// `Healthy`, `Unhealthy`, `NotApplicable`.
    pub code: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub cause: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssessmentMetadata {
    #[serde(deserialize_with = "strict::text")]
    pub display_name: Option<String>,
    /// `High`, `Medium`, `Low`.
    pub severity: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub remediation_description: Option<String>,
    pub policy_definition_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssessmentLinks {
    #[serde(deserialize_with = "strict::text")]
    pub azure_portal_uri: Option<String>,
}

impl ArmResource for SecurityAssessment {
    type Properties = AssessmentProperties;
    fn assemble(envelope: Envelope, properties: AssessmentProperties) -> Self {
        SecurityAssessment { id: envelope.id.map(canonical_id), name: envelope.name, properties }
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::resource(doc, "a security assessment")
    }
}

impl SecurityAssessment {
    /// The assessed resource's id: `resourceDetails.id`, else the resource the assessment id
    /// hangs under (`{resource}/providers/Microsoft.Security/assessments/{key}`).
    pub fn resource_id(&self) -> Option<&str> {
        let details = self.properties.resource_details.as_ref().and_then(|d| d.id.as_deref());
        details.or_else(|| {
            let id = self.id.as_deref()?;
            let cut = id.to_ascii_lowercase().rfind("/providers/microsoft.security/assessments/")?;
            Some(&id[..cut])
        })
    }

    /// About `resource` itself or something under it (its node pools, its containers).
    pub fn is_about(&self, resource: &str) -> bool {
        self.resource_id().is_some_and(|id| within(id, resource))
    }

    pub fn status_code(&self) -> Option<&str> {
        self.properties.status.as_ref().and_then(|s| s.code.as_deref())
    }

    pub fn title(&self) -> &str {
        let metadata = self.properties.metadata.as_ref().and_then(|m| m.display_name.as_deref());
        self.properties
            .display_name
            .as_deref()
            .or(metadata)
            .or(self.name.as_deref())
            .unwrap_or("unnamed recommendation")
    }

    /// The recommendation's page in the portal: the link Defender gives, else the one every
    /// recommendation has by its key.
    pub fn portal_link(&self) -> Option<String> {
        let given = self.properties.links.as_ref().and_then(|l| l.azure_portal_uri.clone());
        given.or_else(|| {
            let key = self.name.as_deref().filter(|k| k.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))?;
            Some(format!(
                "https://portal.azure.com/#blade/Microsoft_Azure_Security/RecommendationsBlade/assessmentKey/{key}"
            ))
        })
    }
}

/// The assessment key of Defender's registry-image vulnerability findings (Microsoft Defender
/// Vulnerability Management): "Azure registry container images should have vulnerabilities
/// resolved". Its sub-assessments are one per vulnerability per image.
pub const REGISTRY_IMAGE_VULNERABILITIES: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";

/// `Microsoft.Security/assessments/subAssessments`: one vulnerability in one registry image
/// (`az security sub-assessment list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubAssessment {
    pub id: Option<String>,
    #[serde(deserialize_with = "strict::required")]
    pub properties: SubAssessmentProperties,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubAssessmentProperties {
    /// The vulnerability id (a CVE).
    #[serde(deserialize_with = "strict::text")]
    pub id: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub display_name: Option<String>,
    #[serde(deserialize_with = "strict::object")]
    pub status: Option<SubAssessmentStatus>,
    #[serde(deserialize_with = "strict::object")]
    pub additional_data: Option<VulnerabilityData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubAssessmentStatus {
    /// `Unhealthy` for a vulnerability that counts; `NotApplicable` when exempt or disabled.
    pub code: Option<String>,
    pub severity: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub cause: Option<String>,
}

/// `additionalData` of an `AzureContainerRegistryVulnerability` (MDVM) sub-assessment. Other
/// kinds (the retired Qualys `ContainerRegistryVulnerability`, server vulnerabilities) have no
/// `artifactDetails` and are never joined with running images.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VulnerabilityData {
    pub assessed_resource_type: Option<String>,
    #[serde(deserialize_with = "strict::object")]
    pub vulnerability_details: Option<VulnerabilityDetails>,
    #[serde(deserialize_with = "strict::object")]
    pub artifact_details: Option<ArtifactDetails>,
    #[serde(deserialize_with = "strict::object")]
    pub software_details: Option<SoftwareDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VulnerabilityDetails {
    #[serde(deserialize_with = "strict::text")]
    pub cve_id: Option<String>,
    /// `Critical`, `High`, `Medium`, `Low`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArtifactDetails {
    pub registry_host: Option<String>,
    pub repository_name: Option<String>,
    /// `sha256:...`: the image's manifest digest, which the kubelet reports as `imageID`.
    pub digest: Option<String>,
    #[serde(deserialize_with = "strict::strings")]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SoftwareDetails {
    #[serde(deserialize_with = "strict::text")]
    pub package_name: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub version: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub fixed_version: Option<String>,
    /// `FixAvailable`, `NoFixAvailable`, `Scheduled`, `WontFix`, `Unknown`.
    pub fix_status: Option<String>,
}

impl ArmResource for SubAssessment {
    type Properties = SubAssessmentProperties;
    fn assemble(envelope: Envelope, properties: SubAssessmentProperties) -> Self {
        SubAssessment { id: envelope.id, properties }
    }
    /// az flattens the properties into the top level, where the vulnerability's own `id` would
    /// clash with the resource's: az prints it as `idPropertiesId`.
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::expect_object(doc, "a security sub-assessment")?;
        if doc.get("properties").is_some_and(|p| !p.is_null()) {
            return strict::resource(doc, "a security sub-assessment");
        }
        let mut flat = doc.as_object().cloned().unwrap_or_default();
        flat.remove("id");
        if let Some(own) = flat.remove("idPropertiesId") {
            flat.insert("id".into(), own);
        }
        let flat = Value::Object(flat);
        let properties = SubAssessmentProperties::deserialize(crate::strict_json::Strict::new(&flat))?;
        Ok(Self::assemble(Envelope::deserialize(crate::strict_json::Strict::new(doc))?, properties))
    }
}

impl SubAssessment {
    pub fn artifact(&self) -> Option<&ArtifactDetails> {
        self.properties.additional_data.as_ref()?.artifact_details.as_ref()
    }

    /// An open vulnerability: `Unhealthy`, not exempt or disabled.
    pub fn is_open(&self) -> bool {
        self.properties
            .status
            .as_ref()
            .and_then(|s| s.code.as_deref())
            .is_some_and(|c| c.eq_ignore_ascii_case("Unhealthy"))
    }

    /// The vulnerability's severity: `vulnerabilityDetails.severity`, else the status's.
    pub fn severity(&self) -> Option<&str> {
        let data = self.properties.additional_data.as_ref();
        data.and_then(|d| d.vulnerability_details.as_ref())
            .and_then(|v| v.severity.as_deref())
            .or_else(|| self.properties.status.as_ref().and_then(|s| s.severity.as_deref()))
    }

    pub fn cve(&self) -> &str {
        let data = self.properties.additional_data.as_ref();
        data.and_then(|d| d.vulnerability_details.as_ref())
            .and_then(|v| v.cve_id.as_deref())
            .or(self.properties.id.as_deref())
            .unwrap_or("unnamed vulnerability")
    }

    pub fn software(&self) -> Option<&SoftwareDetails> {
        self.properties.additional_data.as_ref()?.software_details.as_ref()
    }

    /// A fixed version exists for the vulnerable package.
    pub fn has_fix(&self) -> bool {
        self.software().and_then(|s| s.fix_status.as_deref()).is_some_and(|s| s.eq_ignore_ascii_case("FixAvailable"))
    }

    /// Whether this sub-assessment is about the image `digest` in `registry`/`repository`
    /// (registry and repository compared only where both sides name them).
    pub fn matches(&self, registry: Option<&str>, repository: Option<&str>, digest: &str) -> bool {
        let Some(artifact) = self.artifact() else { return false };
        let agree = |ours: Option<&str>, theirs: Option<&str>| match (ours, theirs) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        artifact.digest.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(digest))
            && agree(registry, artifact.registry_host.as_deref())
            && agree(repository, artifact.repository_name.as_deref())
    }
}

/// The Defender for Containers plan set on the cluster itself
/// (`{cluster}/providers/Microsoft.Security/pricings/Containers`): the subscription's plan's
/// shape, a source of its own. Its ARM `type` is the subscription plan's, so it is recognised by
/// its id, which lies under a managed cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClusterPricing(pub DefenderPricing);

impl std::ops::Deref for ClusterPricing {
    type Target = DefenderPricing;
    fn deref(&self) -> &DefenderPricing {
        &self.0
    }
}

fn under_a_cluster(id: Option<&str>) -> bool {
    id.is_some_and(|id| id.to_ascii_lowercase().contains("/microsoft.containerservice/managedclusters/"))
}

impl ArmResource for ClusterPricing {
    type Properties = PricingProperties;
    fn assemble(envelope: Envelope, properties: PricingProperties) -> Self {
        ClusterPricing(DefenderPricing { id: envelope.id.map(canonical_id), name: envelope.name, properties })
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::resource(doc, "a Defender plan")
    }
    fn refuse(&self) -> Option<String> {
        match self.name.as_deref() {
            Some(name) if !name.eq_ignore_ascii_case("Containers") => {
                Some(format!("the Defender plan {name}, not Containers"))
            }
            _ if !under_a_cluster(self.id.as_deref()) => {
                Some("a subscription's Defender plan, not a cluster's own".into())
            }
            _ => None,
        }
    }
    fn describe(&self) -> Option<String> {
        Some("the cluster's own Defender plan".into())
    }
    fn recognises(doc: &Value) -> bool {
        doc.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Security/pricings"))
            && under_a_cluster(doc.get("id").and_then(Value::as_str))
    }
}

/// Whether two ARM ids are the same resource (case-insensitive).
pub fn same_resource(a: &str, b: &str) -> bool {
    same_id(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::rules::testing::arm_fixture as reference;

    #[test]
    fn reads_the_rest_alert_and_its_resource() {
        let alert =
            SecurityAlert::from_document(&reference("defender-alert-get.2022-01-01.json")["responses"]["200"]["body"])
                .unwrap();
        let p = &alert.properties;
        assert_eq!(p.alert_type.as_deref(), Some("VM_EICAR"));
        assert_eq!(p.severity.as_deref(), Some("High"));
        assert!(alert.is_open());
        assert!(alert.names("/subscriptions/20ff7fc3-e762-44dd-bd96-b71116dcdc23/resourceGroups/myRg1/providers/Microsoft.Compute/virtualMachines/vm1"));
        assert!(!alert.names("/subscriptions/20ff7fc3-e762-44dd-bd96-b71116dcdc23/resourceGroups/myRg1/providers/Microsoft.Compute/virtualMachines/vm10"));
        assert_eq!(p.resource_identifiers.len(), 2, "the LogAnalytics identifier is kept, without an id");
    }

    #[test]
    fn reads_resource_graph_pascal_case_and_az_flattened_alike() {
        let arg = json!({"id": "a", "properties": {"AlertType": "K8S_PrivilegedContainer", "Status": "InProgress",
            "ResourceIdentifiers": [{"Type": "AzureResource", "AzureResourceId": "/subscriptions/s/x"}]}});
        let az = json!({"id": "a", "alertType": "K8S_PrivilegedContainer", "status": "InProgress", "type": "Microsoft.Security/Locations/alerts",
            "resourceIdentifiers": [{"type": "AzureResource", "azureResourceId": "/subscriptions/s/x"}], "remediationSteps": null});
        assert_eq!(SecurityAlert::from_document(&arg).unwrap(), SecurityAlert::from_document(&az).unwrap());
    }

    #[test]
    fn wrong_types_are_refused() {
        assert!(SecurityAlert::from_document(&json!({"properties": {"severity": 3}})).is_err());
        assert!(
            SecurityAlert::from_document(&json!({"properties": {"resourceIdentifiers": [["AzureResource", "/x"]]}}))
                .is_err()
        );
        assert!(SecurityAssessment::from_document(&json!({"properties": {"status": ["Unhealthy"]}})).is_err());
        assert!(SubAssessment::from_document(&json!([])).is_err());
        assert!(SecurityAlert::from_document(&json!({"properties": ["K8S_PrivilegedContainer", "Active"]})).is_err());
        assert!(SubAssessment::from_document(&json!({"id": "x", "properties": ["CVE-1"]})).is_err());
    }

    #[test]
    fn reads_the_assessment_in_either_case() {
        let doc = &reference("defender-assessment-get-expand-links.2021-06-01.json")["responses"]["200"]["body"];
        let assessment = SecurityAssessment::from_document(doc).unwrap();
        let vmss = "/subscriptions/20ff7fc3-e762-44dd-bd96-b71116dcdc23/resourceGroups/myRg/providers/Microsoft.Compute/virtualMachineScaleSets/vmss2";
        assert!(assessment.is_about(vmss));
        assert_eq!(assessment.status_code(), Some("NotApplicable"));
        assert!(assessment.portal_link().unwrap().contains("assessmentKey/21300918"));
        let pascal = json!({"name": "k", "properties": {"resourceDetails": {"Id": vmss, "Source": "Azure"}, "status": {"code": "Unhealthy"}}});
        assert!(SecurityAssessment::from_document(&pascal).unwrap().is_about(vmss));
        let without_details =
            json!({"id": format!("{vmss}/providers/Microsoft.Security/assessments/k"), "properties": {}});
        assert!(SecurityAssessment::from_document(&without_details).unwrap().is_about(vmss));
    }

    #[test]
    fn reads_the_mdvm_registry_sub_assessment() {
        let row = &reference("defender-subassessment-registry-image-mdvm.arg-row.json")[0];
        let sub = SubAssessment::from_document(row).unwrap();
        assert_eq!(sub.cve(), "CVE-2022-42969");
        assert_eq!(sub.severity(), Some("High"));
        assert!(sub.has_fix());
        assert!(!sub.is_open(), "the reference row is exempt (NotApplicable)");
        let digest = "sha256:4af8e6f002401a965bbe753a381af308b40d8947fad2b9e1f6a369aa81abee59";
        assert!(sub.matches(
            Some("PTEBIC.azurecr.io"),
            Some("public/azureml/aifx/stable-ubuntu2004-cu117-py39-torch200"),
            digest
        ));
        assert!(!sub.matches(Some("other.azurecr.io"), None, digest));
        assert!(!sub.matches(None, None, "sha256:00"));
    }

    #[test]
    fn az_prints_the_vulnerability_id_apart_from_the_resource_id() {
        let az = json!({"id": "/subscriptions/s/providers/Microsoft.Security/assessments/k/subAssessments/x", "idPropertiesId": "CVE-1",
            "type": "Microsoft.Security/assessments/subAssessments", "status": {"code": "Unhealthy", "severity": "High"}});
        let sub = SubAssessment::from_document(&az).unwrap();
        assert_eq!(
            sub.id.as_deref(),
            Some("/subscriptions/s/providers/Microsoft.Security/assessments/k/subAssessments/x")
        );
        assert_eq!(sub.cve(), "CVE-1");
    }

    #[test]
    fn the_legacy_qualys_shape_reads_but_joins_nothing() {
        let list = &reference("defender-subassessment-registry-image-qualys.2019-01-01-preview.json")["responses"]["200"]
            ["body"]["value"];
        let sub = SubAssessment::from_document(&list[0]).unwrap();
        assert!(sub.is_open());
        assert!(sub.artifact().is_none());
        assert!(!sub.matches(None, None, "c186fc44-3154-4ce2-ba18-b719d895c3b0"));
    }
}
