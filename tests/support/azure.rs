//! ARM-shaped content for the test server: a subscription's managed clusters and the resources
//! aksguard reads about one of them, served the way the ARM REST API serves them — bearer token
//! and `api-version` checked on every request, ARM error bodies, lists in `value` with
//! `nextLink` pages.

#![allow(dead_code)] // each test binary uses a different part

use super::apiserver::{Reply, Request};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub const GROUP: &str = "rg-contoso-containers";
pub const CLUSTER: &str = "aks-contoso-prod";

/// The api-versions aksguard must send, pinned here independently of the code.
pub fn expected_api_version(path: &str) -> &'static str {
    let path = path.to_ascii_lowercase();
    if let Some(version) = issue13_api_version(&path) {
        version
    } else if path.ends_with("/listclusterusercredential") {
        "2025-10-01"
    } else if path.contains("/providers/microsoft.security/pricings") {
        "2024-01-01"
    } else if path.contains("/providers/microsoft.insights/diagnosticsettings") {
        "2021-05-01-preview"
    } else {
        "2026-01-01"
    }
}

/// The api-versions of the Defender, Policy and role assignment reads (issue 13).
fn issue13_api_version(path: &str) -> Option<&'static str> {
    let by_provider = [
        ("/providers/microsoft.security/alerts", "2022-01-01"),
        ("/subassessments", "2019-01-01-preview"),
        ("/providers/microsoft.security/assessments", "2021-06-01"),
        ("/providers/microsoft.authorization/policyassignments", "2023-04-01"),
        ("/providers/microsoft.policyinsights/", "2022-04-01"),
        ("/providers/microsoft.authorization/roleassignments", "2022-04-01"),
    ];
    by_provider.iter().find(|(part, _)| path.contains(part)).map(|(_, version)| *version)
}

/// Policy Insights answers queries to POST only, and pages them with `@odata.nextLink`.
fn is_query(path: &str) -> bool {
    path.ends_with("/queryresults")
}

pub struct Azure {
    pub token: String,
    /// Managed cluster documents, as ARM returns them.
    pub clusters: Vec<Value>,
    /// Bodies by lowercase path, for everything but the cluster list and the clusters.
    pub resources: BTreeMap<String, Value>,
    /// The server's URL, once started: `nextLink`s are absolute.
    pub url: Arc<OnceLock<String>>,
}

/// A fixture file of the Contoso hardened cluster.
pub fn contoso(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inputs/contoso-hardened").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The ARM body (`responses.200.body`) of an example from the Azure REST API specifications.
pub fn reference(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm").join(name);
    let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    example["responses"]["200"]["body"].clone()
}

pub fn cluster_path() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.ContainerService/managedClusters/{CLUSTER}"
    )
}

impl Azure {
    /// The Contoso hardened cluster, from the same files `--from-az` tests read. The two
    /// maintenance configurations come on two pages.
    pub fn contoso(token: &str) -> Azure {
        let base = cluster_path();
        let maintenance = contoso("maintenanceconfiguration-list.json");
        let mut resources = BTreeMap::new();
        let mut add = |path: String, body: Value| resources.insert(path.to_ascii_lowercase(), body);
        add(format!("{base}/maintenanceConfigurations"), json!({"value": [maintenance[0]]}));
        add(format!("{base}/maintenanceConfigurations?page=2"), json!({"value": [maintenance[1]]}));
        add(format!("{base}/upgradeProfiles/default"), contoso("get-upgrades.json"));
        for pool in ["nodepool1", "userpool1"] {
            add(
                format!("{base}/agentPools/{pool}/upgradeProfiles/default"),
                contoso(&format!("nodepool-get-upgrades-{pool}.json")),
            );
        }
        add(
            format!(
                "/subscriptions/{SUBSCRIPTION}/providers/Microsoft.ContainerService/locations/eastus/kubernetesVersions"
            ),
            contoso("aks-get-versions.json"),
        );
        add(
            format!("/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Security/pricings/Containers"),
            contoso("security-pricing-containers.json"),
        );
        add(
            format!("{base}/providers/Microsoft.Insights/diagnosticSettings"),
            json!({"value": contoso("diagnostic-settings-list.json")}),
        );
        add_issue13(&mut add, &base);
        Azure {
            token: token.to_string(),
            clusters: vec![contoso("aks-show.arm.json")],
            resources,
            url: Arc::new(OnceLock::new()),
        }
    }

    /// The examples of the Azure REST API specifications (`fixtures/arm/`): cluster
    /// `clustername1` in `rg1`, region `location1`, one pool `nodepool1`.
    pub fn reference(token: &str) -> Azure {
        let cluster = reference("ManagedClustersGet.json");
        let base = cluster["id"].as_str().unwrap().to_string();
        let mut resources = BTreeMap::new();
        let mut add = |path: String, body: Value| resources.insert(path.to_ascii_lowercase(), body);
        add(
            format!("{base}/maintenanceConfigurations"),
            reference("MaintenanceConfigurationsList_MaintenanceWindow.json"),
        );
        add(format!("{base}/upgradeProfiles/default"), reference("ManagedClustersGetUpgradeProfile.json"));
        add(
            format!("{base}/agentPools/nodepool1/upgradeProfiles/default"),
            reference("AgentPoolsGetUpgradeProfile.json"),
        );
        add(
            format!(
                "/subscriptions/{SUBSCRIPTION}/providers/Microsoft.ContainerService/locations/location1/kubernetesVersions"
            ),
            reference("KubernetesVersions_List.json"),
        );
        add(
            format!("/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Security/pricings/Containers"),
            reference("GetPricingByNameContainers_example.json"),
        );
        add(format!("{base}/providers/Microsoft.Insights/diagnosticSettings"), json!({"value": []}));
        add_issue13_references(&mut add, &base);
        Azure { token: token.to_string(), clusters: vec![cluster], resources, url: Arc::new(OnceLock::new()) }
    }

    pub fn serve(&self, request: &Request) -> Reply {
        if request.authorization.as_deref() != Some(&format!("Bearer {}", self.token)) {
            return error(401, "InvalidAuthenticationToken", "The access token is invalid.");
        }
        if is_query(&request.path.to_ascii_lowercase()) != (request.method == "POST") {
            return error(405, "MethodNotAllowed", "queryResults takes POST; everything else GET");
        }
        let expected = expected_api_version(&request.path);
        if request.query.get("api-version").map(String::as_str) != Some(expected) {
            return error(400, "InvalidApiVersionParameter", &format!("expected api-version {expected}"));
        }
        let path = request.path.to_ascii_lowercase();
        let list = format!("/subscriptions/{SUBSCRIPTION}/providers/microsoft.containerservice/managedclusters");
        if path == list {
            return Reply::json(200, json!({"value": self.clusters}).to_string());
        }
        if let Some(cluster) = self.clusters.iter().find(|c| c["id"].as_str().unwrap().eq_ignore_ascii_case(&path)) {
            return Reply::json(200, cluster.to_string());
        }
        let key = match request.query.get("page") {
            Some(page) => format!("{path}?page={page}"),
            None => path.clone(),
        };
        let Some(body) = self.resources.get(&key) else {
            return error(404, "ResourceNotFound", &format!("The resource '{path}' was not found."));
        };
        let mut body = body.clone();
        let next = format!("{key}?page=2");
        if !request.query.contains_key("page") && self.resources.contains_key(&next) {
            let url = self.url.get().expect("the URL is set once the server started");
            let link = if is_query(&path) { "@odata.nextLink" } else { "nextLink" };
            body[link] = Value::String(format!("{url}{}?api-version={expected}&page=2", request.path));
        }
        Reply::json(200, body.to_string())
    }
}

/// Entra ID's token endpoint (`POST /{tenant}/oauth2/v2.0/token`, reached through
/// `AZURE_AUTHORITY_HOST`): `token` for a client-credentials request for the ARM scope whose form
/// has `proof` (`client_secret` or `client_assertion`) equal to `value`; `None` for other paths.
pub fn entra(request: &Request, tenant: &str, proof: &str, value: &str, token: &str) -> Option<Reply> {
    if request.path != format!("/{tenant}/oauth2/v2.0/token") {
        return None;
    }
    let form = request.form();
    let valid = request.method == "POST"
        && form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("scope").map(String::as_str) == Some("https://management.azure.com/.default")
        && form.get(proof).map(String::as_str) == Some(value);
    Some(match valid {
        true => Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token})
                .to_string(),
        ),
        false => Reply::json(
            400,
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
                .to_string(),
        ),
    })
}

/// An ARM error body.
pub fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"error": {"code": code, "message": message}}).to_string())
}

/// `AuthorizationFailed` for `action`, as ARM words it.
pub fn forbidden(action: &str) -> Reply {
    error(
        403,
        "AuthorizationFailed",
        &format!(
            "The client 'tester@contoso.com' with object id '11111111-1111-1111-1111-111111111111' does not have authorization to perform action '{action}' over scope '/subscriptions/{SUBSCRIPTION}' or the scope is invalid."
        ),
    )
}

// ---- Defender, Azure Policy and role assignments (issue 13) ----

/// The Contoso hardened cluster's Defender, Policy and role assignment documents, from the files
/// `--from-az` reads (az's flattened shape, which ARM's reader takes too). Role assignments and
/// policy states come on two pages.
fn add_issue13(add: &mut impl FnMut(String, Value) -> Option<Value>, base: &str) {
    let subscription = format!("/subscriptions/{SUBSCRIPTION}");
    add(
        format!("{base}/providers/Microsoft.Security/pricings/Containers"),
        contoso("security-pricing-containers-cluster.json"),
    );
    add(
        format!("{subscription}/providers/Microsoft.Security/alerts"),
        json!({"value": contoso("security-alert-list.json")}),
    );
    add(
        format!("{subscription}/providers/Microsoft.Security/assessments"),
        json!({"value": contoso("security-assessment-list.json")}),
    );
    add(
        format!(
            "{subscription}/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subAssessments"
        ),
        json!({"value": contoso("security-sub-assessment-list.json")}),
    );
    add(
        format!("{base}/providers/Microsoft.Authorization/policyAssignments"),
        json!({"value": contoso("policy-assignment-list.json")}),
    );
    let (first, second) = halves(contoso("policy-state-list.json"));
    add(format!("{base}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"), json!({"value": first}));
    add(
        format!("{base}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?page=2"),
        json!({"value": second}),
    );
    add(
        format!("{base}/providers/Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults"),
        contoso("component-policy-states.json"),
    );
    let (first, second) = halves(contoso("role-assignment-list.json"));
    add(format!("{base}/providers/Microsoft.Authorization/roleAssignments"), json!({"value": first}));
    add(format!("{base}/providers/Microsoft.Authorization/roleAssignments?page=2"), json!({"value": second}));
}

fn halves(list: Value) -> (Vec<Value>, Vec<Value>) {
    let mut items = list.as_array().expect("a list").clone();
    let second = items.split_off(items.len() / 2);
    (items, second)
}

/// The examples of the Azure REST API specifications for the same reads (`fixtures/arm/`). The
/// specifications hold no role assignment list example here; the one below has the documented
/// REST shape (`RoleAssignments_ListForScope`).
fn add_issue13_references(add: &mut impl FnMut(String, Value) -> Option<Value>, base: &str) {
    let subscription = format!("/subscriptions/{SUBSCRIPTION}");
    add(
        format!("{base}/providers/Microsoft.Security/pricings/Containers"),
        reference("defender-pricing-containers-on-aks-cluster.2024-01-01.json"),
    );
    add(
        format!("{subscription}/providers/Microsoft.Security/alerts"),
        json!({"value": [reference("defender-alert-get.2022-01-01.json")]}),
    );
    add(
        format!("{subscription}/providers/Microsoft.Security/assessments"),
        json!({"value": [reference("defender-assessment-get-expand-links.2021-06-01.json")]}),
    );
    add(
        format!(
            "{subscription}/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subAssessments"
        ),
        reference("defender-subassessment-registry-image-qualys.2019-01-01-preview.json"),
    );
    add(
        format!("{base}/providers/Microsoft.Authorization/policyAssignments"),
        reference("policy-assignments-list-for-resource.2025-03-01.json"),
    );
    add(
        format!("{base}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"),
        reference("policy-states-latest-query-resource.2024-10-01.json"),
    );
    add(
        format!("{base}/providers/Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults"),
        reference("component-policy-states-aks-pod.2024-10-01.json"),
    );
    add(
        format!("{base}/providers/Microsoft.Authorization/roleAssignments"),
        json!({"value": [{"id": format!("{subscription}/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747"),
            "name": "b0f43c54-e787-4862-89b1-a653fa9cf747", "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": format!("{subscription}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
                "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User", "scope": subscription,
                "createdOn": "2022-05-01T00:00:00Z", "updatedOn": "2022-05-01T00:00:00Z"}}]}),
    );
}
