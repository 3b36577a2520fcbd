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
    if path.contains("/providers/microsoft.security/pricings") {
        "2024-01-01"
    } else if path.contains("/providers/microsoft.insights/diagnosticsettings") {
        "2021-05-01-preview"
    } else {
        "2026-01-01"
    }
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
        Azure { token: token.to_string(), clusters: vec![cluster], resources, url: Arc::new(OnceLock::new()) }
    }

    pub fn serve(&self, request: &Request) -> Reply {
        if request.authorization.as_deref() != Some(&format!("Bearer {}", self.token)) {
            return error(401, "InvalidAuthenticationToken", "The access token is invalid.");
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
            body["nextLink"] = Value::String(format!("{url}{}?api-version={expected}&page=2", request.path));
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
