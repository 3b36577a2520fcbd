//! Library errors turned into one line a user can act on. Errors about credentials and
//! kubeconfig files can quote what they failed on — a plugin's output, the kubeconfig's text —
//! and those hold tokens, so they are described, never repeated.

use kube::client::AuthError;
use kube::config::KubeconfigError;
use std::error::Error as StdError;

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
}
