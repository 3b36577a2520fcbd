//! Why a source could not be read, in words that say what to do: the reasons a rule that needs
//! the source reports with its `unknown` finding.

use super::kinds::Api;
use super::request::{Failure, Policy};
use crate::collect::http::after;
use http::StatusCode;

pub fn explain(failure: &Failure, api: Api, namespace: Option<&str>, policy: &Policy) -> String {
    let scope = match namespace {
        Some(namespace) if api.namespaced => format!("in namespace {namespace}"),
        _ => "at cluster scope".to_string(),
    };
    match failure {
        Failure::Status { status: StatusCode::FORBIDDEN, .. } => format!(
            "forbidden: cannot list {} {scope}; grant list on {}{}",
            api.plural,
            api.qualified_name(),
            if namespace.is_some() && api.namespaced { format!(" {scope}") } else { String::new() }
        ),
        Failure::Status { status: StatusCode::NOT_FOUND, .. } => {
            format!("API not served: the API server has no {} {} (404 Not Found)", group_version(api), api.plural)
        }
        Failure::Status { status, message, attempts, .. } => {
            let message = if message.is_empty() { String::new() } else { format!(": {message}") };
            format!("the API server answered {status} to the {} list {}{message}", api.plural, after(*attempts))
        }
        Failure::Transport { message, attempts } => {
            format!("the {} list failed {}: {message}", api.plural, after(*attempts))
        }
        Failure::TimedOut => format!(
            "timeout: the {} list took longer than {}s; raise --timeout",
            api.plural,
            policy.timeout.as_secs_f64()
        ),
        Failure::NotJson(why) => format!("the API server's {} list is not JSON ({why})", api.plural),
    }
}

pub fn not_a_list(api: Api, path: &str, err: &serde_json::Error) -> String {
    format!("the API server's answer to GET {path} is not a valid {} list ({err})", api.plural)
}

pub fn expired_twice(api: Api) -> String {
    format!(
        "the {} list changed faster than it could be read (its continue token expired twice, 410 Gone); run again",
        api.plural
    )
}

fn group_version(api: Api) -> String {
    match api.group {
        "" => api.version.to_string(),
        group => format!("{group}/{}", api.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const NETPOL: Api = Api { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", namespaced: true };

    fn explain_status(code: StatusCode, namespace: Option<&str>) -> String {
        let failure = Failure::Status { status: code, code: String::new(), message: String::new(), attempts: 1 };
        explain(&failure, NETPOL, namespace, &Policy::new(Duration::from_secs(30)))
    }

    #[test]
    fn forbidden_says_what_to_grant() {
        assert_eq!(
            explain_status(StatusCode::FORBIDDEN, None),
            "forbidden: cannot list networkpolicies at cluster scope; grant list on networking.k8s.io/networkpolicies"
        );
        assert_eq!(
            explain_status(StatusCode::FORBIDDEN, Some("shop")),
            "forbidden: cannot list networkpolicies in namespace shop; grant list on networking.k8s.io/networkpolicies in namespace shop"
        );
    }

    #[test]
    fn not_found_says_the_api_is_not_served() {
        assert_eq!(
            explain_status(StatusCode::NOT_FOUND, None),
            "API not served: the API server has no networking.k8s.io/v1 networkpolicies (404 Not Found)"
        );
    }
}
