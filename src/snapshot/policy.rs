//! Azure Policy documents: the assignments that apply to the cluster, and the compliance states
//! of the cluster (`policyStates`) and of its Kubernetes objects (`componentPolicyStates`). They
//! read the ARM REST bodies, `az policy assignment list` (properties flattened) and
//! `az policy state list` (the same rows as REST), strictly (see [`super::strict`]).

use super::arm::{ArmResource, Envelope};
use super::strict::{self, expect_object, is_management_group, within};
use serde::de::{Deserializer, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `Microsoft.Authorization/policyAssignments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyAssignment {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "strict::required")]
    pub properties: AssignmentProperties,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssignmentProperties {
    #[serde(deserialize_with = "strict::text")]
    pub display_name: Option<String>,
    /// A policy definition or an initiative (`.../policySetDefinitions/...`).
    pub policy_definition_id: Option<String>,
    pub scope: Option<String>,
    #[serde(deserialize_with = "strict::strings")]
    pub not_scopes: Vec<String>,
    /// `Default` (enforced) or `DoNotEnforce`.
    pub enforcement_mode: Option<String>,
    /// Only the parameters rules judge ([`KEPT_PARAMETERS`]); values kept as sent, so a
    /// value of the wrong type is seen by the rule (and makes it unknown), never guessed at.
    #[serde(deserialize_with = "kept_parameters", skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParameterValue>,
}

/// The assignment parameters the Kubernetes policies share (names are case-insensitive).
pub const KEPT_PARAMETERS: [&str; 3] = ["effect", "excludedNamespaces", "namespaces"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParameterValue {
    pub value: Option<Value>,
}

fn kept_parameters<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, ParameterValue>, D::Error> {
    let all = Option::<Map<String, Value>>::deserialize(d)?.unwrap_or_default();
    let mut kept = BTreeMap::new();
    for (name, entry) in all {
        let Some(known) = KEPT_PARAMETERS.iter().find(|known| known.eq_ignore_ascii_case(&name)) else { continue };
        let Value::Object(entry) = entry else {
            return Err(D::Error::custom(format!("parameter {name} is not an object with a `value`")));
        };
        if kept.insert(known.to_string(), ParameterValue { value: entry.get("value").cloned() }).is_some() {
            return Err(D::Error::custom(format!("parameter {known} is given twice")));
        }
    }
    Ok(kept)
}

/// Where an assignment stands against one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No(String),
    /// A `notScopes` entry is a management group, whose members aksguard cannot see.
    Perhaps(String),
}

impl ArmResource for PolicyAssignment {
    type Properties = AssignmentProperties;
    fn assemble(envelope: Envelope, properties: AssignmentProperties) -> Self {
        PolicyAssignment { id: envelope.id, name: envelope.name, properties }
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::resource(doc, "a policy assignment")
    }
}

impl PolicyAssignment {
    /// Whether the assignment applies to `resource`: its scope contains it (a management group
    /// is taken to, as ARM's `atScope()` returned it), and no `notScopes` entry does.
    pub fn applies_to(&self, resource: &str) -> Applies {
        let Some(scope) = self.properties.scope.as_deref() else {
            return Applies::Perhaps("it has no scope".into());
        };
        if !is_management_group(scope) && !within(resource, scope) {
            return Applies::No(format!("its scope {scope} does not contain the cluster"));
        }
        if let Some(excluded) = self.properties.not_scopes.iter().find(|not| within(resource, not)) {
            return Applies::No(format!("notScopes excludes the cluster ({excluded})"));
        }
        match self.properties.not_scopes.iter().find(|not| is_management_group(not)) {
            Some(group) => {
                Applies::Perhaps(format!("notScopes names management group {group}, which may hold the cluster"))
            }
            None => Applies::Yes,
        }
    }

    /// A parameter by name, whatever its case.
    pub fn parameter(&self, name: &str) -> Option<&Value> {
        self.properties
            .parameters
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, p)| p.value.as_ref())
    }

    /// The last segment of the definition id, lower-cased: a built-in's GUID.
    pub fn definition_key(&self) -> Option<String> {
        self.properties.policy_definition_id.as_deref()?.rsplit('/').next().map(str::to_ascii_lowercase)
    }

    pub fn is_initiative(&self) -> bool {
        self.properties
            .policy_definition_id
            .as_deref()
            .is_some_and(|id| id.to_ascii_lowercase().contains("/policysetdefinitions/"))
    }

    pub fn label(&self) -> &str {
        self.properties.display_name.as_deref().or(self.name.as_deref()).unwrap_or("unnamed assignment")
    }
}

/// One row of `policyStates/latest` or `componentPolicyStates/latest` (the component fields
/// set only in the latter): whether a resource, or one Kubernetes object, complies with one
/// policy of one assignment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyState {
    pub resource_id: Option<String>,
    pub policy_assignment_id: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub policy_assignment_name: Option<String>,
    pub policy_definition_id: Option<String>,
    #[serde(deserialize_with = "strict::text")]
    pub policy_definition_name: Option<String>,
    pub policy_definition_reference_id: Option<String>,
    pub policy_definition_action: Option<String>,
    pub policy_set_definition_id: Option<String>,
    /// `Compliant`, `NonCompliant`, `Conflict`, `Exempt`, `Unknown`.
    pub compliance_state: Option<String>,
    pub timestamp: Option<String>,
    /// `namespace/name` of the Kubernetes object (component states only).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "strict::text")]
    pub component_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component_type: Option<String>,
}

/// A policy state row has no envelope: it is read whole.
fn state_row(doc: &Value) -> Result<PolicyState, serde_json::Error> {
    expect_object(doc, "a policy state")?;
    PolicyState::deserialize(crate::strict_json::Strict::new(doc))
}

impl ArmResource for PolicyState {
    type Properties = PolicyState;
    fn assemble(_: Envelope, state: PolicyState) -> Self {
        state
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        state_row(doc)
    }
    fn refuse(&self) -> Option<String> {
        self.component_id.is_some().then(|| "a Kubernetes object's policy state (componentPolicyStates)".to_string())
    }
    /// `az policy state list` rows have no ARM `type`.
    fn recognises(doc: &Value) -> bool {
        Self::is_state_row(doc) && doc.get("componentId").is_none()
    }
}

/// A `componentPolicyStates` row: one Kubernetes object's compliance with one policy. The same
/// row as [`PolicyState`], with `componentId` set; a source of its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComponentPolicyState(pub PolicyState);

impl std::ops::Deref for ComponentPolicyState {
    type Target = PolicyState;
    fn deref(&self) -> &PolicyState {
        &self.0
    }
}

impl ArmResource for ComponentPolicyState {
    type Properties = PolicyState;
    fn assemble(_: Envelope, state: PolicyState) -> Self {
        ComponentPolicyState(state)
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        state_row(doc).map(ComponentPolicyState)
    }
    fn refuse(&self) -> Option<String> {
        self.component_id.is_none().then(|| "a resource's policy state, not a Kubernetes object's".to_string())
    }
    fn recognises(doc: &Value) -> bool {
        PolicyState::is_state_row(doc) && doc.get("componentId").is_some_and(Value::is_string)
    }
}

impl PolicyState {
    pub fn is_non_compliant(&self) -> bool {
        self.compliance_state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("NonCompliant"))
    }

    /// Which policy of which assignment: the key states are grouped by.
    pub fn policy_key(&self) -> (String, String, String) {
        let lower = |v: &Option<String>| v.as_deref().unwrap_or_default().to_ascii_lowercase();
        (
            lower(&self.policy_assignment_id),
            lower(&self.policy_definition_id),
            lower(&self.policy_definition_reference_id),
        )
    }

    /// A state row among `az` outputs: it has a compliance state and an assignment.
    pub fn is_state_row(doc: &Value) -> bool {
        doc.get("complianceState").is_some_and(Value::is_string)
            && doc.get("policyAssignmentId").is_some_and(Value::is_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::rules::testing::arm_example as body;

    #[test]
    fn reads_the_assignment_list_as_arm_returns_it() {
        let list = body("policy-assignments-list-for-resource.2025-03-01.json");
        let first = PolicyAssignment::from_document(&list["value"][0]).unwrap();
        assert_eq!(first.label(), "VM Cost Management");
        assert_eq!(first.definition_key().as_deref(), Some("vmskus"));
        assert!(first.properties.parameters.is_empty(), "allowedSkus is not a parameter rules judge");
        let vm = "/subscriptions/ae640e6b-ba3e-4256-9d62-2993eecfa6f2/resourceGroups/TestResourceGroup/providers/Microsoft.Compute/virtualMachines/MyTestVm";
        assert_eq!(first.applies_to(vm), Applies::Yes);
        assert!(matches!(first.applies_to("/subscriptions/other/resourceGroups/x"), Applies::No(_)));
    }

    #[test]
    fn not_scopes_and_management_groups() {
        let cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
        let at_mg = |not: Value| {
            PolicyAssignment::from_document(&json!({"properties": {"scope": "/providers/Microsoft.Management/managementGroups/contoso", "notScopes": not}})).unwrap()
        };
        assert_eq!(at_mg(json!([])).applies_to(cluster), Applies::Yes);
        assert!(matches!(at_mg(json!(["/subscriptions/S/resourcegroups/RG"])).applies_to(cluster), Applies::No(_)));
        assert!(matches!(at_mg(json!(["/subscriptions/s/resourceGroups/rg2"])).applies_to(cluster), Applies::Yes));
        assert!(matches!(
            at_mg(json!(["/providers/Microsoft.Management/managementGroups/sandbox"])).applies_to(cluster),
            Applies::Perhaps(_)
        ));
    }

    #[test]
    fn parameters_are_kept_by_name_whatever_the_case_and_strictly() {
        let az = json!({"type": "Microsoft.Authorization/policyAssignments", "scope": "/subscriptions/s", "notScopes": null,
            "parameters": {"Effect": {"value": "deny"}, "excludedNamespaces": {"value": ["kube-system", "legacy"]}, "allowedImages": {"value": "x"}}});
        let assignment = PolicyAssignment::from_document(&az).unwrap();
        assert_eq!(assignment.parameter("effect"), Some(&json!("deny")));
        assert_eq!(assignment.parameter("EXCLUDEDNAMESPACES"), Some(&json!(["kube-system", "legacy"])));
        assert_eq!(assignment.properties.parameters.len(), 2);
        assert!(PolicyAssignment::from_document(&json!({"parameters": {"effect": "deny"}})).is_err());
        assert!(
            PolicyAssignment::from_document(
                &json!({"parameters": {"effect": {"value": "a"}, "EFFECT": {"value": "b"}}})
            )
            .is_err()
        );
        assert!(PolicyAssignment::from_document(&json!({"properties": {"notScopes": "/subscriptions/s"}})).is_err());
    }

    #[test]
    fn reads_policy_and_component_states() {
        let states = body("policy-states-latest-query-resource.2024-10-01.json");
        let state = PolicyState::from_document(&states["value"][0]).unwrap();
        assert!(state.is_non_compliant() && <PolicyState as ArmResource>::recognises(&states["value"][0]));
        assert!(!<ComponentPolicyState as ArmResource>::recognises(&states["value"][0]));
        assert!(state.component_id.is_none());
        let components = body("component-policy-states-aks-pod.2024-10-01.json");
        let pod = ComponentPolicyState::from_document(&components["value"][0]).unwrap();
        assert!(<ComponentPolicyState as ArmResource>::recognises(&components["value"][0]));
        assert!(
            pod.refuse().is_none() && PolicyState::from_document(&components["value"][0]).unwrap().refuse().is_some()
        );
        assert_eq!(pod.component_id.as_deref(), Some("default/test-pod"));
        assert_eq!(pod.component_type.as_deref(), Some("pod"));
        assert!(PolicyState::from_document(&json!({"complianceState": false})).is_err());
    }
}
