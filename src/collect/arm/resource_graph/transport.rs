//! POSTs a Resource Graph query through the shared HTTP layer (`collect::http`: policy, retry
//! loop, failure type): the bearer token, a timeout per request, pacing on the quota
//! headers, retries on 429 (after `Retry-After`, else the quota's reset time), 5xx and connection
//! errors, a bounded body, and the api-version fallback: a cloud that rejects 2024-04-01 (the US
//! Government cloud did in 2025) is asked again with 2022-10-01, and every later page uses it.
//!
//! Server text never reaches the user: an error is its HTTP status and ARM error code only.

use super::pace::Quota;
use super::page::Page;
use crate::collect::arm::credential::Bearer; // ARG is an ARM endpoint: the same token
use crate::collect::http::{self, Attempt, Failure, Policy, root_cause};
use ::http::StatusCode;
use serde_json::Value;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The current GA api-version.
pub const API_VERSION: &str = "2024-04-01";
/// For clouds that lack [`API_VERSION`]: the previous GA version, same request and answer shape.
pub const FALLBACK_API_VERSION: &str = "2022-10-01";
/// Resource Graph answers at most 16 MB; twice that is refused unread.
pub const MAX_BODY: usize = 32 << 20;
/// Attempts per page: throttling can take a few windows to clear.
const ATTEMPTS: u32 = 5;

pub struct Graph {
    http: reqwest::Client,
    /// The ARM endpoint, without a trailing slash.
    pub endpoint: String,
    bearer: Bearer,
    policy: Policy,
    api_version: Mutex<&'static str>,
    quota: Mutex<Quota>,
    requests: AtomicUsize,
}

/// A page's rows and what the answer's headers said about completeness.
#[derive(Debug)]
pub struct Answer {
    pub page: Page,
    pub warnings: Vec<String>,
}

/// Why a query brought no page. Every variant displays as one sentence saying what to do; none
/// carries the server's message.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphError {
    Unauthorized { code: String },
    Failed { failure: Failure, timeout: Duration },
    TooLarge,
    Unreadable(String),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = |code: &str| if code.is_empty() { String::new() } else { format!(" {code}") };
        match self {
            GraphError::Unauthorized { code: c } => write!(
                f,
                "Resource Graph refused the token (401 Unauthorized{}); sign in again (`az login`) or check --auth",
                code(c)
            ),
            GraphError::Failed { failure: Failure::Status { status: StatusCode::FORBIDDEN, code: c, .. }, .. } => {
                write!(
                    f,
                    "Resource Graph refused the query (403 Forbidden{}); grant Reader on the subscriptions (or the management group) to audit",
                    code(c)
                )
            }
            GraphError::Failed { failure: Failure::Status { status, code: c, attempts, .. }, .. } => write!(
                f,
                "Resource Graph answered {status}{} {}; try again later, or narrow the scope with --subscription",
                code(c),
                http::after(*attempts)
            ),
            GraphError::Failed { failure: Failure::Transport { message, attempts }, .. } => write!(
                f,
                "cannot reach Resource Graph {}: {message}; check the network, HTTPS_PROXY/NO_PROXY and --cloud/--arm-endpoint",
                http::after(*attempts)
            ),
            GraphError::Failed { failure: Failure::TimedOut, timeout } => {
                write!(f, "Resource Graph did not answer within {}s; raise --timeout", timeout.as_secs_f64())
            }
            GraphError::Failed { failure: Failure::NotJson(why), .. } | GraphError::Unreadable(why) => {
                write!(f, "Resource Graph's answer cannot be read: {why}")
            }
            GraphError::TooLarge => {
                write!(
                    f,
                    "Resource Graph sent a page over {} MiB; narrow the scope with --subscription",
                    MAX_BODY >> 20
                )
            }
        }
    }
}

impl std::error::Error for GraphError {}

/// How one request ended, before the retry loop sees it.
enum Sent {
    Attempt(Attempt<Answer>),
    /// The api-version was rejected: ask again with the fallback.
    OlderVersion,
}

impl Graph {
    pub fn new(endpoint: &str, bearer: Bearer, policy: Policy) -> Result<Graph, String> {
        let http = super::super::client::https_client(&policy)
            .map_err(|why| format!("cannot set up the HTTPS client for Resource Graph: {why}"))?;
        Ok(Graph {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            bearer,
            policy: Policy { attempts: ATTEMPTS, ..policy },
            api_version: Mutex::new(API_VERSION),
            quota: Mutex::new(Quota::default()),
            requests: AtomicUsize::new(0),
        })
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// The api-version in use: [`API_VERSION`] unless the cloud rejected it.
    pub fn api_version(&self) -> &'static str {
        *self.api_version.lock().expect("the lock is never poisoned")
    }

    /// One page: `body` POSTed (by the shared retry loop) until it brings a page or the
    /// attempts are spent.
    pub async fn post(&self, body: &Value) -> Result<Answer, GraphError> {
        match http::retry(&self.policy, || self.attempt(body)).await? {
            Ok(answer) => Ok(answer),
            Err(failure) => Err(GraphError::Failed { failure, timeout: self.policy.timeout }),
        }
    }

    /// One attempt, paced; a rejected api-version is asked again at once with the fallback.
    async fn attempt(&self, body: &Value) -> Result<Attempt<Answer>, GraphError> {
        self.pace().await;
        match self.send(body).await? {
            Sent::Attempt(attempt) => Ok(attempt),
            Sent::OlderVersion => {
                tracing::debug!(from = API_VERSION, to = FALLBACK_API_VERSION, "api-version rejected; falling back");
                *self.api_version.lock().expect("the lock is never poisoned") = FALLBACK_API_VERSION;
                self.pace().await;
                match self.send(body).await? {
                    Sent::Attempt(attempt) => Ok(attempt),
                    Sent::OlderVersion => unreachable!("only the current api-version falls back"),
                }
            }
        }
    }

    /// Waits for the quota window to reset when the last answer said it was spent.
    async fn pace(&self) {
        let wait = {
            let mut quota = self.quota.lock().expect("the lock is never poisoned");
            let wait = quota.wait();
            *quota = Quota::default();
            wait
        };
        if !wait.is_zero() {
            tracing::debug!(?wait, "Resource Graph quota spent; waiting for the reset");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send(&self, body: &Value) -> Result<Sent, GraphError> {
        let version = self.api_version();
        let url = format!("{}/providers/Microsoft.ResourceGraph/resources?api-version={version}", self.endpoint);
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%url, "POST");
        let response = self
            .http
            .post(&url)
            .header(::http::header::AUTHORIZATION, self.bearer.header())
            .header(::http::header::ACCEPT, "application/json")
            .header(::http::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let mut response = match response {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return Ok(Sent::Attempt(Attempt::Done(Err(Failure::TimedOut)))),
            Err(err) => return Ok(Sent::Attempt(Attempt::transport(root_cause(&err)))),
        };
        let status = response.status();
        let quota = Quota::from_headers(response.headers());
        *self.quota.lock().expect("the lock is never poisoned") = quota;
        let after = http::retry_after(response.headers()).or(quota.resets_after);
        let mut warnings = Vec::new();
        if response.headers().get("x-ms-tenant-subscription-limit-hit").is_some_and(|v| v.as_bytes() == b"true") {
            warnings.push(
                "Resource Graph read only the first 10,000 subscriptions of the tenant; pass --subscription or --management-group to audit the rest"
                    .to_string(),
            );
        }
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_BODY => return Err(GraphError::TooLarge),
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) if err.is_timeout() => return Ok(Sent::Attempt(Attempt::Done(Err(Failure::TimedOut)))),
                Err(err) => return Ok(Sent::Attempt(Attempt::transport(root_cause(&err)))),
            }
        }
        tracing::debug!(%url, %status, bytes = bytes.len(), remaining = ?quota.remaining, "response");
        classify(status, after, &bytes, version, warnings)
    }
}

fn classify(
    status: StatusCode,
    after: Option<Duration>,
    body: &[u8],
    version: &str,
    warnings: Vec<String>,
) -> Result<Sent, GraphError> {
    if status.is_success() {
        let page = Page::read(body).map_err(GraphError::Unreadable)?;
        return Ok(Sent::Attempt(Attempt::Done(Ok(Answer { page, warnings }))));
    }
    let code = error_code(body);
    match status {
        StatusCode::UNAUTHORIZED => Err(GraphError::Unauthorized { code }),
        StatusCode::BAD_REQUEST if version == API_VERSION && rejects_api_version(&code) => Ok(Sent::OlderVersion),
        // The server's message stays out: status and code say what happened.
        status => Ok(Sent::Attempt(Attempt::status(status, code, String::new(), after))),
    }
}

/// The error codes ARM gives for an api-version a cloud does not have.
fn rejects_api_version(code: &str) -> bool {
    ["InvalidApiVersionParameter", "NoRegisteredProviderFound", "InvalidResourceType"]
        .iter()
        .any(|known| code.eq_ignore_ascii_case(known))
}

/// ARM's `error.code`, when it looks like one (letters, digits, dots): never the message.
fn error_code(body: &[u8]) -> String {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = value["error"]["code"].as_str().unwrap_or_default();
    match code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        true => code.to_string(),
        false => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(status: u16, body: &str, version: &str) -> Result<Sent, GraphError> {
        classify(StatusCode::from_u16(status).unwrap(), None, body.as_bytes(), version, Vec::new())
    }

    fn final_status(sent: Result<Sent, GraphError>) -> Option<u16> {
        match sent {
            Ok(Sent::Attempt(Attempt::Done(Err(Failure::Status { status, .. })))) => Some(status.as_u16()),
            _ => None,
        }
    }

    #[test]
    fn a_rejected_api_version_falls_back_once() {
        let rejected =
            r#"{"error":{"code":"InvalidApiVersionParameter","message":"supported api-versions are '2022-10-01'"}}"#;
        assert!(matches!(sent(400, rejected, API_VERSION), Ok(Sent::OlderVersion)));
        assert_eq!(final_status(sent(400, rejected, FALLBACK_API_VERSION)), Some(400));
    }

    #[test]
    fn throttling_and_server_errors_are_retried_refusals_are_not() {
        assert!(matches!(sent(429, "{}", API_VERSION), Ok(Sent::Attempt(Attempt::Retry { .. }))));
        assert!(matches!(sent(503, "", API_VERSION), Ok(Sent::Attempt(Attempt::Retry { .. }))));
        assert!(matches!(sent(401, "{}", API_VERSION), Err(GraphError::Unauthorized { .. })));
        assert_eq!(final_status(sent(403, "{}", API_VERSION)), Some(403));
        assert_eq!(final_status(sent(404, "{}", API_VERSION)), Some(404));
    }

    #[test]
    fn server_text_never_reaches_the_error() {
        let body =
            r#"{"error":{"code":"AuthorizationFailed","message":"client 'secret-looking-thing' has no access"}}"#;
        let Ok(Sent::Attempt(Attempt::Done(Err(failure)))) = sent(403, body, API_VERSION) else { panic!() };
        let text = GraphError::Failed { failure, timeout: Duration::from_secs(1) }.to_string();
        assert!(text.contains("AuthorizationFailed") && !text.contains("secret-looking-thing"), "{text}");
        assert!(text.contains("grant Reader"), "{text}");
        let hostile = r#"{"error":{"code":"\u001b[31mBad code with spaces"}}"#;
        assert_eq!(error_code(hostile.as_bytes()), "");
    }
}
