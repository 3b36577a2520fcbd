//! Lists one kind: page by page (`limit` + `continue`), in each selected namespace, deserialising
//! each page's items straight into the snapshot's view type (the same types `--from-kubectl`
//! files are read with) so that only the fields rules need are kept in memory.

use super::kinds::Api;
use super::progress::Progress;
use super::reason;
use super::request::{self, Failure, Fatal, Policy};
use crate::snapshot::Part;
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Objects per page, as kubectl asks for them.
pub const PAGE_SIZE: usize = 500;

/// What every list job shares: the client, the request policy, the namespace selection.
pub struct Lister {
    pub client: kube::Client,
    pub policy: Policy,
    /// `--namespace`: namespaced kinds are listed in these namespaces only (all when empty).
    pub namespaces: Vec<String>,
    pub progress: Progress,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    items: Vec<T>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
    /// How many objects the server says are left after this page.
    remaining_item_count: Option<u64>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// How one paginated list ended.
enum Pages<T> {
    Done(Vec<T>),
    /// The continue token expired (410 Gone) after this many objects were read.
    Expired(usize),
    Failed(String),
}

impl Lister {
    /// Every object of the kind, or the reason it could not be read.
    pub async fn list<T: DeserializeOwned>(&self, source: &'static str, api: Api) -> Result<Part<Vec<T>>, Fatal> {
        let scopes: Vec<Option<&str>> = match api.namespaced && !self.namespaces.is_empty() {
            true => self.namespaces.iter().map(|ns| Some(ns.as_str())).collect(),
            false => vec![None],
        };
        let mut items = Vec::new();
        for namespace in scopes {
            let list = tokio::time::timeout(self.policy.deadline, self.list_in(source, api, namespace));
            let Ok(list) = list.await else {
                self.progress.finish(source);
                return Ok(Part::unavailable(reason::deadline(api, &self.policy)));
            };
            match list? {
                // The first (usually only) scope's list is kept as it is, not copied.
                Ok(more) if items.is_empty() => items = more,
                Ok(more) => items.extend(more),
                Err(reason) => {
                    self.progress.finish(source);
                    return Ok(Part::unavailable(reason));
                }
            }
        }
        self.progress.finish(source);
        items.shrink_to_fit();
        Ok(Part::Collected(items))
    }

    /// One list, restarted once from the first page when its continue token expires.
    async fn list_in<T: DeserializeOwned>(
        &self,
        source: &'static str,
        api: Api,
        namespace: Option<&str>,
    ) -> Result<Result<Vec<T>, String>, Fatal> {
        let mut restarted = false;
        loop {
            match self.pages(source, api, namespace).await? {
                Pages::Done(items) => return Ok(Ok(items)),
                Pages::Expired(read) if !restarted => {
                    restarted = true;
                    self.progress.forget(source, read);
                }
                Pages::Expired(_) => return Ok(Err(reason::expired_twice(api))),
                Pages::Failed(reason) => return Ok(Err(reason)),
            }
        }
    }

    async fn pages<T: DeserializeOwned>(
        &self,
        source: &'static str,
        api: Api,
        namespace: Option<&str>,
    ) -> Result<Pages<T>, Fatal> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut bound = Bound::default();
        loop {
            let path = page_path(api, namespace, token.as_deref());
            let body = match request::get(&self.client, &path, &self.policy).await? {
                Ok(body) => body,
                Err(Failure::Status { status: StatusCode::GONE, .. }) if token.is_some() => {
                    return Ok(Pages::Expired(items.len()));
                }
                Err(failure) => return Ok(Pages::Failed(reason::explain(&failure, api, namespace, &self.policy))),
            };
            let page: Page<T> = match crate::strict_json::from_slice(&body) {
                Ok(page) => page,
                Err(err) => return Ok(Pages::Failed(reason::not_a_list(api, &path, &err))),
            };
            self.progress.add(source, page.items.len());
            items.extend(page.items);
            if let Err(why) = bound.check(items.len(), &page.metadata) {
                return Ok(Pages::Failed(reason::unbounded(api, &why)));
            }
            match page.metadata.continue_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(Pages::Done(items)),
            }
        }
    }
}

/// What keeps a paginated list finite besides the deadline: no continue token twice, and no
/// more objects than the server announced (`remainingItemCount`, the fewest it announced).
#[derive(Default)]
struct Bound {
    tokens: std::collections::HashSet<String>,
    announced: Option<u64>,
}

impl Bound {
    /// After a page, with `read` objects read so far: why the list cannot end, if it cannot.
    fn check(&mut self, read: usize, metadata: &ListMeta) -> Result<(), String> {
        let read = read as u64;
        if let Some(remaining) = metadata.remaining_item_count {
            let total = read.saturating_add(remaining);
            self.announced = Some(self.announced.map_or(total, |announced| announced.min(total)));
        }
        if let Some(announced) = self.announced.filter(|announced| read > *announced) {
            return Err(format!("it grew to {read} objects, past the {announced} the server announced"));
        }
        match &metadata.continue_token {
            Some(token) if !token.is_empty() && !self.tokens.insert(token.clone()) => {
                Err(format!("the server sent the same continue token again after {read} objects"))
            }
            _ => Ok(()),
        }
    }
}

fn page_path(api: Api, namespace: Option<&str>, token: Option<&str>) -> String {
    let path = format!("{}?limit={PAGE_SIZE}", api.list_path(namespace));
    match token {
        Some(token) => format!("{path}&continue={}", percent_encode(token)),
        None => path,
    }
}

/// Continue tokens are opaque: encode everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(token: &str, remaining: Option<u64>) -> ListMeta {
        ListMeta { continue_token: Some(token.to_string()), remaining_item_count: remaining }
    }

    #[test]
    fn a_repeated_token_or_a_list_past_its_announced_size_ends_the_list() {
        let mut bound = Bound::default();
        assert!(bound.check(500, &meta("a", Some(600))).is_ok());
        assert!(bound.check(1000, &meta("b", None)).is_ok());
        assert!(bound.check(1101, &meta("c", Some(5))).unwrap_err().contains("grew to 1101 objects, past the 1100"));
        let mut bound = Bound::default();
        assert!(bound.check(500, &meta("a", None)).is_ok());
        assert!(bound.check(1000, &meta("a", None)).unwrap_err().contains("same continue token again after 1000"));
    }

    #[test]
    fn continue_tokens_are_encoded() {
        let api = Api { group: "", version: "v1", plural: "pods", namespaced: true };
        assert_eq!(page_path(api, None, None), "/api/v1/pods?limit=500");
        assert_eq!(
            page_path(api, Some("a"), Some("eyJ+/=")),
            "/api/v1/namespaces/a/pods?limit=500&continue=eyJ%2B%2F%3D"
        );
    }
}
