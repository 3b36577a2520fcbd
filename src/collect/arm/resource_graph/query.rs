//! Resource Graph request bodies (`QueryRequest`): the scope, the query, and the paging options.

use serde_json::{Value, json};

/// At most this many subscriptions in one request: Resource Graph's guidance is to keep groups
/// under 300 (azqr batches 300 too).
pub const MAX_SUBSCRIPTIONS: usize = 300;
/// Records per page: the REST API's maximum.
pub const PAGE_SIZE: u32 = 1000;

/// Which clusters a query sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every subscription of the tenant the credential can read.
    Tenant,
    Subscriptions(Vec<String>),
    ManagementGroups(Vec<String>),
}

/// One request's scope: a tenant, up to [`MAX_SUBSCRIPTIONS`] subscriptions, or management groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    Tenant,
    Subscriptions(Vec<String>),
    ManagementGroups(Vec<String>),
}

/// The scope split into requests; duplicate subscriptions (in any case) are sent once.
pub fn batches(scope: &Scope) -> Vec<Batch> {
    match scope {
        Scope::Tenant => vec![Batch::Tenant],
        Scope::ManagementGroups(groups) => vec![Batch::ManagementGroups(groups.clone())],
        Scope::Subscriptions(ids) => {
            let mut unique: Vec<String> = Vec::with_capacity(ids.len());
            for id in ids {
                if !unique.iter().any(|seen| seen.eq_ignore_ascii_case(id)) {
                    unique.push(id.clone());
                }
            }
            unique.chunks(MAX_SUBSCRIPTIONS).map(|chunk| Batch::Subscriptions(chunk.to_vec())).collect()
        }
    }
}

/// The body of one page's request. `resultFormat` is always sent: its default differs between
/// api-versions (table in 2022-10-01, objectArray in 2024-04-01).
pub fn body(batch: &Batch, query: &str, skip_token: Option<&str>) -> Value {
    body_with(batch, query, false, skip_token)
}

/// [`body`], with `authorizationScopeFilter: AtScopeAndAbove` when `above`: the policy queries
/// need it for the assignments made at management groups above the subscriptions (azqr sends
/// it for those only, as it slows every other query down).
pub fn body_with(batch: &Batch, query: &str, above: bool, skip_token: Option<&str>) -> Value {
    let mut options = json!({"$top": PAGE_SIZE, "resultFormat": "objectArray"});
    if above {
        options["authorizationScopeFilter"] = json!("AtScopeAndAbove");
    }
    if let Some(token) = skip_token {
        options["$skipToken"] = Value::String(token.to_string());
    }
    let mut body = json!({"query": query, "options": options});
    match batch {
        Batch::Tenant => {}
        Batch::Subscriptions(ids) => body["subscriptions"] = json!(ids),
        Batch::ManagementGroups(groups) => body["managementGroups"] = json!(groups),
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscriptions(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("00000000-0000-0000-0000-{i:012}")).collect()
    }

    #[test]
    fn more_than_300_subscriptions_are_split_and_none_is_lost() {
        let ids = subscriptions(301 + 300 + 7);
        let batches = batches(&Scope::Subscriptions(ids.clone()));
        let sizes: Vec<usize> = batches
            .iter()
            .map(|b| match b {
                Batch::Subscriptions(ids) => ids.len(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sizes, [300, 300, 8]);
        let sent: Vec<String> =
            batches.into_iter().flat_map(|b| if let Batch::Subscriptions(ids) = b { ids } else { vec![] }).collect();
        assert_eq!(sent, ids);
    }

    #[test]
    fn a_subscription_named_twice_is_sent_once() {
        let ids = vec!["AAAA".to_string(), "aaaa".to_string(), "bbbb".to_string()];
        assert_eq!(batches(&Scope::Subscriptions(ids)), [Batch::Subscriptions(vec!["AAAA".into(), "bbbb".into()])]);
    }

    #[test]
    fn bodies_carry_the_scope_the_page_size_and_the_token() {
        let first = body(&Batch::Subscriptions(vec!["s1".into()]), "q", None);
        assert_eq!(
            first,
            json!({"subscriptions": ["s1"], "query": "q", "options": {"$top": 1000, "resultFormat": "objectArray"}})
        );
        let next = body(&Batch::ManagementGroups(vec!["mg".into()]), "q", Some("tok"));
        assert_eq!(next["managementGroups"], json!(["mg"]));
        assert_eq!(next["options"]["$skipToken"], "tok");
        assert!(body(&Batch::Tenant, "q", None).get("subscriptions").is_none());
        assert!(first["options"].get("authorizationScopeFilter").is_none());
        let policy = body_with(&Batch::Subscriptions(vec!["s1".into()]), "q", true, None);
        assert_eq!(policy["options"]["authorizationScopeFilter"], "AtScopeAndAbove");
    }
}
