//! One GET against the API server: a per-request timeout, and retries with exponential backoff
//! and jitter on 429 (honouring `Retry-After`), 5xx and connection errors, at most
//! [`Policy::attempts`] attempts. A 401 or a credential failure is [`Fatal`]: nothing else can
//! be read either, so the run stops.

use super::problem;
use http::{StatusCode, header};
use kube::client::Body;
use serde::Deserialize;
use std::time::Duration;

/// How requests are made.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// For the whole request, body included.
    pub timeout: Duration,
    pub attempts: u32,
    /// The first retry waits about this long (plus jitter), each later one twice as long.
    pub backoff_base: Duration,
    /// For one source, all its pages and retries: a server that pages forever cannot hold the
    /// run. [`DEADLINE_TIMEOUTS`] times the request timeout.
    pub deadline: Duration,
}

/// A source is read within this many request timeouts (10 minutes at the default 30 s): room
/// for a 100,000-pod list of 200 pages, not for a list that never ends.
pub const DEADLINE_TIMEOUTS: u32 = 20;

impl Policy {
    pub fn new(timeout: Duration) -> Self {
        Policy { timeout, attempts: 3, backoff_base: Duration::from_millis(200), deadline: timeout * DEADLINE_TIMEOUTS }
    }
}

/// A 2xx response's body, or why there is none once retries are spent.
pub type Reply = Result<Vec<u8>, Failure>;

/// Why a request brought no body.
#[derive(Debug)]
pub enum Failure {
    /// An HTTP error status, with the message of the API's `Status` body when there is one.
    Status {
        code: StatusCode,
        message: String,
        attempts: u32,
    },
    /// No HTTP response at all: connection refused or reset, TLS failure, ...
    Transport {
        message: String,
        attempts: u32,
    },
    TimedOut,
}

/// Errors that stop the run.
#[derive(Debug)]
pub enum Fatal {
    /// 401: the credentials were refused.
    Unauthorized,
    /// The credentials could not be obtained (exec plugin, token file).
    Credentials(String),
    /// The API server could not be reached at all.
    Unreachable(String),
}

enum Attempt {
    Done(Reply),
    /// A failure worth another try; `after` is the server's `Retry-After`.
    Retry {
        failure: Failure,
        after: Option<Duration>,
    },
}

pub async fn get(client: &kube::Client, path: &str, policy: &Policy) -> Result<Reply, Fatal> {
    let mut attempt = 1;
    loop {
        match send(client, path, policy.timeout).await? {
            Attempt::Done(reply) => return Ok(reply),
            Attempt::Retry { failure, .. } if attempt >= policy.attempts => {
                return Ok(Err(with_attempts(failure, attempt)));
            }
            Attempt::Retry { after, .. } => {
                tokio::time::sleep(delay(policy, attempt, after)).await;
                attempt += 1;
            }
        }
    }
}

/// How long to wait before attempt `attempt + 1`: the server's `Retry-After` if it gave one
/// (never longer than the timeout), else exponential backoff with jitter, so that parallel
/// lists that failed together do not retry together.
pub(crate) fn delay(policy: &Policy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(policy.timeout);
    }
    let backoff = policy.backoff_base * 2u32.saturating_pow(attempt - 1);
    backoff + backoff.mul_f64(fastrand::f64())
}

fn with_attempts(failure: Failure, attempts: u32) -> Failure {
    match failure {
        Failure::Status { code, message, .. } => Failure::Status { code, message, attempts },
        Failure::Transport { message, .. } => Failure::Transport { message, attempts },
        Failure::TimedOut => Failure::TimedOut,
    }
}

async fn send(client: &kube::Client, path: &str, timeout: Duration) -> Result<Attempt, Fatal> {
    let request = http::Request::get(path)
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("a GET of an API path is a valid request");
    tracing::debug!(%path, "GET");
    let exchange = async {
        let response = client.send(request).await?;
        let status = response.status();
        tracing::debug!(%path, %status, "response");
        let retry_after = retry_after(response.headers());
        let body = response.into_body().collect_bytes().await?;
        Ok::<_, kube::Error>((status, retry_after, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Ok(Attempt::Done(Err(Failure::TimedOut))),
        Ok(Err(err)) => match problem::credentials(&err) {
            Some(why) => Err(Fatal::Credentials(why)),
            None => {
                let failure = Failure::Transport { message: problem::root_cause(&err), attempts: 1 };
                Ok(Attempt::Retry { failure, after: None })
            }
        },
        Ok(Ok((status, after, body))) => classify(status, after, body.to_vec()),
    }
}

fn classify(status: StatusCode, after: Option<Duration>, body: Vec<u8>) -> Result<Attempt, Fatal> {
    if status.is_success() {
        return Ok(Attempt::Done(Ok(body)));
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(Fatal::Unauthorized);
    }
    let failure = Failure::Status { code: status, message: status_message(&body), attempts: 1 };
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Ok(Attempt::Retry { failure, after });
    }
    Ok(Attempt::Done(Err(failure)))
}

/// `Retry-After` in seconds (the form the API server sends); an HTTP date is ignored.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The `reason` and `message` of a `Status` body (`InternalError: …`), as
/// [`crate::redact::server_code`] and [`crate::redact::server_text`] let them through: a proxy
/// may echo the request's `Authorization` header into it. Empty when the body is not one.
fn status_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Status {
        reason: Option<String>,
        message: Option<String>,
    }
    let Ok(status) = serde_json::from_slice::<Status>(body) else { return String::new() };
    let reason = crate::redact::server_code(status.reason.as_deref().unwrap_or_default());
    let message = crate::redact::server_text(status.message.as_deref().unwrap_or_default());
    [reason, message].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_but_never_beyond_the_timeout() {
        let policy = Policy::new(Duration::from_secs(5));
        assert_eq!(delay(&policy, 1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(delay(&policy, 1, Some(Duration::from_secs(60))), Duration::from_secs(5));
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let policy = Policy::new(Duration::from_secs(30));
        for attempt in 1..=3 {
            let base = policy.backoff_base * 2u32.pow(attempt - 1);
            let waited = delay(&policy, attempt, None);
            assert!(waited >= base && waited < base * 2, "attempt {attempt}: {waited:?}");
        }
    }

    #[test]
    fn status_messages_are_read_and_shortened() {
        assert_eq!(status_message(br#"{"kind":"Status","message":"pods is forbidden"}"#), "pods is forbidden");
        assert_eq!(
            status_message(br#"{"reason":"InternalError","message":"etcd\nleader changed"}"#),
            "InternalError: etcd leader changed"
        );
        assert_eq!(status_message(b"<html>bad gateway</html>"), "");
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(400));
        assert_eq!(status_message(long.as_bytes()).chars().count(), crate::redact::SERVER_TEXT_CHARS + 1);
        let echoed = br#"{"reason":"Bearer x","message":"headers: Authorization: Bearer kube-token-77c1d"}"#;
        assert_eq!(status_message(echoed), "headers: Authorization: Bearer [redacted]");
    }
}
