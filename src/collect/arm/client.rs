//! GETs against the ARM REST API with reqwest: the bearer token on every request, a timeout per
//! request, and retries on 429 and 5xx (honouring `Retry-After`) and connection errors, with
//! the same policy as the Kubernetes side. TLS is rustls with aws-lc-rs, trusting the operating
//! system's store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`); proxies come from `HTTPS_PROXY`/`NO_PROXY`.
//! Redirects are not followed, so the token only ever goes to the ARM endpoint.

use super::credential::{Bearer, Credential};
use crate::collect::kube::request::{Policy, delay, retry_after};
use http::StatusCode;
use serde_json::Value;

pub struct Arm {
    http: reqwest::Client,
    /// `https://management.azure.com`, without a trailing slash.
    pub endpoint: String,
    bearer: Bearer,
    pub policy: Policy,
    /// The credential's name and what to do when its token is refused.
    credential: (&'static str, &'static str),
}

/// A 2xx response's JSON body, or why there is none once retries are spent.
pub type Reply = Result<Value, Failure>;

#[derive(Debug)]
pub enum Failure {
    /// An HTTP error status with ARM's error `code` and `message`, when the body has them.
    Status {
        status: StatusCode,
        code: String,
        message: String,
        attempts: u32,
    },
    /// No HTTP response: connection refused, TLS failure, proxy failure, ...
    Transport {
        message: String,
        attempts: u32,
    },
    TimedOut,
    /// A 2xx response whose body is not JSON.
    NotJson(String),
}

/// 401: the token was refused, so nothing else can be read either.
#[derive(Debug)]
pub struct Unauthorized {
    pub code: String,
}

enum Attempt {
    Done(Reply),
    Retry(Failure, Option<std::time::Duration>),
}

impl Arm {
    pub fn new(endpoint: &str, credential: &Credential, bearer: Bearer, policy: Policy) -> Result<Arm, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("aksguard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| {
                format!("cannot set up the HTTPS client for ARM: {}", crate::collect::kube::root_cause(&err))
            })?;
        Ok(Arm { http, endpoint: endpoint.to_string(), bearer, policy, credential: (credential.name, credential.fix) })
    }

    /// GET `path` (an ARM resource path, perhaps with its own query: `?$filter=atScope()`) at
    /// `api_version`.
    pub async fn get(&self, path: &str, api_version: &str) -> Result<Reply, Unauthorized> {
        self.get_url(&self.url(path, api_version)).await
    }

    /// POST `path` with an empty body: Policy Insights' `queryResults` queries.
    pub async fn post(&self, path: &str, api_version: &str) -> Result<Reply, Unauthorized> {
        self.call(http::Method::POST, &self.url(path, api_version)).await
    }

    /// POST a query's `@odata.nextLink`, which must stay on the ARM endpoint.
    pub async fn next_post(&self, link: &str) -> Result<Reply, Unauthorized> {
        match self.on_endpoint(link) {
            Ok(()) => self.call(http::Method::POST, link).await,
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

    /// GET a `nextLink`, which carries its own query. One that leaves the ARM endpoint is
    /// refused: the token must not go anywhere else.
    pub async fn next(&self, link: &str) -> Result<Reply, Unauthorized> {
        match self.on_endpoint(link) {
            Ok(()) => self.get_url(link).await,
            Err(failure) => Ok(Err(failure)),
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
        self.call(http::Method::GET, url).await
    }

    async fn call(&self, method: http::Method, url: &str) -> Result<Reply, Unauthorized> {
        let mut attempt = 1;
        loop {
            match self.send(method.clone(), url).await? {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Retry(failure, _) if attempt >= self.policy.attempts => {
                    return Ok(Err(with_attempts(failure, attempt)));
                }
                Attempt::Retry(_, after) => {
                    tokio::time::sleep(delay(&self.policy, attempt, after)).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn send(&self, method: http::Method, url: &str) -> Result<Attempt, Unauthorized> {
        tracing::debug!(%url, %method, "request");
        let body_length = if method == http::Method::POST { Some("0") } else { None };
        let mut request = self.http.request(method, url);
        if let Some(length) = body_length {
            request = request.header(http::header::CONTENT_LENGTH, length);
        }
        let response = request
            .header(http::header::AUTHORIZATION, self.bearer.header())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return Ok(Attempt::Done(Err(Failure::TimedOut))),
            Err(err) => {
                let message = crate::collect::kube::root_cause(&err);
                tracing::debug!(%url, %message, "no response");
                return Ok(Attempt::Retry(Failure::Transport { message, attempts: 1 }, None));
            }
        };
        let status = response.status();
        let after = retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(err) if err.is_timeout() => return Ok(Attempt::Done(Err(Failure::TimedOut))),
            Err(err) => {
                let message = crate::collect::kube::root_cause(&err);
                return Ok(Attempt::Retry(Failure::Transport { message, attempts: 1 }, None));
            }
        };
        tracing::debug!(%url, %status, bytes = body.len(), "response");
        classify(status, after, &body)
    }
}

fn classify(status: StatusCode, after: Option<std::time::Duration>, body: &[u8]) -> Result<Attempt, Unauthorized> {
    if status.is_success() {
        let parsed = serde_json::from_slice(body).map_err(|err| Failure::NotJson(err.to_string()));
        return Ok(Attempt::Done(parsed));
    }
    let (code, message) = arm_error(body);
    if status == StatusCode::UNAUTHORIZED {
        return Err(Unauthorized { code });
    }
    let failure = Failure::Status { status, code, message, attempts: 1 };
    match status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        true => Ok(Attempt::Retry(failure, after)),
        false => Ok(Attempt::Done(Err(failure))),
    }
}

fn with_attempts(failure: Failure, attempts: u32) -> Failure {
    match failure {
        Failure::Status { status, code, message, .. } => Failure::Status { status, code, message, attempts },
        Failure::Transport { message, .. } => Failure::Transport { message, attempts },
        other => other,
    }
}

/// ARM's error body, `{"error": {"code": "AuthorizationFailed", "message": "..."}}`; the
/// message shortened to one line.
fn arm_error(body: &[u8]) -> (String, String) {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &value["error"];
    let text = |key: &str| error[key].as_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    let message = text("message");
    let message = match message.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    };
    (text("code"), message)
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
    }

    #[test]
    fn only_429_and_5xx_are_retried() {
        let retried =
            |code: u16| matches!(classify(StatusCode::from_u16(code).unwrap(), None, b"{}"), Ok(Attempt::Retry(..)));
        assert!(retried(429) && retried(500) && retried(503));
        assert!(!retried(403) && !retried(404));
        assert!(classify(StatusCode::UNAUTHORIZED, None, b"{}").is_err());
    }
}
