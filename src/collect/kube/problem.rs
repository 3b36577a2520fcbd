//! Library errors turned into one line a user can act on. Errors about credentials and
//! kubeconfig files can quote what they failed on — a plugin's output, the kubeconfig's text —
//! and those hold tokens, so they are described, never repeated.

use kube::client::AuthError;
use kube::config::KubeconfigError;
use std::error::Error as StdError;

pub use crate::collect::http::root_cause;

/// What went wrong getting credentials, when `err` is about credentials.
pub fn credentials(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut source = Some(err);
    while let Some(current) = source {
        if let Some(auth) = current.downcast_ref::<AuthError>() {
            return Some(describe_auth(auth));
        }
        source = current.source();
    }
    None
}

fn describe_auth(err: &AuthError) -> String {
    match err {
        AuthError::AuthExecRun { out, .. } => {
            format!("the credential plugin (exec) failed with {} (run it yourself to see why)", out.status)
        }
        AuthError::AuthExecParse(_) => "the credential plugin printed something that is not an ExecCredential".into(),
        AuthError::AuthExecStart(io) => {
            format!("the credential plugin could not be started ({io}); is it installed and on PATH?")
        }
        AuthError::ReadTokenFile(io, path) => format!("cannot read the token file {} ({io})", path.display()),
        AuthError::InvalidBearerToken(_) | AuthError::InvalidBasicAuth(_) => {
            "the token or password is not a valid HTTP header value".into()
        }
        other => root_cause(other),
    }
}

/// Why a kubeconfig could not be used; a YAML error says where, not what the line holds.
pub fn kubeconfig(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::Parse(yaml) => match yaml.location() {
            Some(at) => format!("it is not valid kubeconfig YAML (line {}, column {})", at.line(), at.column()),
            None => "it is not valid kubeconfig YAML".into(),
        },
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => root_cause(other),
    }
}

/// The sentence the run stops with when credentials cannot be obtained.
pub fn credentials_failed(context: &str, problem: &str) -> String {
    format!(
        "cannot get credentials for context '{context}': {problem}; check the user entry of this context in your kubeconfig"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::config::Kubeconfig;

    #[test]
    fn a_broken_kubeconfig_is_located_not_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: SECRET-TOKEN-VALUE\n").unwrap();
        let err = Kubeconfig::read_from(&path).unwrap_err();
        assert_eq!(kubeconfig(&err), "it is not valid kubeconfig YAML (line 5, column 9)");
    }
}
