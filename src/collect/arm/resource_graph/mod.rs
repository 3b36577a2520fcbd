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
}

/// Runs `query` over `scope`, every batch and every page of it, handing each row to `on_row`.
pub async fn query_all(
    graph: &Graph,
    scope: &Scope,
    query: &str,
    mut on_row: impl FnMut(Value),
) -> Result<Outcome, GraphError> {
    let mut outcome = Outcome::default();
    for batch in query::batches(scope) {
        let mut pager = page::Pager::new();
        loop {
            let body = query::body(&batch, query, pager.skip_token());
            let answer = graph.post(&body).await?;
            outcome.warnings.extend(answer.warnings.iter().cloned());
            let step = pager.advance(answer.page).map_err(GraphError::Unreadable)?;
            outcome.rows += step.rows.len();
            step.rows.into_iter().for_each(&mut on_row);
            if let Some(warning) = step.warning {
                outcome.warnings.push(warning);
            }
            if step.done {
                break;
            }
        }
    }
    outcome.requests = graph.requests();
    outcome.api_version = graph.api_version();
    outcome.warnings.dedup();
    Ok(outcome)
}
