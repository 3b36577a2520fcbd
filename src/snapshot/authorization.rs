//! `Microsoft.Authorization/roleAssignments`: who holds which Azure role at the cluster's scope
//! or above. Reads the ARM REST body and `az role assignment list` (flattened, with the role's
//! name). The principal is kept by type and object id only: az's `principalName` (a person's
//! sign-in name) is not read.

use super::arm::{ArmResource, Envelope};
use super::strict;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: Option<String>,
    #[serde(deserialize_with = "strict::required")]
    pub properties: RoleAssignmentProperties,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// `/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/{GUID}`.
    pub role_definition_id: Option<String>,
    /// The role's name, as az prints it (ARM does not return it).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "strict::text")]
    pub role_definition_name: Option<String>,
    pub principal_id: Option<String>,
    /// `User`, `Group`, `ServicePrincipal`, `ForeignGroup`, `Device`.
    pub principal_type: Option<String>,
    pub scope: Option<String>,
}

impl ArmResource for RoleAssignment {
    type Properties = RoleAssignmentProperties;
    fn assemble(envelope: Envelope, properties: RoleAssignmentProperties) -> Self {
        RoleAssignment { id: envelope.id, properties }
    }
    fn from_document(doc: &Value) -> Result<Self, serde_json::Error> {
        strict::resource(doc, "a role assignment")
    }
}

impl RoleAssignment {
    /// The role definition's GUID, lower-cased.
    pub fn role_key(&self) -> Option<String> {
        self.properties.role_definition_id.as_deref()?.rsplit('/').next().map(str::to_ascii_lowercase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_arm_and_az_alike_and_drops_the_principal_name() {
        let arm = json!({"id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1",
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/B1FF04BB-8A4E-4DC4-8EB5-8693973CE19B",
                           "principalId": "p1", "principalType": "User", "scope": "/subscriptions/s", "createdOn": "2026-01-01T00:00:00Z"}});
        let az = json!({"id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1",
            "type": "Microsoft.Authorization/roleAssignments", "principalName": "alice@contoso.com",
            "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/B1FF04BB-8A4E-4DC4-8EB5-8693973CE19B",
            "roleDefinitionName": "Azure Kubernetes Service RBAC Cluster Admin", "principalId": "p1", "principalType": "User", "scope": "/subscriptions/s"});
        let (arm, az) = (RoleAssignment::from_document(&arm).unwrap(), RoleAssignment::from_document(&az).unwrap());
        assert_eq!(arm.role_key().as_deref(), Some("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"));
        assert_eq!(arm.properties.principal_type, az.properties.principal_type);
        assert!(!serde_json::to_string(&az).unwrap().contains("alice"));
        assert!(RoleAssignment::from_document(&json!({"principalType": ["User"]})).is_err());
    }
}
