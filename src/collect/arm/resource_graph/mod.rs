//! Part of the ARM collector: Resource Graph is an ARM endpoint read with the same credential.
//! Azure Resource Graph (ARG): every AKS cluster a credential can see, in a few paged queries
//! instead of one ARM call per subscription. `query` builds the request bodies (scopes of at most
//! 300 subscriptions), `page` reads and checks each answer and follows `$skipToken`, `pace`
//! honours the per-user quota headers, and `transport` POSTs with retries and the api-version
//! fallback for clouds that lack the current one.
//!
//! Rows come out one page at a time, so a caller can summarise them as they arrive.

pub mod pace;
pub mod page;
pub mod query;
pub mod transport;

pub use query::Scope;
pub use transport::{Graph, GraphError};

use serde_json::Value;

/// Every managed cluster, in a stable order (paging needs a unique sort column).
pub const CLUSTERS_QUERY: &str =
    "resources | where type =~ 'microsoft.containerservice/managedclusters' | order by id asc";

/// Every subscription's Defender for Containers plan (cluster-level plans come too and are left
/// out by id).
pub const DEFENDER_PLANS_QUERY: &str =
    "securityresources | where type =~ 'microsoft.security/pricings' and name =~ 'Containers' | order by id asc";

/// A query of Defender or Policy rows, joined to the fleet's clusters client-side (by lowercased
/// id); `above` sends `authorizationScopeFilter: AtScopeAndAbove`. The KQL keeps only rows that
/// can concern a managed cluster, so a tenant's unrelated rows are not sent; `order by id` keeps
/// paging stable. One query per table, its types told apart by each row's `type`, so that a
/// batch of clusters costs two queries of the per-user quota, not five.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// The table, as the fleet's warnings and `doctor --fleet` name the query.
    pub table: &'static str,
    pub kql: &'static str,
    pub above: bool,
}

/// The Defender rows: alerts naming a managed cluster (or a resource under one) among their
/// resource identifiers (ARG may write the properties in PascalCase, so the whole property bag
/// is searched as text); assessments of a cluster or of a resource under one (an assessment's id
/// hangs under what it assesses; `resourceDetails` says so too, as `Id` or `id`); and the
/// registry image vulnerabilities (the sub-assessments of `c0b7cfc6-…`, the only ones a rule
/// reads), joined with running images per subscription.
pub const SECURITY_QUERY: Query = Query {
    table: "securityresources",
    kql: concat!(
        "securityresources",
        " | where (type =~ 'microsoft.security/locations/alerts' and tostring(properties) contains '/providers/microsoft.containerservice/managedclusters/')",
        " or (type =~ 'microsoft.security/assessments' and (id contains '/providers/microsoft.containerservice/managedclusters/' or tostring(properties.resourceDetails) contains '/providers/microsoft.containerservice/managedclusters/'))",
        " or (type =~ 'microsoft.security/assessments/subassessments' and id contains '/providers/microsoft.security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/')",
        " | order by id asc"
    ),
    above: false,
};

/// [`SECURITY_QUERY`] without the registry image vulnerabilities, for a fleet run that reads no
/// running image to join them with (`--skip-kubernetes`).
pub const SECURITY_QUERY_WITHOUT_IMAGES: Query = Query {
    table: "securityresources",
    kql: concat!(
        "securityresources",
        " | where (type =~ 'microsoft.security/locations/alerts' and tostring(properties) contains '/providers/microsoft.containerservice/managedclusters/')",
        " or (type =~ 'microsoft.security/assessments' and (id contains '/providers/microsoft.containerservice/managedclusters/' or tostring(properties.resourceDetails) contains '/providers/microsoft.containerservice/managedclusters/'))",
        " | order by id asc"
    ),
    above: false,
};

/// The Policy rows: assignments that can apply to a cluster (at management groups, which
/// `AtScopeAndAbove` brings in for a subscription-scoped query, at subscriptions and resource
/// groups, or on a cluster; those on other resources are left out), and the latest compliance
/// states of clusters and of resources under them.
pub const POLICY_QUERY: Query = Query {
    table: "policyresources",
    kql: concat!(
        "policyresources",
        " | where (type =~ 'microsoft.authorization/policyassignments' and (tolower(tostring(properties.scope)) !contains '/providers/'",
        " or tolower(tostring(properties.scope)) startswith '/providers/microsoft.management/managementgroups/'",
        " or tolower(tostring(properties.scope)) contains '/providers/microsoft.containerservice/managedclusters/'))",
        " or (type =~ 'microsoft.policyinsights/policystates' and tolower(tostring(properties.resourceId)) contains '/providers/microsoft.containerservice/managedclusters/')",
        " | order by id asc"
    ),
    above: true,
};

/// Each subscription's management groups, so that an assignment made at a management group is
/// given to the clusters under it only; asked only when there is one.
pub const ANCESTRY_QUERY: Query = Query {
    table: "resourcecontainers",
    kql: "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId, managementGroups = properties.managementGroupAncestorsChain | order by id asc",
    above: false,
};

/// What a paged query read, for the fleet summary and `doctor --fleet`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub rows: usize,
    /// Requests sent, retries and the api-version fallback included.
    pub requests: usize,
    pub api_version: &'static str,
    /// Things the user must know about the answer's completeness (truncation, the tenant's
    /// 10,000-subscription limit, rows that went missing while paging).
    pub warnings: Vec<String>,
    /// Every row of every batch came (none truncated, none missing from `totalRecords`).
    pub complete: bool,
}

/// Runs `query` over `scope`, every batch and every page of it, handing each row to `on_row`; a
/// row the strict reader refuses refuses the answer.
pub async fn query_all(
    graph: &Graph,
    scope: &Scope,
    query: &'static str,
    mut on_row: impl FnMut(Value),
) -> Result<Outcome, GraphError> {
    let mut refused = None;
    let outcome = query_rows(graph, scope, Query { table: "", kql: query, above: false }, |row| match row {
        Ok(row) => on_row(row),
        Err(bad) => {
            refused.get_or_insert(bad.why);
        }
    })
    .await?;
    match refused {
        Some(why) => Err(GraphError::Unreadable(format!("a row cannot be read ({why})"))),
        None => Ok(outcome),
    }
}

/// Runs `query` over `scope`, every batch and every page of it, handing each row (or why it
/// cannot be read) to `on_row` as its page arrives: pages are not kept.
pub async fn query_rows(
    graph: &Graph,
    scope: &Scope,
    query: Query,
    mut on_row: impl FnMut(page::Row),
) -> Result<Outcome, GraphError> {
    let mut outcome = Outcome { complete: true, ..Outcome::default() };
    let before = graph.requests();
    for batch in query::batches(scope) {
        let mut pager = page::Pager::new();
        loop {
            let body = query::body_with(&batch, query.kql, query.above, pager.skip_token());
            let answer = graph.post(&body).await?;
            outcome.warnings.extend(answer.warnings.iter().cloned());
            let step = pager.advance(answer.page).map_err(GraphError::Unreadable)?;
            outcome.rows += step.rows.len();
            outcome.complete &= !step.incomplete;
            step.rows.into_iter().for_each(&mut on_row);
            if let Some(warning) = step.warning {
                outcome.warnings.push(warning);
            }
            if step.done {
                break;
            }
        }
    }
    outcome.requests = graph.requests() - before;
    outcome.api_version = graph.api_version();
    outcome.warnings.dedup();
    Ok(outcome)
}
