//! A Resource Graph stand-in for the fleet tests and the benchmark: `POST
//! /providers/Microsoft.ResourceGraph/resources` as the service answers it — bearer token and
//! api-version checked, the cluster query pinned, at most 300 subscriptions per request, real
//! `$skipToken` paging over an id-sorted estate, `x-ms-user-quota-*` headers on every answer
//! and a 429 with `Retry-After` once the quota of a window is spent, `resultTruncated` on demand,
//! and types and ids lowercased, as ARG returns them.
//!
//! Estates are generated (`Estate::generate`) from the Contoso hardened cluster's ARM document.
//!
//! An estate may hold Defender and Policy documents (`Estate::security`, in ARM's shape): ARM's
//! subscription and cluster reads serve them as ARM does, and the Resource Graph queries of
//! `securityresources`, `policyresources` and `resourcecontainers` serve them as ARG rows (ids
//! and types lowercased, ARG's extra columns, policy states under `properties`, alert properties
//! in PascalCase on demand; management-group assignments only with `AtScopeAndAbove`). The
//! stand-in does not run KQL: every row of the scope's subscriptions is served, unrelated ones
//! too, and the client must leave them out.

#![allow(dead_code)] // each test binary uses a different part

use super::apiserver::{Reply, Request};
use super::azure::{contoso, error};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const QUERY: &str = "resources | where type =~ 'microsoft.containerservice/managedclusters' | order by id asc";
pub const PATH: &str = "/providers/microsoft.resourcegraph/resources";
pub const DEFENDER_PLANS_QUERY: &str =
    "securityresources | where type =~ 'microsoft.security/pricings' and name =~ 'Containers' | order by id asc";

/// The clusters of a tenant, as ARG rows (sorted by lowercased id), and its management groups.
#[derive(Clone)]
pub struct Estate {
    pub rows: Vec<Value>,
    /// Management group name → its subscriptions.
    pub management_groups: BTreeMap<String, Vec<String>>,
    pub security: Security,
}

/// The tenant root management group's name (the tenant id).
pub const TENANT: &str = "22222222-2222-2222-2222-222222222222";

/// Defender and Policy documents as ARM serves them (REST shape, ids in ARM's casing).
#[derive(Clone, Default)]
pub struct Security {
    pub alerts: Vec<Value>,
    pub assessments: Vec<Value>,
    pub sub_assessments: Vec<Value>,
    pub assignments: Vec<Value>,
    /// Policy Insights rows (flat).
    pub states: Vec<Value>,
}

/// The pod security baseline initiative (a rule judges its assignments).
pub const BASELINE: &str =
    "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d";
/// The pod security restricted initiative.
pub const RESTRICTED: &str =
    "/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00";
/// The registry image vulnerability assessment whose sub-assessments a rule reads.
pub const REGISTRY_KEY: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";

impl Security {
    /// For each cluster `aks-N` of `estate` (ARM-cased ids): an assessment (unhealthy on odd N),
    /// an active alert on every fourth cluster's node pool, a policy state (non-compliant on
    /// every third); per subscription a baseline assignment and a registry vulnerability; at
    /// management group `mg-even` a restricted assignment that excludes `rg-team-1` of the first
    /// subscription; and rows about a virtual machine, which concern no cluster.
    pub fn generate(estate: &Estate) -> Security {
        let mut security = Security::default();
        let mut subscriptions: Vec<String> = Vec::new();
        for row in &estate.rows {
            let i: usize = row["name"].as_str().unwrap()[4..].parse().unwrap();
            let id = arm_id(row);
            let sub = row["subscriptionId"].as_str().unwrap().to_string();
            let code = if i % 2 == 1 { "Unhealthy" } else { "Healthy" };
            security.assessments.push(assessment(&id, "1a2b3c4d-0000-4000-8000-000000000001", code));
            if i % 4 == 0 {
                security.alerts.push(alert(
                    &sub,
                    &format!("alert-{i}"),
                    &format!("{id}/agentPools/nodepool1"),
                    "Active",
                ));
            }
            let compliance = if i % 3 == 0 { "NonCompliant" } else { "Compliant" };
            security.states.push(state(
                &id,
                &format!("/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments/baseline"),
                compliance,
            ));
            if !subscriptions.contains(&sub) {
                subscriptions.push(sub);
            }
        }
        for sub in &subscriptions {
            let vm =
                format!("/subscriptions/{sub}/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm1");
            security.assessments.push(assessment(&vm, "1a2b3c4d-0000-4000-8000-000000000002", "Unhealthy"));
            security.alerts.push(alert(sub, "alert-vm", &vm, "Active"));
            security.states.push(state(
                &vm,
                &format!("/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments/baseline"),
                "NonCompliant",
            ));
            security.assignments.push(assignment(&format!("/subscriptions/{sub}"), "baseline", BASELINE, &[]));
            security.assignments.push(assignment(&vm, "vm-only", BASELINE, &[]));
            security.sub_assessments.push(sub_assessment(sub));
        }
        if let Some(first) = subscriptions.first() {
            let excluded = format!("/subscriptions/{first}/resourceGroups/rg-team-1");
            security.assignments.push(assignment(
                "/providers/Microsoft.Management/managementGroups/mg-even",
                "restricted",
                RESTRICTED,
                &[excluded.as_str()],
            ));
        }
        security
    }
}

/// A cluster's id in ARM's casing (ARG lowercases it).
pub fn arm_id(row: &Value) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
        row["subscriptionId"].as_str().unwrap(),
        row["resourceGroup"].as_str().unwrap(),
        row["name"].as_str().unwrap()
    )
}

pub fn assessment(resource: &str, key: &str, code: &str) -> Value {
    json!({"id": format!("{resource}/providers/Microsoft.Security/assessments/{key}"), "name": key,
        "type": "Microsoft.Security/assessments",
        "properties": {"displayName": format!("Recommendation {key}"), "resourceDetails": {"source": "Azure", "id": resource},
            "status": {"code": code, "description": "2 of 3 node pools"},
            "metadata": {"displayName": format!("Recommendation {key}"), "severity": "High", "remediationDescription": "Fix it."}}})
}

pub fn alert(subscription: &str, name: &str, resource: &str, status: &str) -> Value {
    json!({"id": format!("/subscriptions/{subscription}/resourceGroups/rg-team-0/providers/Microsoft.Security/locations/eastus/alerts/{name}"),
        "name": name, "type": "Microsoft.Security/locations/alerts",
        "properties": {"alertType": "K8S_PrivilegedContainer", "systemAlertId": name, "alertDisplayName": "Privileged container detected",
            "severity": "Medium", "status": status, "startTimeUtc": "2026-11-30T10:00:00Z", "compromisedEntity": "aks",
            "alertUri": "https://portal.azure.com/#blade/alert", "remediationSteps": ["Review the pod."],
            "resourceIdentifiers": [{"type": "AzureResource", "azureResourceId": resource}]}})
}

pub fn state(resource: &str, assignment: &str, compliance: &str) -> Value {
    json!({"resourceId": resource, "resourceType": "Microsoft.ContainerService/managedClusters",
        "policyAssignmentId": assignment, "policyAssignmentName": "baseline",
        "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4",
        "policyDefinitionName": "95edb821-ddaf-4404-9732-666045e056b4", "policyDefinitionReferenceId": "privileged",
        "policySetDefinitionId": BASELINE, "policyDefinitionAction": "audit",
        "complianceState": compliance, "timestamp": "2026-11-30T09:00:00Z"})
}

pub fn assignment(scope: &str, name: &str, definition: &str, not_scopes: &[&str]) -> Value {
    json!({"id": format!("{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"), "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {"displayName": format!("Pod security ({name})"), "policyDefinitionId": definition, "scope": scope,
            "notScopes": not_scopes, "enforcementMode": "Default",
            "parameters": {"effect": {"value": "deny"}, "excludedNamespaces": {"value": ["kube-system", "gatekeeper-system"]}}}})
}

pub fn sub_assessment(subscription: &str) -> Value {
    let registry = format!(
        "/subscriptions/{subscription}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr"
    );
    json!({"id": format!("{registry}/providers/Microsoft.Security/assessments/{REGISTRY_KEY}/subAssessments/cve-2026-0001"),
        "name": "cve-2026-0001", "type": "Microsoft.Security/assessments/subAssessments",
        "properties": {"id": "CVE-2026-0001", "displayName": "CVE-2026-0001",
            "status": {"code": "Unhealthy", "severity": "High"},
            "resourceDetails": {"id": "/repositories/app/images/sha256:0001", "source": "Azure"},
            "additionalData": {"assessedResourceType": "AzureContainerRegistryVulnerability",
                "vulnerabilityDetails": {"cveId": "CVE-2026-0001", "severity": "High"},
                "artifactDetails": {"registryHost": "contosoacr.azurecr.io", "repositoryName": "app", "digest": "sha256:0001", "tags": ["v1"]},
                "softwareDetails": {"packageName": "openssl", "version": "3.0.1", "fixedVersion": "3.0.2", "fixStatus": "FixAvailable"}}}})
}

pub fn subscription(i: usize) -> String {
    format!("00000000-0000-0000-0000-{i:012}")
}

impl Estate {
    /// `clusters` clusters over `subscriptions` subscriptions (round robin), two resource groups
    /// per subscription, tags `env=prod` on even clusters and `env=dev` on odd ones, local
    /// accounts left on in every third cluster; management group `mg-even` holds the even
    /// subscriptions.
    pub fn generate(subscriptions: usize, clusters: usize) -> Estate {
        let template = contoso("aks-show.arm.json");
        let mut rows: Vec<Value> = (0..clusters).map(|i| row(&template, i, subscriptions)).collect();
        rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let even = (0..subscriptions).step_by(2).map(subscription).collect();
        Estate {
            rows,
            management_groups: BTreeMap::from([("mg-even".to_string(), even)]),
            security: Security::default(),
        }
    }

    /// The ids, lowercased and sorted.
    pub fn ids(&self) -> Vec<String> {
        self.rows.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    }
}

/// Cluster `i`: ARG's columns around the ARM document, with its type and id lowercased.
fn row(template: &Value, i: usize, subscriptions: usize) -> Value {
    let sub = subscription(i % subscriptions);
    let group = format!("rg-team-{}", i % 2);
    let name = format!("aks-{i:05}");
    let id = format!(
        "/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}"
    );
    let mut row = template.clone();
    row["id"] = json!(id.to_ascii_lowercase());
    row["name"] = json!(name);
    row["type"] = json!("microsoft.containerservice/managedclusters");
    row["location"] = json!(["eastus", "westeurope", "southeastasia"][i % 3]);
    row["subscriptionId"] = json!(sub);
    row["resourceGroup"] = json!(group);
    row["tenantId"] = json!("22222222-2222-2222-2222-222222222222");
    row["tags"] = json!({"env": if i % 2 == 0 { "prod" } else { "dev" }, "team": format!("t{}", i % 5)});
    row["properties"]["fqdn"] = json!(format!("{name}-dns.hcp.eastus.azmk8s.io"));
    if i % 3 == 0 {
        row["properties"]["disableLocalAccounts"] = json!(false);
    }
    row
}

/// How the stand-in behaves.
pub struct ResourceGraph {
    pub token: String,
    pub estate: Estate,
    /// The api-versions this cloud accepts.
    pub api_versions: Vec<&'static str>,
    /// Queries per quota window.
    pub quota: u32,
    pub window: Duration,
    /// Mark every answer `resultTruncated` and stop after its first page.
    pub truncate: bool,
    /// Send no quota headers, so that only a 429 tells the client to wait.
    pub hide_quota: bool,
    /// Simulated latency of every answer.
    pub latency: Duration,
    /// Clusters (by name) whose ARM reads answer 403.
    pub forbidden: Vec<String>,
    /// Answer the Defender plan query (every subscription's plan, and one cluster's own, which
    /// the client must leave out); else it is refused and the plans are read from ARM.
    pub plans_in_graph: bool,
    /// Resource Graph writes alert properties and assessments' `resourceDetails` in PascalCase
    /// (as its documented queries read them), rather than camelCase.
    pub pascal_case: bool,
    /// Tables (`securityresources`, `policyresources`) whose queries answer 403.
    pub refused_tables: Vec<&'static str>,
    /// Rows served as they are (raw JSON text, a key twice allowed) after the rows of the query
    /// whose text starts with the first string.
    pub raw_rows: Vec<(&'static str, String)>,
    /// Clusters (by name) whose diagnostic settings come as an answer of 65 MiB.
    pub oversized: Vec<String>,
    /// `x-ms-ratelimit-remaining-subscription-reads` on every ARM answer, when set.
    pub reads_remaining: Option<u32>,
    /// Clusters (by lowercase name) whose `listClusterUserCredential` answers this kubeconfig
    /// (text, base64-encoded in the answer); every other cluster's answers 403, as for a user
    /// without the action.
    pub kubeconfigs: BTreeMap<String, String>,
    /// The Contoso hardened cluster's documents, served for every cluster's per-cluster reads.
    around: BTreeMap<&'static str, Value>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    window_start: Option<Instant>,
    used: u32,
    /// Every request: when it came, its api-version, its body, and the status answered.
    log: Vec<Logged>,
    /// When each ARM (not Resource Graph) request came.
    arm_log: Vec<Instant>,
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Instant,
    pub api_version: String,
    pub body: Value,
    pub status: u16,
}

impl ResourceGraph {
    pub fn new(token: &str, estate: Estate) -> ResourceGraph {
        ResourceGraph {
            token: token.to_string(),
            estate,
            api_versions: vec!["2024-04-01", "2022-10-01"],
            quota: 15,
            window: Duration::from_secs(5),
            truncate: false,
            hide_quota: false,
            latency: Duration::ZERO,
            forbidden: Vec::new(),
            plans_in_graph: false,
            pascal_case: false,
            refused_tables: Vec::new(),
            raw_rows: Vec::new(),
            oversized: Vec::new(),
            reads_remaining: None,
            kubeconfigs: BTreeMap::new(),
            around: around(),
            state: Mutex::new(State::default()),
        }
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    /// When each ARM request came, in order.
    pub fn arm_log(&self) -> Vec<Instant> {
        self.state.lock().unwrap().arm_log.clone()
    }

    /// Resource Graph's path, and the per-cluster ARM reads of the estate's clusters; `None` for
    /// anything else.
    pub fn serve(&self, request: &Request) -> Option<Reply> {
        if !request.path.eq_ignore_ascii_case(PATH) {
            self.state.lock().unwrap().arm_log.push(Instant::now());
            let reply = self.serve_arm(request).map(|reply| reply.after(self.latency));
            return match self.reads_remaining {
                Some(left) => {
                    reply.map(|r| r.with_header("x-ms-ratelimit-remaining-subscription-reads", &left.to_string()))
                }
                None => reply,
            };
        }
        let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
        let version = request.query.get("api-version").cloned().unwrap_or_default();
        let reply = self.answer(request, &body, &version).after(self.latency);
        let mut state = self.state.lock().unwrap();
        state.log.push(Logged { at: Instant::now(), api_version: version, body, status: reply.status });
        Some(reply)
    }

    fn answer(&self, request: &Request, body: &Value, version: &str) -> Reply {
        if request.method != "POST" {
            return error(405, "MethodNotAllowed", "POST only");
        }
        if request.authorization.as_deref() != Some(&format!("Bearer {}", self.token)) {
            return error(401, "InvalidAuthenticationToken", "The access token is invalid.");
        }
        if !self.api_versions.contains(&version) {
            let supported = self.api_versions.join(",");
            return error(400, "InvalidApiVersionParameter", &format!("The supported api-versions are '{supported}'."));
        }
        let (remaining, resets_after) = match self.spend() {
            Some(quota) => quota,
            None => {
                let wait = self.resets_after();
                let reply = error(429, "RateLimiting", "Please provide below info when asking for support")
                    .with_header("Retry-After", &wait.as_secs_f64().ceil().max(1.0).to_string());
                if self.hide_quota {
                    return reply;
                }
                return reply
                    .with_header("x-ms-user-quota-remaining", "0")
                    .with_header("x-ms-user-quota-resets-after", &hms(wait));
            }
        };
        let quota = |reply: Reply| {
            if self.hide_quota {
                return reply;
            }
            reply
                .with_header("x-ms-user-quota-remaining", &remaining.to_string())
                .with_header("x-ms-user-quota-resets-after", &hms(resets_after))
        };
        let query = body["query"].as_str().unwrap_or_default();
        if self.refused_tables.iter().any(|table| query.starts_with(&format!("{table} "))) {
            return quota(super::azure::forbidden("Microsoft.ResourceGraph/resources/read"));
        }
        let generated;
        let all: &[Value] = if query == QUERY {
            &self.estate.rows
        } else if query == DEFENDER_PLANS_QUERY && self.plans_in_graph {
            generated = self.defender_plans();
            &generated
        } else if let Some(rows) = self.security_rows(query, body) {
            generated = rows;
            &generated
        } else {
            return quota(error(400, "BadRequest", "this stand-in does not know the query"));
        };
        let options = &body["options"];
        let top = options["$top"].as_u64().unwrap_or(100);
        if options["resultFormat"] != "objectArray" || !(1..=1000).contains(&top) {
            return quota(error(400, "BadRequest", "resultFormat objectArray and $top 1..1000 expected"));
        }
        let Some(rows) = self.in_scope(body, all) else {
            return quota(error(400, "BadRequest", "at most 300 subscriptions per request, or one scope"));
        };
        let scope = fingerprint(body);
        let offset = match options.get("$skipToken").and_then(Value::as_str) {
            None => 0,
            Some(token) => match decode_token(token, &scope) {
                Some(offset) => offset,
                None => return quota(error(400, "InvalidSkipToken", "the $skipToken is not for this query")),
            },
        };
        let mut rows: Vec<String> = rows.iter().map(|row| row.to_string()).collect();
        rows.extend(self.raw_rows.iter().filter(|(prefix, _)| query.starts_with(prefix)).map(|(_, raw)| raw.clone()));
        let page: Vec<&String> = rows.iter().skip(offset).take(top as usize).collect();
        let next = offset + page.len();
        let mut answer = json!({"totalRecords": rows.len(), "count": page.len(), "resultTruncated": "false",
                                "facets": [], "data": "DATA"});
        if self.truncate {
            answer["resultTruncated"] = json!("true");
        } else if next < rows.len() {
            answer["$skipToken"] = json!(encode_token(next, &scope));
        }
        let data = format!("[{}]", page.iter().map(|row| row.as_str()).collect::<Vec<_>>().join(","));
        quota(Reply::json(200, answer.to_string().replace("\"DATA\"", &data)))
    }

    /// What aksguard reads around a cluster, as the ARM stand-in serves it (token and api-version
    /// checked), for every cluster of the estate.
    fn serve_arm(&self, request: &Request) -> Option<Reply> {
        let path = request.path.to_ascii_lowercase();
        if request.authorization.as_deref() != Some(&format!("Bearer {}", self.token)) {
            return Some(error(401, "InvalidAuthenticationToken", "The access token is invalid."));
        }
        let expected = super::azure::expected_api_version(&path);
        if request.query.get("api-version").map(String::as_str) != Some(expected) {
            return Some(error(400, "InvalidApiVersionParameter", &format!("expected api-version {expected}")));
        }
        let (cluster, under) = match path.split_once("/providers/microsoft.containerservice/managedclusters/") {
            Some((_, rest)) if rest.contains('/') => {
                let (name, under) = rest.split_once('/').unwrap();
                let id = &path[..path.len() - under.len() - 1];
                (self.estate.rows.iter().find(|row| row["id"] == id).map(|_| name.to_string()), under.to_string())
            }
            _ => (None, String::new()),
        };
        if let Some(name) = &cluster {
            if self.forbidden.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                return Some(super::azure::forbidden("Microsoft.ContainerService/managedClusters/read"));
            }
        }
        if let (Some(name), "providers/microsoft.insights/diagnosticsettings") = (&cluster, under.as_str()) {
            if self.oversized.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return Some(Reply::json(200, format!("{{\"value\": [\"{}\"]}}", "x".repeat(65 << 20))));
            }
        }
        if let (Some(name), "listclusterusercredential") = (&cluster, under.as_str()) {
            return Some(self.user_credential(request, name));
        }
        if let Some(mut list) = self.security_list(&path, cluster.is_some()) {
            // In id order, as Resource Graph's `order by id` gives them: the same order for a rule
            // that lists what applies.
            list.sort_by_key(|doc| doc["id"].as_str().unwrap_or_default().to_ascii_lowercase());
            return Some(Reply::json(200, json!({"value": list}).to_string()));
        }
        // The other Defender, Policy and role assignment reads (issue 13): this estate has none.
        const EMPTY_LISTS: [&str; 6] = [
            "/providers/microsoft.security/alerts",
            "/providers/microsoft.security/assessments",
            "/subassessments",
            "/providers/microsoft.authorization/policyassignments",
            "/providers/microsoft.authorization/roleassignments",
            "/latest/queryresults",
        ];
        if EMPTY_LISTS.iter().any(|end| path.ends_with(end)) {
            return Some(Reply::json(200, r#"{"value": []}"#.to_string()));
        }
        if cluster.is_some() && under == "providers/microsoft.security/pricings/containers" {
            // The cluster's own plan: the subscription's, set on the cluster.
            let mut pricing = self.around["pricing"].clone();
            pricing["id"] = Value::String(path.clone());
            return Some(Reply::json(200, pricing.to_string()));
        }
        let key = match (cluster.is_some(), under.as_str()) {
            (true, "maintenanceconfigurations") => "maintenance",
            (true, "upgradeprofiles/default") => "upgrade",
            (true, "agentpools/nodepool1/upgradeprofiles/default") => "nodepool1",
            (true, "agentpools/userpool1/upgradeprofiles/default") => "userpool1",
            (true, "providers/microsoft.insights/diagnosticsettings") => "diagnostics",
            (false, _) if path.ends_with("/providers/microsoft.security/pricings/containers") => "pricing",
            (false, _) if path.ends_with("/kubernetesversions") => "versions",
            _ => return None,
        };
        Some(Reply::json(200, self.around[key].to_string()))
    }

    /// The estate's Defender and Policy documents as ARM serves them: the subscription's alerts,
    /// assessments and registry vulnerabilities; the assignments at a cluster's scopes
    /// (`atScope()`, management groups included) and the states of the cluster.
    fn security_list(&self, path: &str, under_cluster: bool) -> Option<Vec<Value>> {
        let security = &self.estate.security;
        let subscription = path.split('/').nth(2).unwrap_or_default().to_string();
        let in_subscription = |docs: &[Value]| -> Vec<Value> {
            let prefix = format!("/subscriptions/{subscription}/");
            docs.iter()
                .filter(|d| d["id"].as_str().unwrap().to_ascii_lowercase().starts_with(&prefix))
                .cloned()
                .collect()
        };
        let cluster = path.split("/providers/").take(2).collect::<Vec<_>>().join("/providers/");
        if !under_cluster {
            return if path.ends_with("/providers/microsoft.security/alerts") {
                Some(in_subscription(&security.alerts))
            } else if path.ends_with(&format!("/assessments/{REGISTRY_KEY}/subassessments")) {
                Some(in_subscription(&security.sub_assessments))
            } else if path.ends_with("/providers/microsoft.security/assessments") {
                Some(in_subscription(&security.assessments))
            } else {
                None
            };
        }
        let within = |id: &str, scope: &str| {
            let (id, scope) = (id.to_ascii_lowercase(), scope.to_ascii_lowercase());
            id == scope || id.starts_with(&format!("{scope}/"))
        };
        if path.ends_with("/providers/microsoft.authorization/policyassignments") {
            let applies = |a: &&Value| {
                let scope = a["properties"]["scope"].as_str().unwrap();
                match group_of(scope) {
                    Some(group) => self.holds(&group, &subscription),
                    None => within(&cluster, scope),
                }
            };
            return Some(security.assignments.iter().filter(applies).cloned().collect());
        }
        if path.ends_with("/providers/microsoft.policyinsights/policystates/latest/queryresults") {
            let mine = |s: &&Value| within(s["resourceId"].as_str().unwrap(), &cluster);
            return Some(security.states.iter().filter(mine).cloned().collect());
        }
        None
    }

    /// `POST {cluster}/listClusterUserCredential?format=exec`, as ARM answers it.
    fn user_credential(&self, request: &Request, name: &str) -> Reply {
        if request.method != "POST" || request.query.get("format").map(String::as_str) != Some("exec") {
            return error(400, "BadRequest", "listClusterUserCredential takes POST, here with format=exec");
        }
        match self.kubeconfigs.get(name) {
            Some(text) => {
                let value = super::apiserver::base64_encode(text.as_bytes());
                let name = format!("clusterUser_rg_{name}");
                Reply::json(200, json!({"kubeconfigs": [{"name": name, "value": value}]}).to_string())
            }
            None => {
                super::azure::forbidden("Microsoft.ContainerService/managedClusters/listClusterUserCredential/action")
            }
        }
    }

    /// ARG rows of `microsoft.security/pricings` named Containers: one per subscription of the
    /// estate (the Contoso plan, lowercased as ARG has it), plus the first cluster's own plan.
    fn defender_plans(&self) -> Vec<Value> {
        let mut subscriptions: Vec<&str> =
            self.estate.rows.iter().map(|row| row["subscriptionId"].as_str().unwrap()).collect();
        subscriptions.sort();
        subscriptions.dedup();
        let plan = |id: String, subscription: &str| {
            let mut row = self.around["pricing"].clone();
            row["id"] = json!(id);
            row["type"] = json!("microsoft.security/pricings");
            row["subscriptionId"] = json!(subscription);
            row
        };
        let mut rows: Vec<Value> = subscriptions
            .iter()
            .map(|s| plan(format!("/subscriptions/{s}/providers/microsoft.security/pricings/containers"), s))
            .collect();
        if let Some(first) = self.estate.rows.first() {
            let mut own = plan(
                format!("{}/providers/microsoft.security/pricings/containers", first["id"].as_str().unwrap()),
                first["subscriptionId"].as_str().unwrap(),
            );
            own["properties"]["pricingTier"] = json!("Free");
            rows.push(own);
        }
        rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        rows
    }

    /// The ARG rows of a Defender, Policy or subscription query; `None` for a query it does not know.
    fn security_rows(&self, query: &str, body: &Value) -> Option<Vec<Value>> {
        let security = &self.estate.security;
        let rows: Vec<Value> = if query
            .starts_with("securityresources | where (type =~ 'microsoft.security/locations/alerts'")
        {
            let mut rows: Vec<Value> = security.alerts.iter().map(|alert| self.alert_row(alert)).collect();
            rows.extend(security.assessments.iter().map(|a| self.assessment_row(a)));
            if query.contains("type =~ 'microsoft.security/assessments/subassessments'") {
                rows.extend(security.sub_assessments.iter().map(graph_row));
            }
            rows
        } else if query.starts_with("policyresources | where (type =~ 'microsoft.authorization/policyassignments'") {
            let above = body["options"]["authorizationScopeFilter"] == "AtScopeAndAbove";
            let asked: Vec<String> = body["subscriptions"]
                .as_array()
                .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect())
                .unwrap_or_default();
            let mut rows: Vec<Value> = security
                .assignments
                .iter()
                .filter(|a| match group_of(a["properties"]["scope"].as_str().unwrap()) {
                    Some(group) => above && asked.iter().any(|sub| self.holds(&group, sub)),
                    None => true,
                })
                .map(graph_row)
                .collect();
            rows.extend(security.states.iter().enumerate().map(|(i, state)| state_row(i, state)));
            rows
        } else if query.starts_with("resourcecontainers | where type =~ 'microsoft.resources/subscriptions'") {
            self.subscription_rows()
        } else {
            return None;
        };
        let mut rows = rows;
        rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        Some(rows)
    }

    /// Whether management group `group` (or the tenant root) holds `subscription`.
    fn holds(&self, group: &str, subscription: &str) -> bool {
        group.eq_ignore_ascii_case(TENANT)
            || self.estate.management_groups.iter().any(|(name, subs)| {
                name.eq_ignore_ascii_case(group) && subs.iter().any(|s| s.eq_ignore_ascii_case(subscription))
            })
    }

    fn alert_row(&self, alert: &Value) -> Value {
        let mut row = graph_row(alert);
        if self.pascal_case {
            row["properties"] = pascal(&row["properties"]);
        }
        row
    }

    fn assessment_row(&self, assessment: &Value) -> Value {
        let mut row = graph_row(assessment);
        if self.pascal_case {
            row["properties"]["resourceDetails"] = pascal(&row["properties"]["resourceDetails"]);
        }
        row
    }

    /// `resourcecontainers` rows of the estate's subscriptions, with their management groups.
    fn subscription_rows(&self) -> Vec<Value> {
        let mut subscriptions: Vec<&str> =
            self.estate.rows.iter().map(|row| row["subscriptionId"].as_str().unwrap()).collect();
        subscriptions.sort();
        subscriptions.dedup();
        subscriptions
            .into_iter()
            .map(|sub| {
                let mut chain: Vec<Value> = self
                    .estate
                    .management_groups
                    .iter()
                    .filter(|(_, subs)| subs.iter().any(|s| s == sub))
                    .map(|(name, _)| json!({"name": name, "displayName": name}))
                    .collect();
                chain.push(json!({"name": TENANT, "displayName": "Tenant Root Group"}));
                json!({"id": format!("/subscriptions/{sub}"), "subscriptionId": sub, "managementGroups": chain})
            })
            .collect()
    }

    /// One query of this window's quota: what is left and when it resets, or `None` when spent.
    fn spend(&self) -> Option<(u32, Duration)> {
        let mut state = self.state.lock().unwrap();
        let now = Instant::now();
        let start = *state.window_start.get_or_insert(now);
        if now.duration_since(start) >= self.window {
            state.window_start = Some(now);
            state.used = 0;
        }
        if state.used >= self.quota {
            return None;
        }
        state.used += 1;
        let left = self.window.saturating_sub(now.duration_since(state.window_start.unwrap()));
        Some((self.quota - state.used, left))
    }

    fn resets_after(&self) -> Duration {
        let state = self.state.lock().unwrap();
        let start = state.window_start.unwrap_or_else(Instant::now);
        self.window.saturating_sub(start.elapsed())
    }

    /// The rows the body's scope sees; `None` for a scope the service refuses.
    fn in_scope<'a>(&self, body: &Value, all: &'a [Value]) -> Option<Vec<&'a Value>> {
        let subscriptions: Option<Vec<String>> = match (&body["subscriptions"], &body["managementGroups"]) {
            (Value::Null, Value::Null) => None,
            (Value::Array(ids), Value::Null) if ids.len() <= 300 => {
                Some(ids.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect())
            }
            (Value::Null, Value::Array(groups)) => Some(
                groups
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(|g| self.estate.management_groups.get(g).cloned().unwrap_or_default())
                    .collect(),
            ),
            _ => return None,
        };
        Some(
            all.iter()
                .filter(|row| {
                    // A management group's row: already chosen by the scope filter.
                    let Some(sub) = row["subscriptionId"].as_str() else { return true };
                    let sub = sub.to_ascii_lowercase();
                    subscriptions.as_ref().is_none_or(|ids| ids.contains(&sub))
                })
                .collect(),
        )
    }
}

/// An ARM document as an ARG row: id and type lowercased, the subscription, and ARG's other
/// columns (mostly null for these types).
fn graph_row(document: &Value) -> Value {
    let mut row = document.clone();
    let id = document["id"].as_str().unwrap().to_ascii_lowercase();
    row["id"] = json!(id);
    row["type"] = json!(document["type"].as_str().unwrap().to_ascii_lowercase());
    let segment = |key: &str| {
        let mut parts = id.split('/');
        parts.find(|p| *p == key).and_then(|_| parts.next()).map(str::to_string)
    };
    match segment("subscriptions") {
        Some(sub) => row["subscriptionId"] = json!(sub),
        None => row["subscriptionId"] = Value::Null,
    }
    row["resourceGroup"] = json!(segment("resourcegroups").unwrap_or_default());
    row["tenantId"] = json!(TENANT);
    for column in ["sku", "plan", "identity", "zones", "extendedLocation", "tags"] {
        row[column] = Value::Null;
    }
    row["kind"] = json!("");
    row["managedBy"] = json!("");
    row
}

/// A Policy Insights row as ARG has it: its fields under `properties`.
fn state_row(i: usize, state: &Value) -> Value {
    let resource = state["resourceId"].as_str().unwrap().to_ascii_lowercase();
    let sub = resource.split('/').nth(2).unwrap_or_default().to_string();
    let mut properties = state.clone();
    properties["resourceId"] = json!(resource);
    json!({"id": format!("/subscriptions/{sub}/providers/microsoft.policyinsights/policystates/{i:08}"),
        "name": format!("{i:08}"), "type": "microsoft.policyinsights/policystates", "subscriptionId": sub,
        "tenantId": TENANT, "properties": properties})
}

/// The name of the management group `scope` is, if it is one.
fn group_of(scope: &str) -> Option<String> {
    scope.to_ascii_lowercase().strip_prefix("/providers/microsoft.management/managementgroups/").map(str::to_string)
}

/// Object keys with their first letter upper-cased, all the way down (ARG's PascalCase).
fn pascal(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let mut chars = key.chars();
                    let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
                    (first.chain(chars).collect(), pascal(value))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(pascal).collect()),
        other => other.clone(),
    }
}

fn around() -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("maintenance", json!({"value": contoso("maintenanceconfiguration-list.json")})),
        ("upgrade", contoso("get-upgrades.json")),
        ("nodepool1", contoso("nodepool-get-upgrades-nodepool1.json")),
        ("userpool1", contoso("nodepool-get-upgrades-userpool1.json")),
        ("diagnostics", json!({"value": contoso("diagnostic-settings-list.json")})),
        ("pricing", contoso("security-pricing-containers.json")),
        ("versions", contoso("aks-get-versions.json")),
    ])
}

fn hms(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    format!("00:00:{:06.3}", s.min(59.999))
}

/// A token is opaque to clients; this one names the scope it belongs to and the next offset.
fn encode_token(offset: usize, scope: &str) -> String {
    super::apiserver::base64_encode(format!("{scope}|{offset}").as_bytes())
}

fn decode_token(token: &str, scope: &str) -> Option<usize> {
    let plain = decode_base64(token)?;
    let (token_scope, offset) = plain.rsplit_once('|')?;
    (token_scope == scope).then(|| offset.parse().ok()).flatten()
}

/// The request's scope, so that a token cannot be replayed against another.
fn fingerprint(body: &Value) -> String {
    format!("{:x}", fnv(&format!("{}{}", body["subscriptions"], body["managementGroups"])))
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3))
}

fn decode_base64(text: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|c| *c == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}
