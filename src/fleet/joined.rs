//! The fleet's Defender and Policy parts from Resource Graph: alerts, assessments, registry
//! image vulnerabilities (sub-assessments), policy assignments and policy states, a few paged
//! queries per batch of clusters instead of ARM reads per subscription and per cluster.
//!
//! Each row is joined to the clusters of the batch by lowercased id (an assessment's
//! `resourceDetails.Id`/`.id`, an alert's `resourceIdentifiers[].azureResourceId` in either
//! casing, a state's `resourceId`, an assignment's scope; a sub-assessment by its subscription)
//! and read by the same code as ARM's answer (`collect::arm::read_document`); rows about other
//! clusters are dropped as they arrive. A row that cannot be read makes its source unknown, with
//! the reason, for the clusters it concerns only. A query that fails, or whose answer is not
//! complete, leaves its source to the ARM reads, as before, with a warning.
//!
//! Memory: the clusters come in batches ([`batches`]: whole subscriptions, about
//! [`BATCH_CLUSTERS`] clusters, at most 300 subscriptions, one request scope); only one batch's
//! rows are held, as documents in their models, while its clusters are audited.

use super::cluster::FleetCluster;
use crate::collect::arm::read_document;
use crate::collect::arm::resource_graph::page::BadRow;
use crate::collect::arm::resource_graph::query::MAX_SUBSCRIPTIONS;
use crate::collect::arm::resource_graph::{self as arg, Graph, Query, Scope};
use crate::snapshot::arm::id_segment;
use crate::snapshot::policy::{PolicyAssignment, PolicyState};
use crate::snapshot::security::{SecurityAlert, SecurityAssessment, SubAssessment};
use crate::snapshot::sources::{self, ArmRead, ArmSource};
use crate::snapshot::strict::{is_management_group, within};
use crate::snapshot::{AzureState, Part};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Clusters per batch (whole subscriptions, so a batch can hold more).
pub const BATCH_CLUSTERS: usize = 500;

/// The fleet's clusters (sorted by lowercased id, so a subscription's come together) cut into
/// batches of whole subscriptions.
pub fn batches(clusters: &[FleetCluster]) -> Vec<&[FleetCluster]> {
    let mut batches = Vec::new();
    let (mut start, mut subscriptions) = (0, 0);
    for i in 0..clusters.len() {
        let new_subscription = i == 0 || !clusters[i].subscription.eq_ignore_ascii_case(&clusters[i - 1].subscription);
        if new_subscription && i > start && (i - start >= BATCH_CLUSTERS || subscriptions == MAX_SUBSCRIPTIONS) {
            batches.push(&clusters[start..i]);
            (start, subscriptions) = (i, 0);
        }
        subscriptions += usize::from(new_subscription);
    }
    if start < clusters.len() {
        batches.push(&clusters[start..]);
    }
    batches
}

/// One source's documents for one cluster (or subscription), or why they cannot be trusted.
#[derive(Debug, Clone)]
enum Rows<T> {
    Read(Vec<T>),
    Unknown(String),
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows::Read(Vec::new())
    }
}

impl<T: Clone> Rows<T> {
    fn add(&mut self, document: Result<T, String>) {
        match (&mut *self, document) {
            (Rows::Read(documents), Ok(document)) => documents.push(document),
            (Rows::Read(_), Err(why)) => *self = Rows::Unknown(why),
            (Rows::Unknown(_), _) => {}
        }
    }

    fn part(&self) -> Part<Vec<T>> {
        match self {
            Rows::Read(documents) => Part::Collected(documents.clone()),
            Rows::Unknown(why) => Part::unavailable(why.clone()),
        }
    }
}

/// What one query gave for a batch: documents by key (a cluster's lowercased id, or a
/// subscription's), or why the query's answer is not used.
type ByKey<T> = Result<HashMap<String, Rows<T>>, String>;

/// How one query of a batch went, for the warnings, `-v` and `doctor --fleet`.
#[derive(Debug, Clone)]
pub struct QueryOutcome {
    /// The table it reads (`securityresources`).
    pub table: &'static str,
    /// Rows and requests, or why its sources are read from ARM instead.
    pub outcome: Result<arg::Outcome, String>,
}

/// A batch's Defender and Policy documents, joined to its clusters.
pub struct Joined {
    alerts: ByKey<SecurityAlert>,
    assessments: ByKey<SecurityAssessment>,
    /// By lowercased subscription.
    sub_assessments: ByKey<SubAssessment>,
    states: ByKey<PolicyState>,
    assignments: Result<Assignments, String>,
    /// Lowercased subscriptions whose Containers plan Resource Graph returned; `None` when the
    /// plan query failed.
    defender_seen: Option<HashSet<String>>,
    /// Whether the registry image vulnerabilities were asked for.
    images: bool,
    pub outcomes: Vec<QueryOutcome>,
}

/// The batch's policy assignments (shared by its clusters) and where each subscription sits.
struct Assignments {
    rows: Vec<Result<PolicyAssignment, (Option<String>, String)>>,
    /// Lowercased subscription → the names of its management groups, lowercased.
    ancestry: Result<HashMap<String, Vec<String>>, String>,
}

impl Assignments {
    /// Whether management group `scope` holds `subscription`, as Resource Graph's ancestry says.
    fn under(&self, scope: &str, subscription: &str) -> Result<bool, String> {
        let name = scope.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
        match &self.ancestry {
            Ok(ancestry) => match ancestry.get(subscription) {
                Some(groups) => Ok(groups.contains(&name)),
                None => {
                    Err(format!("Resource Graph did not say which management groups hold subscription {subscription}"))
                }
            },
            Err(why) => Err(why.clone()),
        }
    }
}

/// The parts Resource Graph gave one cluster; a source it did not give is read from ARM (and says
/// why not, for a run that reads nothing from ARM).
pub struct Given {
    alerts: Result<Part<Vec<SecurityAlert>>, String>,
    assessments: Result<Part<Vec<SecurityAssessment>>, String>,
    sub_assessments: Result<Part<Vec<SubAssessment>>, String>,
    assignments: Result<Part<Vec<PolicyAssignment>>, String>,
    states: Result<Part<Vec<PolicyState>>, String>,
}

/// The sources this module can fill, in snapshot order.
pub const SOURCES: [&str; 5] = [
    sources::arm::DefenderAlerts::READ.source,
    sources::arm::DefenderAssessments::READ.source,
    sources::arm::DefenderSubAssessments::READ.source,
    sources::arm::PolicyAssignments::READ.source,
    sources::arm::PolicyStates::READ.source,
];

impl Given {
    /// The sources given, which ARM must not read again.
    pub fn sources(&self) -> Vec<&'static str> {
        let given = [
            self.alerts.is_ok(),
            self.assessments.is_ok(),
            self.sub_assessments.is_ok(),
            self.assignments.is_ok(),
            self.states.is_ok(),
        ];
        SOURCES.iter().zip(given).filter(|(_, given)| *given).map(|(source, _)| *source).collect()
    }

    /// Fills the given parts in; with `arm_read` false (`--resource-graph-only`) the others say
    /// why they are missing.
    pub fn fill(self, azure: &mut AzureState, arm_read: bool) {
        fn put<T>(part: &mut Part<Vec<T>>, given: Result<Part<Vec<T>>, String>, arm_read: bool) {
            match (given, arm_read) {
                (Ok(given), _) => *part = given,
                (Err(_), true) => {}
                (Err(why), false) => {
                    *part = Part::unavailable(format!("not read: {why}, and --resource-graph-only reads no ARM"))
                }
            }
        }
        put(&mut azure.defender_alerts, self.alerts, arm_read);
        put(&mut azure.defender_assessments, self.assessments, arm_read);
        put(&mut azure.defender_sub_assessments, self.sub_assessments, arm_read);
        put(&mut azure.policy_assignments, self.assignments, arm_read);
        put(&mut azure.policy_states, self.states, arm_read);
    }
}

/// The lowercased id of the managed cluster `id` is, or lies under (a node pool, a container).
pub fn cluster_of(id: &str) -> Option<String> {
    const MARKER: &str = "/providers/microsoft.containerservice/managedclusters/";
    let lower = id.trim().to_ascii_lowercase();
    let at = lower.find(MARKER)?;
    let name = lower[at + MARKER.len()..].split('/').next().filter(|name| !name.is_empty())?;
    lower.starts_with("/subscriptions/").then(|| format!("{}{MARKER}{name}", &lower[..at]))
}

/// Every cluster a row that cannot be read names anywhere, in a lenient reading: for saying which
/// clusters it concerns (more rather than fewer), never for judging it.
fn named_clusters(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => found.extend(cluster_of(text)),
        Value::Array(items) => items.iter().for_each(|item| named_clusters(item, found)),
        Value::Object(map) => map.values().for_each(|item| named_clusters(item, found)),
        _ => {}
    }
}

/// The lowercased subscription a row's id is in.
fn subscription_of(row: &Value) -> Option<String> {
    row.get("id").and_then(Value::as_str).and_then(|id| id_segment(id, "subscriptions")).map(str::to_ascii_lowercase)
}

/// The batch being joined: its clusters' keys and subscriptions.
struct Batch<'a> {
    clusters: &'a [FleetCluster],
    keys: HashSet<String>,
    subscriptions: Vec<String>,
}

impl Batch<'_> {
    /// The batch's clusters a row that cannot be read concerns: those it names, else every one
    /// of its subscription (else of the batch).
    fn concerned(&self, lenient: &Value) -> Vec<String> {
        let mut named = BTreeSet::new();
        named_clusters(lenient, &mut named);
        named.retain(|key| self.keys.contains(key));
        if !named.is_empty() {
            return named.into_iter().collect();
        }
        let subscription = subscription_of(lenient);
        self.clusters
            .iter()
            .filter(|c| subscription.as_ref().is_none_or(|s| c.subscription.eq_ignore_ascii_case(s)))
            .map(FleetCluster::key)
            .collect()
    }
}

/// Reads a batch's rows: one query per table over the batch's subscriptions, one after the
/// other (the per-user quota is shared), each row joined as its page arrives. `images` asks for
/// the registry image vulnerabilities too (they are joined with running images only).
pub async fn read(
    graph: &Graph,
    clusters: &[FleetCluster],
    defender_seen: Option<HashSet<String>>,
    images: bool,
) -> Joined {
    let mut subscriptions: Vec<String> = clusters.iter().map(|c| c.subscription.to_ascii_lowercase()).collect();
    subscriptions.dedup();
    let batch = Batch { clusters, keys: clusters.iter().map(FleetCluster::key).collect(), subscriptions };
    let scope = Scope::Subscriptions(batch.subscriptions.clone());
    let mut outcomes = Vec::new();
    let query = if images { arg::SECURITY_QUERY } else { arg::SECURITY_QUERY_WITHOUT_IMAGES };
    let (alerts, assessments, sub_assessments) = security(graph, &scope, query, &batch, &mut outcomes).await;
    let sub_assessments = match images {
        true => sub_assessments,
        false => Err(NO_IMAGES.to_string()),
    };
    let (states, assignments) = policy(graph, &scope, &batch, &mut outcomes).await;
    let unseen = batch.subscriptions.iter().filter(|s| defender_seen.as_ref().is_none_or(|seen| !seen.contains(*s)));
    for subscription in unseen {
        tracing::debug!(%subscription, "no Defender plan from Resource Graph: its Defender rows are read from ARM");
    }
    Joined { alerts, assessments, sub_assessments, states, assignments, defender_seen, images, outcomes }
}

/// Why the registry image vulnerabilities are not read with `--skip-kubernetes`.
const NO_IMAGES: &str = "not read: with --skip-kubernetes no running image is joined with Defender's registry findings";

/// One Resource Graph row as `S`'s document, read as ARM's answer is.
fn document<S: ArmSource>(row: &Value) -> Result<S::Document, String> {
    read_document::<S::Document>(&S::READ, row, "Resource Graph's row")
}

/// A document whose verdict rests on `field` only if the row carries it: Resource Graph may index
/// another api-version, and an alert without a status is not a closed one, nor a state without
/// a compliance state a compliant one.
fn carries<T>(present: bool, field: &str, document: T) -> Result<T, String> {
    match present {
        true => Ok(document),
        false => Err(format!(
            "Resource Graph's row has no {field} (it may index another api-version), so it cannot be judged"
        )),
    }
}

/// The lowercased `type` of a row (leniently, for a row that cannot be read).
fn row_type(row: &Value) -> String {
    row.get("type").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase()
}

/// The Defender query: alerts and assessments by cluster, registry vulnerabilities by
/// subscription.
async fn security(
    graph: &Graph,
    scope: &Scope,
    query: Query,
    batch: &Batch<'_>,
    outcomes: &mut Vec<QueryOutcome>,
) -> (ByKey<SecurityAlert>, ByKey<SecurityAssessment>, ByKey<SubAssessment>) {
    let mut alerts: HashMap<String, Rows<SecurityAlert>> = HashMap::new();
    let mut assessments: HashMap<String, Rows<SecurityAssessment>> = HashMap::new();
    let mut images: HashMap<String, Rows<SubAssessment>> = HashMap::new();
    let outcome = arg::query_rows(graph, scope, query, |row| {
        let (row, why) = match row {
            Ok(row) => (row, None),
            Err(BadRow { why, lenient }) => (lenient, Some(why)),
        };
        match (row_type(&row).as_str(), why) {
            ("microsoft.security/locations/alerts", None) => match document::<sources::arm::DefenderAlerts>(&row)
                .and_then(|alert| carries(alert.properties.status.is_some(), "status", alert))
            {
                Ok(alert) => {
                    // A set: an alert naming the cluster and one of its pools is the cluster's once.
                    let ids =
                        alert.properties.resource_identifiers.iter().filter_map(|r| r.azure_resource_id.as_deref());
                    let named: BTreeSet<String> = ids.filter_map(cluster_of).collect();
                    for key in named.into_iter().filter(|key| batch.keys.contains(key)) {
                        alerts.entry(key).or_default().add(Ok(alert.clone()));
                    }
                }
                Err(why) => unknown(&mut alerts, batch.concerned(&row), why),
            },
            ("microsoft.security/assessments", None) => match document::<sources::arm::DefenderAssessments>(&row) {
                Ok(assessment) => {
                    if let Some(key) =
                        assessment.resource_id().and_then(cluster_of).filter(|key| batch.keys.contains(key))
                    {
                        assessments.entry(key).or_default().add(Ok(assessment));
                    }
                }
                Err(why) => unknown(&mut assessments, batch.concerned(&row), why),
            },
            ("microsoft.security/assessments/subassessments", why) => {
                let Some(subscription) = subscription_of(&row).filter(|s| batch.subscriptions.contains(s)) else {
                    return;
                };
                let image = match why {
                    None => document::<sources::arm::DefenderSubAssessments>(&row),
                    Some(why) => Err(format!(
                        "Resource Graph's row for {} cannot be read ({why})",
                        sources::arm::DefenderSubAssessments::READ.what
                    )),
                };
                images.entry(subscription).or_default().add(image);
            }
            (_, Some(why)) => {
                let why = format!("Resource Graph's Defender row cannot be read ({why})");
                let concerned = batch.concerned(&row);
                unknown(&mut alerts, concerned.clone(), why.clone());
                unknown(&mut assessments, concerned, why);
            }
            // Another type: not asked for, not used.
            (_, None) => {}
        }
    })
    .await;
    match settle(query.table, outcome, outcomes) {
        Ok(()) => (Ok(alerts), Ok(assessments), Ok(images)),
        Err(why) => (Err(why.clone()), Err(why.clone()), Err(why)),
    }
}

/// Makes a source unknown with `why` for `clusters`.
fn unknown<T: Clone>(by: &mut HashMap<String, Rows<T>>, clusters: Vec<String>, why: String) {
    for key in clusters {
        by.entry(key).or_default().add(Err(why.clone()));
    }
}

/// The Policy query: states by cluster; the assignments, shared by the batch's clusters, and,
/// when one is made at a management group, where each subscription sits.
async fn policy(
    graph: &Graph,
    scope: &Scope,
    batch: &Batch<'_>,
    outcomes: &mut Vec<QueryOutcome>,
) -> (ByKey<PolicyState>, Result<Assignments, String>) {
    let mut states: HashMap<String, Rows<PolicyState>> = HashMap::new();
    let mut rows = Vec::new();
    let scope_of =
        |row: &Value| row.get("properties").and_then(|p| p.get("scope")).and_then(Value::as_str).map(str::to_string);
    let outcome = arg::query_rows(graph, scope, arg::POLICY_QUERY, |row| {
        let (row, why) = match row {
            Ok(row) => (row, None),
            Err(BadRow { why, lenient }) => (lenient, Some(why)),
        };
        let what = |read: &ArmRead, why: &str| format!("Resource Graph's row for {} cannot be read ({why})", read.what);
        match (row_type(&row).as_str(), why) {
            ("microsoft.authorization/policyassignments", None) => {
                rows.push(document::<sources::arm::PolicyAssignments>(&row).map_err(|why| (scope_of(&row), why)))
            }
            ("microsoft.authorization/policyassignments", Some(why)) => {
                rows.push(Err((scope_of(&row), what(&sources::arm::PolicyAssignments::READ, &why))))
            }
            ("microsoft.policyinsights/policystates", None) => {
                // Resource Graph has the state's fields under `properties`; Policy Insights, flat.
                let state = match row.get("properties") {
                    Some(properties @ Value::Object(_)) => document::<sources::arm::PolicyStates>(properties)
                        .and_then(|state| carries(state.compliance_state.is_some(), "complianceState", state)),
                    _ => Err(what(&sources::arm::PolicyStates::READ, "it has no `properties` object")),
                };
                match state {
                    Ok(state) => {
                        let key =
                            state.resource_id.as_deref().and_then(cluster_of).filter(|key| batch.keys.contains(key));
                        if let Some(key) = key {
                            states.entry(key).or_default().add(Ok(state));
                        }
                    }
                    Err(why) => unknown(&mut states, batch.concerned(&row), why),
                }
            }
            ("microsoft.policyinsights/policystates", Some(why)) => {
                unknown(&mut states, batch.concerned(&row), what(&sources::arm::PolicyStates::READ, &why))
            }
            (_, Some(why)) => {
                let why = format!("Resource Graph's Policy row cannot be read ({why})");
                unknown(&mut states, batch.concerned(&row), why.clone());
                rows.push(Err((None, why)));
            }
            (_, None) => {}
        }
    })
    .await;
    if let Err(why) = settle(arg::POLICY_QUERY.table, outcome, outcomes) {
        return (Err(why.clone()), Err(why));
    }
    let at_groups = rows.iter().any(|row| match row {
        Ok(assignment) => assignment.properties.scope.as_deref().is_some_and(is_management_group),
        Err((scope, _)) => scope.as_deref().is_none_or(is_management_group),
    });
    let ancestry = match at_groups {
        true => ancestry(graph, scope, outcomes).await,
        false => Ok(HashMap::new()),
    };
    (Ok(states), Ok(Assignments { rows, ancestry }))
}

/// Whether a query's answer is used: it failed, or is not complete, and its sources are read
/// from ARM (the reason goes to the outcomes, and to `-v`).
fn settle(
    table: &'static str,
    outcome: Result<arg::Outcome, arg::GraphError>,
    outcomes: &mut Vec<QueryOutcome>,
) -> Result<(), String> {
    let result = match outcome {
        Ok(outcome) if outcome.complete => Ok(outcome),
        Ok(_) => Err(format!(
            "Resource Graph's answer from {table} is not complete (truncated, or fewer rows than it counted)"
        )),
        Err(err) => Err(format!("Resource Graph's query of {table} failed: {err}")),
    };
    let used = result.as_ref().map(|_| ()).map_err(Clone::clone);
    if let Err(why) = &used {
        tracing::debug!(table, reason = %why, "read from ARM instead");
    }
    outcomes.push(QueryOutcome { table, outcome: result });
    used
}

/// Each subscription's management groups (`managementGroupAncestorsChain`), lowercased.
async fn ancestry(
    graph: &Graph,
    scope: &Scope,
    outcomes: &mut Vec<QueryOutcome>,
) -> Result<HashMap<String, Vec<String>>, String> {
    let mut ancestry = HashMap::new();
    let mut unreadable = None;
    let outcome = arg::query_rows(graph, scope, arg::ANCESTRY_QUERY, |row| {
        let Ok(row) = row else {
            unreadable = Some("a subscription's row cannot be read".to_string());
            return;
        };
        let subscription = row.get("subscriptionId").and_then(Value::as_str).map(str::to_ascii_lowercase);
        let groups = row.get("managementGroups").and_then(Value::as_array).and_then(|chain| {
            chain.iter().map(|group| group.get("name").and_then(Value::as_str).map(str::to_ascii_lowercase)).collect()
        });
        match (subscription, groups) {
            (Some(subscription), Some(groups)) => {
                ancestry.insert(subscription, groups);
            }
            _ => unreadable = Some("a subscription's row has no managementGroupAncestorsChain of names".to_string()),
        }
    })
    .await;
    let result = match (outcome, unreadable) {
        (Ok(outcome), None) if outcome.complete => Ok(outcome),
        (Ok(_), None) => Err("Resource Graph's answer for the subscriptions' management groups is not complete".into()),
        (Ok(_), Some(why)) => Err(format!("Resource Graph's answer for the subscriptions' management groups: {why}")),
        (Err(err), _) => Err(format!("Resource Graph's query for the subscriptions' management groups failed: {err}")),
    };
    let used = result.as_ref().map(|_| ancestry).map_err(Clone::clone);
    outcomes.push(QueryOutcome { table: arg::ANCESTRY_QUERY.table, outcome: result });
    used
}

impl Joined {
    /// What Resource Graph gave `cluster`.
    pub fn given(&self, cluster: &FleetCluster) -> Given {
        let key = cluster.key();
        let subscription = cluster.subscription.to_ascii_lowercase();
        // Resource Graph leaves out what the credential may not read, without a word: an empty
        // answer is taken for "none" only where it showed the subscription's Defender plan.
        let defender = match &self.defender_seen {
            Some(seen) if seen.contains(&subscription) => Ok(()),
            Some(_) => Err(format!(
                "Resource Graph showed no Defender plan for subscription {subscription}, so its empty answer could be a refusal"
            )),
            None => {
                Err("Resource Graph's Defender plan query failed, so its empty answers could be refusals".to_string())
            }
        };
        fn of<T: Clone>(by: &ByKey<T>, key: &str) -> Result<Part<Vec<T>>, String> {
            match by {
                Ok(by) => Ok(by.get(key).map_or_else(|| Part::Collected(Vec::new()), Rows::part)),
                Err(why) => Err(why.clone()),
            }
        }
        let images = match self.images {
            true => defender.clone().and_then(|()| of(&self.sub_assessments, &subscription)),
            false => Ok(Part::unavailable(NO_IMAGES)),
        };
        Given {
            alerts: defender.clone().and_then(|()| of(&self.alerts, &key)),
            assessments: defender.and_then(|()| of(&self.assessments, &key)),
            sub_assessments: images,
            assignments: self.assignments_for(&key, &subscription),
            states: of(&self.states, &key),
        }
    }

    /// The assignments at the cluster's scopes: its management groups, subscription, resource
    /// group and itself (ARM's `atScope()`); `notScopes` is the rule's to weigh, as with ARM.
    fn assignments_for(&self, cluster: &str, subscription: &str) -> Result<Part<Vec<PolicyAssignment>>, String> {
        let assignments = self.assignments.as_ref().map_err(Clone::clone)?;
        let mut mine = Vec::new();
        for row in &assignments.rows {
            let applies = match row {
                // No scope: ARM would have returned it too; the rule says it may not apply.
                Ok(assignment) => match assignment.properties.scope.as_deref().filter(|scope| !scope.is_empty()) {
                    Some(scope) if is_management_group(scope) => match assignments.under(scope, subscription) {
                        Ok(under) => under,
                        Err(why) => {
                            return Ok(Part::unavailable(format!(
                                "cannot tell whether the assignments made at management groups apply to the cluster: {why}"
                            )));
                        }
                    },
                    Some(scope) => within(cluster, scope),
                    None => true,
                },
                Err((scope, why)) if scope.as_deref().is_none_or(|s| is_management_group(s) || within(cluster, s)) => {
                    return Ok(Part::unavailable(why.clone()));
                }
                Err(_) => false,
            };
            if let (true, Ok(assignment)) = (applies, row) {
                mine.push(assignment.clone());
            }
        }
        Ok(Part::Collected(mine))
    }

    /// One sentence per query whose rows were read from ARM instead, for the fleet's warnings.
    pub fn warnings(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter_map(|query| Some((query.table, query.outcome.as_ref().err()?)))
            .map(|(table, why)| {
                format!("{why}; {} read from ARM instead, per subscription and per cluster", read_instead(table))
            })
            .collect()
    }
}

/// What a table's query would have given, for sentences.
pub fn read_instead(table: &str) -> &'static str {
    match table {
        "securityresources" => "the Defender alerts, assessments and registry image vulnerabilities were",
        "policyresources" => "the policy assignments and states were",
        _ => "the policy assignments were",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster(subscription: &str, name: &str) -> FleetCluster {
        let id = format!(
            "/subscriptions/{subscription}/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/{name}"
        );
        FleetCluster::from_row(&json!({"id": id, "properties": {}})).unwrap()
    }

    fn fleet(sizes: &[usize]) -> Vec<FleetCluster> {
        let mut clusters = Vec::new();
        for (s, size) in sizes.iter().enumerate() {
            clusters.extend((0..*size).map(|i| cluster(&format!("s{s:04}"), &format!("c{i:05}"))));
        }
        clusters
    }

    #[test]
    fn batches_hold_whole_subscriptions_and_at_most_300() {
        let sizes = |clusters: &[FleetCluster]| batches(clusters).iter().map(|b| b.len()).collect::<Vec<_>>();
        assert_eq!(sizes(&fleet(&[400, 200, 10])), [600, 10], "a subscription is never split");
        assert_eq!(sizes(&fleet(&[1200])), [1200]);
        assert_eq!(sizes(&fleet(&[1; 301])), [300, 1]);
        assert_eq!(sizes(&fleet(&[])), Vec::<usize>::new());
        let clusters = fleet(&[3, 700]);
        let cut = batches(&clusters);
        assert_eq!(cut.iter().map(|b| b.len()).sum::<usize>(), 703, "none lost");
    }

    fn joined(
        rows: Vec<Result<PolicyAssignment, (Option<String>, String)>>,
        ancestry: Result<HashMap<String, Vec<String>>, String>,
    ) -> Joined {
        Joined {
            alerts: Ok(HashMap::new()),
            assessments: Ok(HashMap::new()),
            sub_assessments: Ok(HashMap::new()),
            states: Ok(HashMap::new()),
            assignments: Ok(Assignments { rows, ancestry }),
            defender_seen: Some(HashSet::new()),
            images: true,
            outcomes: Vec::new(),
        }
    }

    fn assignment(scope: &str) -> PolicyAssignment {
        PolicyAssignment::from_document(&json!({"id": format!("{scope}/providers/microsoft.authorization/policyassignments/a"), "properties": {"scope": scope}})).unwrap()
    }

    #[test]
    fn assignments_go_to_the_clusters_under_their_scope() {
        let (one, two) = (cluster("s1", "one"), cluster("s2", "two"));
        let rows = vec![
            Ok(assignment("/providers/Microsoft.Management/managementGroups/Platform")),
            Ok(assignment("/subscriptions/S1")),
            Ok(assignment("/subscriptions/s1/resourceGroups/other")),
        ];
        let ancestry = HashMap::from([("s1".to_string(), vec!["platform".to_string()]), ("s2".to_string(), vec![])]);
        let given = joined(rows.clone(), Ok(ancestry)).assignments_for(&one.key(), "s1").unwrap();
        assert_eq!(given.collected().unwrap().len(), 2, "the group's and the subscription's");
        let given = joined(rows.clone(), Ok(HashMap::new())).assignments_for(&two.key(), "s2").unwrap();
        assert!(given.unavailable_reason().unwrap().contains("which management groups hold subscription s2"));
        let given = joined(rows, Err("the query failed".into())).assignments_for(&one.key(), "s1").unwrap();
        assert!(given.unavailable_reason().unwrap().contains("the query failed"));
        // A row that cannot be read makes the part unknown where its scope reaches, and only there.
        let bad = vec![Err((Some("/subscriptions/s1".to_string()), "it is broken".to_string()))];
        let of = |key: &str, sub: &str| joined(bad.clone(), Ok(HashMap::new())).assignments_for(key, sub).unwrap();
        assert_eq!(of(&one.key(), "s1").unavailable_reason(), Some("it is broken"));
        assert_eq!(of(&two.key(), "s2").collected().map(Vec::len), Some(0));
    }

    #[test]
    fn defender_rows_are_believed_where_the_plan_was_seen() {
        let one = cluster("s1", "one");
        let mut rows = joined(vec![], Ok(HashMap::new()));
        assert!(rows.given(&one).alerts.unwrap_err().contains("no Defender plan for subscription s1"));
        rows.defender_seen = Some(HashSet::from(["s1".to_string()]));
        assert_eq!(rows.given(&one).alerts.unwrap().collected().map(Vec::len), Some(0));
        assert_eq!(rows.given(&one).sources(), SOURCES);
        rows.defender_seen = None;
        assert_eq!(rows.given(&one).sources(), [SOURCES[3], SOURCES[4]], "the Policy rows still are");
    }

    #[test]
    fn ids_under_a_cluster_name_it() {
        let cluster = "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks";
        assert_eq!(
            cluster_of("/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/AKS")
                .as_deref(),
            Some(cluster)
        );
        assert_eq!(cluster_of(&format!("{cluster}/agentPools/np1")).as_deref(), Some(cluster));
        assert_eq!(
            cluster_of(&format!("{cluster}/providers/Microsoft.Security/assessments/k")).as_deref(),
            Some(cluster)
        );
        assert_eq!(
            cluster_of("/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm"),
            None
        );
        assert_eq!(
            cluster_of("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/"),
            None
        );
        assert_eq!(cluster_of("x/providers/microsoft.containerservice/managedclusters/aks"), None);
    }

    #[test]
    fn a_row_that_cannot_be_read_concerns_the_clusters_it_names() {
        let row = serde_json::json!({"id": "/subscriptions/s/providers/microsoft.security/locations/l/alerts/a",
            "properties": {"ResourceIdentifiers": [{"AzureResourceId": "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/one/agentpools/np"},
                                                    {"azureResourceId": 3}]}});
        let mut found = BTreeSet::new();
        named_clusters(&row, &mut found);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/one"]
        );
        assert_eq!(subscription_of(&row).as_deref(), Some("s"));
    }
}
