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
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
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
            match self.list_in(source, api, namespace).await? {
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
        loop {
            let path = page_path(api, namespace, token.as_deref());
            let body = match request::get(&self.client, &path, &self.policy).await? {
                Ok(body) => body,
                Err(Failure::Status { status: StatusCode::GONE, .. }) if token.is_some() => {
                    return Ok(Pages::Expired(items.len()));
                }
                Err(failure) => return Ok(Pages::Failed(reason::explain(&failure, api, namespace, &self.policy))),
            };
            let page: Page<T> = match serde_json::from_slice(&body) {
                Ok(page) => page,
                Err(err) => return Ok(Pages::Failed(reason::not_a_list(api, &path, &err))),
            };
            self.progress.add(source, page.items.len());
            items.extend(page.items);
            match page.metadata.continue_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(Pages::Done(items)),
            }
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
