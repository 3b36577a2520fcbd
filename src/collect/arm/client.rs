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

    /// GET `path` (an ARM resource path) at `api_version`.
    pub async fn get(&self, path: &str, api_version: &str) -> Result<Reply, Unauthorized> {
        self.get_url(&format!("{}{path}?api-version={api_version}", self.endpoint)).await
    }

    /// GET a `nextLink`, which carries its own query. One that leaves the ARM endpoint is
    /// refused: the token must not go anywhere else.
    pub async fn next(&self, link: &str) -> Result<Reply, Unauthorized> {
        if !link.starts_with(&format!("{}/", self.endpoint)) {
            let message = format!("a nextLink points away from {}", self.endpoint);
            return Ok(Err(Failure::Transport { message, attempts: 1 }));
        }
        self.get_url(link).await
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
        let mut attempt = 1;
        loop {
            match self.send(url).await? {
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

    async fn send(&self, url: &str) -> Result<Attempt, Unauthorized> {
        // A nextLink is the server's text: logged as such.
        let url_shown = crate::redact::server_text(url);
        tracing::debug!(url = %url_shown, "GET");
        let response = self
            .http
            .get(url)
            .header(http::header::AUTHORIZATION, self.bearer.header())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return Ok(Attempt::Done(Err(Failure::TimedOut))),
            Err(err) => {
                let message = crate::collect::kube::root_cause(&err);
                tracing::debug!(url = %url_shown, %message, "no response");
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
        tracing::debug!(url = %url_shown, %status, bytes = body.len(), "response");
        classify(status, after, &body)
    }
}

fn classify(status: StatusCode, after: Option<std::time::Duration>, body: &[u8]) -> Result<Attempt, Unauthorized> {
    if status.is_success() {
        let parsed = crate::strict_json::from_slice(body)
            .map_err(|err| Failure::NotJson(crate::redact::server_text(&err.to_string())));
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
    fn only_429_and_5xx_are_retried() {
        let retried =
            |code: u16| matches!(classify(StatusCode::from_u16(code).unwrap(), None, b"{}"), Ok(Attempt::Retry(..)));
        assert!(retried(429) && retried(500) && retried(503));
        assert!(!retried(403) && !retried(404));
        assert!(classify(StatusCode::UNAUTHORIZED, None, b"{}").is_err());
    }
}
