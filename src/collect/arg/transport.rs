//! POSTs a Resource Graph query: the bearer token, a timeout per request, pacing on the quota
//! headers, retries on 429 (after `Retry-After`, else the quota's reset time), 5xx and connection
//! errors, a bounded body, and the api-version fallback: a cloud that rejects 2024-04-01 (the US
//! Government cloud did in 2025) is asked again with 2022-10-01, and every later page uses it.
//!
//! Server text never reaches the user: an error is its HTTP status and ARM error code only.

use super::pace::Quota;
use super::page::Page;
use crate::collect::arm::credential::Bearer;
use crate::collect::kube::request::{Policy, delay, retry_after};
use http::StatusCode;
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

/// Why a query brought no page. Every variant displays as one sentence saying what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphError {
    Unauthorized { code: String },
    Forbidden { code: String },
    Status { status: u16, code: String, attempts: u32 },
    Transport { message: String, attempts: u32 },
    TimedOut { seconds: f64 },
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
            GraphError::Forbidden { code: c } => write!(
                f,
                "Resource Graph refused the query (403 Forbidden{}); grant Reader on the subscriptions (or the management group) to audit",
                code(c)
            ),
            GraphError::Status { status, code: c, attempts } => write!(
                f,
                "Resource Graph answered {status}{} {}; try again later, or narrow the scope with --subscription",
                code(c),
                crate::collect::kube::reason::after(*attempts)
            ),
            GraphError::Transport { message, attempts } => write!(
                f,
                "cannot reach Resource Graph {}: {message}; check the network, HTTPS_PROXY/NO_PROXY and --cloud/--arm-endpoint",
                crate::collect::kube::reason::after(*attempts)
            ),
            GraphError::TimedOut { seconds } => {
                write!(f, "Resource Graph did not answer within {seconds}s; raise --timeout")
            }
            GraphError::TooLarge => {
                write!(
                    f,
                    "Resource Graph sent a page over {} MiB; narrow the scope with --subscription",
                    MAX_BODY >> 20
                )
            }
            GraphError::Unreadable(why) => write!(f, "Resource Graph's answer cannot be read: {why}"),
        }
    }
}

impl std::error::Error for GraphError {}

enum Outcome {
    Page(Answer),
    /// Worth another attempt, after the server's hint when it gave one.
    Retry(GraphError, Option<Duration>),
    Fail(GraphError),
    /// The api-version was rejected: ask again with the fallback.
    OlderVersion,
}

impl Graph {
    pub fn new(endpoint: &str, bearer: Bearer, policy: Policy) -> Result<Graph, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("aksguard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| {
                format!("cannot set up the HTTPS client for Resource Graph: {}", crate::collect::kube::root_cause(&err))
            })?;
        Ok(Graph {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            bearer,
            policy,
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

    /// One page: `body` POSTed until it brings a page or the attempts are spent.
    pub async fn post(&self, body: &Value) -> Result<Answer, GraphError> {
        let mut attempt = 1;
        loop {
            self.pace().await;
            match self.send(body).await {
                Outcome::Page(answer) => return Ok(answer),
                Outcome::Fail(error) => return Err(error),
                Outcome::OlderVersion => {
                    tracing::debug!(
                        from = API_VERSION,
                        to = FALLBACK_API_VERSION,
                        "api-version rejected; falling back"
                    );
                    *self.api_version.lock().expect("the lock is never poisoned") = FALLBACK_API_VERSION;
                }
                Outcome::Retry(error, _) if attempt >= ATTEMPTS => return Err(with_attempts(error, attempt)),
                Outcome::Retry(_, after) => {
                    tokio::time::sleep(delay(&self.policy, attempt, after)).await;
                    attempt += 1;
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

    async fn send(&self, body: &Value) -> Outcome {
        let version = self.api_version();
        let url = format!("{}/providers/Microsoft.ResourceGraph/resources?api-version={version}", self.endpoint);
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%url, "POST");
        let response = self
            .http
            .post(&url)
            .header(http::header::AUTHORIZATION, self.bearer.header())
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let timed_out = || GraphError::TimedOut { seconds: self.policy.timeout.as_secs_f64() };
        let mut response = match response {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return Outcome::Fail(timed_out()),
            Err(err) => return Outcome::Retry(transport(&err), None),
        };
        let status = response.status();
        let quota = Quota::from_headers(response.headers());
        *self.quota.lock().expect("the lock is never poisoned") = quota;
        let after = retry_after(response.headers()).or(quota.resets_after);
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
                Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_BODY => return Outcome::Fail(GraphError::TooLarge),
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) if err.is_timeout() => return Outcome::Fail(timed_out()),
                Err(err) => return Outcome::Retry(transport(&err), None),
            }
        }
        tracing::debug!(%url, %status, bytes = bytes.len(), remaining = ?quota.remaining, "response");
        classify(status, after, &bytes, version, warnings)
    }
}

fn classify(status: StatusCode, after: Option<Duration>, body: &[u8], version: &str, warnings: Vec<String>) -> Outcome {
    if status.is_success() {
        return match Page::read(body) {
            Ok(page) => Outcome::Page(Answer { page, warnings }),
            Err(why) => Outcome::Fail(GraphError::Unreadable(why)),
        };
    }
    let code = error_code(body);
    match status {
        StatusCode::UNAUTHORIZED => Outcome::Fail(GraphError::Unauthorized { code }),
        StatusCode::FORBIDDEN => Outcome::Fail(GraphError::Forbidden { code }),
        StatusCode::BAD_REQUEST if version == API_VERSION && rejects_api_version(&code) => Outcome::OlderVersion,
        StatusCode::TOO_MANY_REQUESTS => {
            Outcome::Retry(GraphError::Status { status: status.as_u16(), code, attempts: 1 }, after)
        }
        s if s.is_server_error() => Outcome::Retry(GraphError::Status { status: s.as_u16(), code, attempts: 1 }, None),
        s => Outcome::Fail(GraphError::Status { status: s.as_u16(), code, attempts: 1 }),
    }
}

/// The error codes ARM gives for an api-version a cloud does not have.
fn rejects_api_version(code: &str) -> bool {
    ["InvalidApiVersionParameter", "NoRegisteredProviderFound", "InvalidResourceType"]
        .iter()
        .any(|known| code.eq_ignore_ascii_case(known))
}

/// ARM's `error.code`, when it looks like one (letters and digits): never the message.
fn error_code(body: &[u8]) -> String {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = value["error"]["code"].as_str().unwrap_or_default();
    match code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        true => code.to_string(),
        false => String::new(),
    }
}

fn transport(err: &reqwest::Error) -> GraphError {
    GraphError::Transport { message: crate::collect::kube::root_cause(err), attempts: 1 }
}

fn with_attempts(error: GraphError, attempts: u32) -> GraphError {
    match error {
        GraphError::Status { status, code, .. } => GraphError::Status { status, code, attempts },
        GraphError::Transport { message, .. } => GraphError::Transport { message, attempts },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: u16, body: &str, version: &str) -> Outcome {
        classify(StatusCode::from_u16(status).unwrap(), None, body.as_bytes(), version, Vec::new())
    }

    #[test]
    fn a_rejected_api_version_falls_back_once() {
        let rejected =
            r#"{"error":{"code":"InvalidApiVersionParameter","message":"supported api-versions are '2022-10-01'"}}"#;
        assert!(matches!(outcome(400, rejected, API_VERSION), Outcome::OlderVersion));
        assert!(matches!(
            outcome(400, rejected, FALLBACK_API_VERSION),
            Outcome::Fail(GraphError::Status { status: 400, .. })
        ));
    }

    #[test]
    fn throttling_and_server_errors_are_retried_refusals_are_not() {
        assert!(matches!(outcome(429, "{}", API_VERSION), Outcome::Retry(..)));
        assert!(matches!(outcome(503, "", API_VERSION), Outcome::Retry(..)));
        assert!(matches!(outcome(401, "{}", API_VERSION), Outcome::Fail(GraphError::Unauthorized { .. })));
        assert!(matches!(outcome(403, "{}", API_VERSION), Outcome::Fail(GraphError::Forbidden { .. })));
        assert!(matches!(outcome(404, "{}", API_VERSION), Outcome::Fail(GraphError::Status { status: 404, .. })));
    }

    #[test]
    fn server_text_never_reaches_the_error() {
        let body =
            r#"{"error":{"code":"AuthorizationFailed","message":"client 'secret-looking-thing' has no access"}}"#;
        let Outcome::Fail(error) = outcome(403, body, API_VERSION) else { panic!() };
        let text = error.to_string();
        assert!(text.contains("AuthorizationFailed") && !text.contains("secret-looking-thing"), "{text}");
        let hostile = r#"{"error":{"code":"\u001b[31mBad code with spaces"}}"#;
        assert_eq!(error_code(hostile.as_bytes()), "");
    }
}
