//! GETs against the ARM REST API with reqwest: the bearer token on every request, a timeout per
//! request, and retries on 429 and 5xx (honouring `Retry-After`) and connection errors, with
//! the same policy as the Kubernetes side. TLS is rustls with aws-lc-rs, trusting the operating
//! system's store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`); proxies come from `HTTPS_PROXY`/`NO_PROXY`.
//! Redirects are not followed, so the token only ever goes to the ARM endpoint. Reads slow down
//! as a subscription's read budget runs low (see `budget`).

use super::credential::{Bearer, Credential};
use crate::collect::http::{self, Attempt, root_cause};
use ::http::StatusCode;
use serde_json::Value;

pub use crate::collect::http::{Failure, Policy};

pub struct Arm {
    http: reqwest::Client,
    /// `https://management.azure.com`, without a trailing slash.
    pub endpoint: String,
    bearer: Bearer,
    pub policy: Policy,
    /// The credential's name and what to do when its token is refused.
    credential: (&'static str, &'static str),
    /// The subscription's and region's reads, made once for all its clusters.
    pub shared: super::shared::Shared,
    /// What ARM says is left of each subscription's reads, to slow down before it throttles.
    budget: super::budget::Budget,
}

/// An ARM answer (one page of a list) larger than this is refused, not read into memory: pages
/// of the lists aksguard reads are at most a few MiB.
const MAX_BODY: usize = 64 << 20;

/// A 2xx response's JSON body, or why there is none once retries are spent.
pub type Reply = Result<Value, Failure>;

/// 401: the token was refused, so nothing else can be read either.
#[derive(Debug, Clone, thiserror::Error)]
#[error("ARM refused the token (401 Unauthorized {code})")]
pub struct Unauthorized {
    pub code: String,
}

/// The HTTPS client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTPS client for ARM: {0}")]
pub struct ClientError(String);

/// The HTTPS client of ARM and Resource Graph: `policy`'s timeout, no redirects (the token goes
/// to the endpoint only), aksguard's user agent; why not, when it cannot be built.
pub fn https_client(policy: &Policy) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("aksguard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| root_cause(&err))
}

impl Arm {
    pub fn new(endpoint: &str, credential: &Credential, bearer: Bearer, policy: Policy) -> Result<Arm, ClientError> {
        let http = https_client(&policy).map_err(ClientError)?;
        Ok(Arm {
            http,
            endpoint: endpoint.to_string(),
            bearer,
            policy,
            credential: (credential.name, credential.fix),
            shared: super::shared::Shared::default(),
            budget: super::budget::Budget::default(),
        })
    }

    /// GET `path` (an ARM resource path, perhaps with its own query: `?$filter=atScope()`) at
    /// `api_version`.
    pub async fn get(&self, path: &str, api_version: &str) -> Result<Reply, Unauthorized> {
        self.get_url(&self.url(path, api_version)).await
    }

    /// GET a `nextLink`, which carries its own query. One that leaves the ARM endpoint is
    /// refused: the token must not go anywhere else.
    pub async fn next(&self, link: &str) -> Result<Reply, Unauthorized> {
        match self.on_endpoint(link) {
            Ok(()) => self.get_url(link).await,
            Err(failure) => Ok(Err(failure)),
        }
    }

    /// POST `path` with an empty body: Policy Insights' `queryResults` queries.
    pub async fn post(&self, path: &str, api_version: &str) -> Result<Reply, Unauthorized> {
        self.call(::http::Method::POST, &self.url(path, api_version)).await
    }

    /// POST a query's `@odata.nextLink`, which must stay on the ARM endpoint too.
    pub async fn next_post(&self, link: &str) -> Result<Reply, Unauthorized> {
        match self.on_endpoint(link) {
            Ok(()) => self.call(::http::Method::POST, link).await,
            Err(failure) => Ok(Err(failure)),
        }
    }

    fn url(&self, path: &str, api_version: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{separator}api-version={api_version}", self.endpoint)
    }

    fn on_endpoint(&self, link: &str) -> Result<(), Failure> {
        match link.starts_with(&format!("{}/", self.endpoint)) {
            true => Ok(()),
            false => Err(Failure::Transport {
                message: format!("a nextLink points away from {}", self.endpoint),
                attempts: 1,
            }),
        }
    }

    /// The sentence a run stops with when ARM refuses the token.
    pub fn refused(&self, refused: &Unauthorized) -> anyhow::Error {
        let code = if refused.code.is_empty() { String::new() } else { format!(" {}", refused.code) };
        anyhow::anyhow!(
            "ARM at {} refused the token of {} (401 Unauthorized{code}); {}",
            self.endpoint,
            self.credential.0,
            self.credential.1
        )
    }

    /// Whose token this is, from its claims: a user's name, else an application's id.
    pub fn identity(&self) -> Option<String> {
        super::claims::identity(self.bearer.payload()?)
    }

    async fn get_url(&self, url: &str) -> Result<Reply, Unauthorized> {
        self.call(::http::Method::GET, url).await
    }

    async fn call(&self, method: ::http::Method, url: &str) -> Result<Reply, Unauthorized> {
        http::retry(&self.policy, || self.send(method.clone(), url)).await
    }

    async fn send(&self, method: ::http::Method, url: &str) -> Result<Attempt<Value>, Unauthorized> {
        // A nextLink is the server's text: logged as such.
        let url_shown = crate::redact::server_text(url);
        tracing::debug!(url = %url_shown, %method, "request");
        let turn = self.budget.turn(url);
        if !turn.is_zero() {
            tracing::debug!(url = %url_shown, wait_ms = turn.as_millis() as u64, "the subscription's reads run low");
            tokio::time::sleep(turn).await;
        }
        // A POST without a body still says so: ARM answers 411 to one without a length.
        let empty_body = method == ::http::Method::POST;
        let mut request = self.http.request(method, url);
        if empty_body {
            request = request.header(::http::header::CONTENT_LENGTH, "0");
        }
        let response = request
            .header(::http::header::AUTHORIZATION, self.bearer.header())
            .header(::http::header::ACCEPT, "application/json")
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return Ok(Attempt::Done(Err(Failure::TimedOut))),
            Err(err) => {
                let message = root_cause(&err);
                tracing::debug!(url = %url_shown, %message, "no response");
                return Ok(Attempt::transport(message));
            }
        };
        let status = response.status();
        self.budget.update(url, response.headers());
        let after = http::retry_after(response.headers());
        let mut response = response;
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > MAX_BODY => {
                    let why = format!("the answer is larger than {} MiB, more than any ARM page", MAX_BODY >> 20);
                    return Ok(Attempt::Done(Err(Failure::NotJson(why))));
                }
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) if err.is_timeout() => return Ok(Attempt::Done(Err(Failure::TimedOut))),
                Err(err) => return Ok(Attempt::transport(root_cause(&err))),
            }
        }
        tracing::debug!(url = %url_shown, %status, bytes = body.len(), "response");
        classify(status, after, &body)
    }
}

fn classify(
    status: StatusCode,
    after: Option<std::time::Duration>,
    body: &[u8],
) -> Result<Attempt<Value>, Unauthorized> {
    if status.is_success() {
        let parsed = crate::strict_json::from_slice(body)
            .map_err(|err| Failure::NotJson(crate::redact::server_text(&err.to_string())));
        return Ok(Attempt::Done(parsed));
    }
    let (code, message) = arm_error(body);
    match status {
        StatusCode::UNAUTHORIZED => Err(Unauthorized { code }),
        status => Ok(Attempt::status(status, code, message, after)),
    }
}

/// ARM's error body, `{"error": {"code": "AuthorizationFailed", "message": "..."}}`: the code
/// when it is one, the message as server text (a proxy may echo the request's `Authorization`
/// header into it).
fn arm_error(body: &[u8]) -> (String, String) {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &value["error"];
    let text = |key: &str| error[key].as_str().unwrap_or_default();
    (crate::redact::server_code(text("code")), crate::redact::server_text(text("message")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_errors_are_read() {
        let body =
            br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have\nauthorization"}}"#;
        assert_eq!(
            arm_error(body),
            ("AuthorizationFailed".to_string(), "The client 'x' does not have authorization".to_string())
        );
        assert_eq!(arm_error(b"<html>"), (String::new(), String::new()));
        let echoed = br#"{"error":{"code":"Bearer eyJ","message":"echo: Authorization: Bearer eyJhbGciOiJub25lIn0.eyJ1cG4iOiJ4In0.c2ln"}}"#;
        assert_eq!(arm_error(echoed), (String::new(), "echo: Authorization: Bearer [redacted]".to_string()));
    }

    #[test]
    fn a_refused_token_stops_and_a_throttled_read_is_retried() {
        assert!(classify(StatusCode::UNAUTHORIZED, None, b"{}").is_err());
        assert!(matches!(classify(StatusCode::TOO_MANY_REQUESTS, None, b"{}"), Ok(Attempt::Retry { .. })));
        assert!(matches!(classify(StatusCode::OK, None, b"<html>"), Ok(Attempt::Done(Err(Failure::NotJson(_))))));
    }
}
