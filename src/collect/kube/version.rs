//! `GET /version`: the first request, so that an unreachable server or refused credentials stop
//! the run with one clear message before any list starts. The version only names the cluster
//! in the snapshot's `source`; no snapshot part holds it yet.

use super::request::{self, Failure, Fatal, Policy};
use serde::Deserialize;

/// The server's `gitVersion` (`v1.33.2`), or `None` when it would not say (403, 404, 5xx):
/// the lists that follow report their own failures.
pub async fn probe(client: &kube::Client, policy: &Policy) -> Result<Option<String>, Fatal> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Version {
        git_version: Option<String>,
    }
    match request::get(client, "/version", policy).await? {
        Ok(body) => Ok(serde_json::from_slice::<Version>(&body).ok().and_then(|v| v.git_version)),
        Err(Failure::Status { .. } | Failure::NotJson(_)) => Ok(None),
        Err(Failure::Transport { message, .. }) => Err(Fatal::Unreachable(message)),
        Err(Failure::TimedOut) => {
            Err(Fatal::Unreachable(format!("no answer within {}s (--timeout)", policy.timeout.as_secs_f64())))
        }
    }
}
