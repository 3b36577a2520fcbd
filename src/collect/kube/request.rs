//! One GET against the API server: a per-request timeout, and the shared retries
//! ([`crate::collect::http`]: backoff with jitter on 429, honouring `Retry-After`, 5xx and
//! connection errors). A 401 or a credential failure is [`Fatal`]: nothing else can be read
//! either, so the run stops.

use super::problem;
use crate::collect::http::{self, Attempt};
use ::http::{StatusCode, header};
use kube::client::Body;
use serde::Deserialize;
use std::time::Duration;

pub use crate::collect::http::{Failure, Policy};

/// A 2xx response's body, or why there is none once retries are spent.
pub type Reply = Result<Vec<u8>, Failure>;

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

pub async fn get(client: &kube::Client, path: &str, policy: &Policy) -> Result<Reply, Fatal> {
    http::retry(policy, || send(client, path, policy.timeout)).await
}

async fn send(client: &kube::Client, path: &str, timeout: Duration) -> Result<Attempt<Vec<u8>>, Fatal> {
    let request = ::http::Request::get(path)
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("a GET of an API path is a valid request");
    tracing::debug!(%path, "GET");
    let exchange = async {
        let response = client.send(request).await?;
        let status = response.status();
        tracing::debug!(%path, %status, "response");
        let retry_after = http::retry_after(response.headers());
        let body = response.into_body().collect_bytes().await?;
        Ok::<_, kube::Error>((status, retry_after, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Ok(Attempt::Done(Err(Failure::TimedOut))),
        Ok(Err(err)) => match problem::credentials(&err) {
            Some(why) => Err(Fatal::Credentials(why)),
            None => Ok(Attempt::transport(http::root_cause(&err))),
        },
        Ok(Ok((status, after, body))) => classify(status, after, body.to_vec()),
    }
}

fn classify(status: StatusCode, after: Option<Duration>, body: Vec<u8>) -> Result<Attempt<Vec<u8>>, Fatal> {
    match status {
        status if status.is_success() => Ok(Attempt::Done(Ok(body))),
        StatusCode::UNAUTHORIZED => Err(Fatal::Unauthorized),
        status => Ok(Attempt::status(status, String::new(), status_message(&body), after)),
    }
}

/// The `message` of a `Status` body, shortened; empty when the body is not one.
fn status_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Status {
        message: Option<String>,
    }
    let message = serde_json::from_slice::<Status>(body).ok().and_then(|s| s.message).unwrap_or_default();
    http::shorten(&message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_messages_are_read_and_shortened() {
        assert_eq!(status_message(br#"{"kind":"Status","message":"pods is forbidden"}"#), "pods is forbidden");
        assert_eq!(status_message(b"<html>bad gateway</html>"), "");
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(400));
        assert_eq!(status_message(long.as_bytes()).chars().count(), 301);
    }
}
