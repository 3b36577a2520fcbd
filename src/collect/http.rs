//! The HTTP layer both live clients share (the Kubernetes API and ARM): the request policy, the
//! retry loop (exponential backoff with jitter, honouring `Retry-After`), the failure a request
//! ends with once retries are spent, and the pieces of its explanation. Each client only sends
//! one attempt and classifies its answer; neither collector imports the other.

use http::{HeaderMap, StatusCode, header};
use std::error::Error as StdError;
use std::future::Future;
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

/// Why a request brought no usable body, once retries are spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP error status, with the error code and message of the body when it has them
    /// (ARM's `error.code`; the Kubernetes `Status` has a message only).
    Status {
        status: StatusCode,
        code: String,
        message: String,
        attempts: u32,
    },
    /// No HTTP response at all: connection refused or reset, TLS or proxy failure, ...
    Transport {
        message: String,
        attempts: u32,
    },
    TimedOut,
    /// A 2xx response whose body is not JSON.
    NotJson(String),
}

impl Failure {
    fn with_attempts(self, attempts: u32) -> Failure {
        match self {
            Failure::Status { status, code, message, .. } => Failure::Status { status, code, message, attempts },
            Failure::Transport { message, .. } => Failure::Transport { message, attempts },
            other => other,
        }
    }
}

/// How one attempt ended.
pub enum Attempt<T> {
    Done(Result<T, Failure>),
    /// A failure worth another try; `after` is the server's `Retry-After`.
    Retry {
        failure: Failure,
        after: Option<Duration>,
    },
}

impl<T> Attempt<T> {
    /// An error status: retried when it is 429 or 5xx, else final.
    pub fn status(status: StatusCode, code: String, message: String, after: Option<Duration>) -> Self {
        let failure = Failure::Status { status, code, message, attempts: 1 };
        match status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            true => Attempt::Retry { failure, after },
            false => Attempt::Done(Err(failure)),
        }
    }

    /// No response: always worth another try.
    pub fn transport(message: String) -> Self {
        Attempt::Retry { failure: Failure::Transport { message, attempts: 1 }, after: None }
    }
}

/// Sends with `send` until an attempt is final or `policy.attempts` are spent. `E` is what
/// stops the whole run (a refused token), passed through at once.
pub async fn retry<T, E, Fut>(policy: &Policy, mut send: impl FnMut() -> Fut) -> Result<Result<T, Failure>, E>
where
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    let mut attempt = 1;
    loop {
        match send().await? {
            Attempt::Done(reply) => return Ok(reply),
            Attempt::Retry { failure, .. } if attempt >= policy.attempts => {
                return Ok(Err(failure.with_attempts(attempt)));
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
/// requests that failed together do not retry together.
pub fn delay(policy: &Policy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(policy.timeout);
    }
    let backoff = policy.backoff_base * 2u32.saturating_pow(attempt - 1);
    backoff + backoff.mul_f64(fastrand::f64())
}

/// `Retry-After` in seconds (the form both APIs send); an HTTP date is ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// "on the first attempt", "after 3 attempts".
pub fn after(attempts: u32) -> String {
    match attempts {
        1 => "on the first attempt".to_string(),
        n => format!("after {n} attempts"),
    }
}

/// The innermost error's message on one line: "Connection refused (os error 111)" rather than
/// the layers of client wrappers around it. It may quote what a server sent, so it is capped and
/// redacted as server text is.
pub fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    crate::redact::server_text(&current.to_string())
}

/// Why the server's TLS certificate was not trusted, when `why` (a root cause) says it was not:
/// a certificate problem is not a network problem, and the fix is elsewhere.
pub fn untrusted_certificate(why: &str) -> Option<String> {
    let detail = why.split_once("invalid peer certificate: ")?.1;
    let reason = if detail.contains("CaUsedAsEndEntity") {
        "it is a CA certificate, used as the server's own certificate (the server must present a certificate the CA signed)"
    } else if detail.contains("UnknownIssuer") {
        "it is not signed by a trusted CA (the wrong CA, or a TLS-inspecting proxy?)"
    } else if detail.contains("BadSignature") {
        "its signature does not verify with the trusted CA of that name (a CA issued again with another key, or a TLS-inspecting proxy?)"
    } else if detail.contains("NotValidForName") {
        "it is not issued for this host name"
    } else if detail.contains("Expired") {
        "it has expired (or this machine's clock is wrong)"
    } else if detail.contains("NotValidYet") {
        "it is not valid yet (or this machine's clock is wrong)"
    } else {
        return Some(format!("the server's TLS certificate is not trusted ({})", crate::redact::server_text(detail)));
    };
    Some(format!("the server's TLS certificate is not trusted: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn untrusted_certificates_say_why() {
        let ca = "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))";
        assert!(untrusted_certificate(ca).unwrap().contains("a CA certificate, used as the server's own"));
        let unknown = untrusted_certificate("invalid peer certificate: UnknownIssuer").unwrap();
        assert!(unknown.starts_with("the server's TLS certificate is not trusted: it is not signed by a trusted CA"));
        assert_eq!(untrusted_certificate("Connection refused (os error 111)"), None);
    }

    #[test]
    fn root_causes_are_one_line() {
        let err = std::io::Error::other("first\n  second");
        assert_eq!(root_cause(&err), "first second");
    }

    use std::cell::Cell;

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
    fn only_429_and_5xx_are_retried() {
        let retried = |code: u16| {
            let status = StatusCode::from_u16(code).unwrap();
            matches!(Attempt::<()>::status(status, String::new(), String::new(), None), Attempt::Retry { .. })
        };
        assert!(retried(429) && retried(500) && retried(503));
        assert!(!retried(403) && !retried(404));
    }

    #[tokio::test]
    async fn retries_stop_after_the_policy_attempts_and_say_how_many() {
        let policy = Policy { backoff_base: Duration::from_millis(1), ..Policy::new(Duration::from_secs(1)) };
        let sent = Cell::new(0);
        let reply: Result<Result<(), Failure>, ()> = retry(&policy, || {
            sent.set(sent.get() + 1);
            async { Ok(Attempt::transport("reset".into())) }
        })
        .await;
        assert_eq!(sent.get(), 3);
        assert_eq!(reply, Ok(Err(Failure::Transport { message: "reset".into(), attempts: 3 })));
    }
}
