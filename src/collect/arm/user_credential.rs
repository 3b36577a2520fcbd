//! A cluster's Kubernetes API without the user's kubeconfig: ARM's `listClusterUserCredential`
//! (what `az aks get-credentials` calls), read **in memory only**. The answer's kubeconfig is
//! text from outside: its size is bounded, it must be one cluster and one user, and only the
//! API server URL, its CA and a static credential are kept. Nothing in it is ever run (exec
//! plugins), read from disk (file paths), or followed (proxies); a TLS check it turns off is
//! refused. For Entra ID clusters (kubelogin's exec plugin, or the old `azure` auth provider,
//! for the AKS server application) the caller gets a token for that application with its own
//! Azure credential instead, so no kubelogin is needed.

use super::client::{Arm, Failure, Unauthorized};
use super::reads::Read;
use super::target::ClusterId;
use crate::snapshot::sources::ArmPath;
use ::kube::config::{AuthInfo, Kubeconfig};
use base64::Engine as _;
use http::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use std::fmt;

/// The AKS server application: Entra ID tokens for AKS clusters are issued for it.
pub const AKS_SERVER_APP: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";
/// The scope of such a token.
pub const AKS_SCOPE: &str = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

/// The read, for messages and `doctor --fleet` (not a snapshot source: nothing of it is kept).
pub const READ: Read = Read {
    field: "",
    source: "arm/listClusterUserCredential",
    what: "the cluster user credential (listClusterUserCredential)",
    api_version: "2025-10-01",
    action: "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    path: ArmPath::Cluster("/listClusterUserCredential"),
    list: false,
    az_command: "az aks get-credentials",
    az_type: None,
    az_list: None,
};

/// An AKS user kubeconfig is a few KiB (its CA, perhaps a client certificate); base64 of more
/// than this is not one.
const MAX_KUBECONFIG_BASE64: usize = 256 * 1024;

/// How to reach one cluster's API server, from its user kubeconfig.
pub struct UserCredential {
    /// `https://host:443`.
    pub server: String,
    /// `certificate-authority-data` (base64 PEM), as the kubeconfig has it.
    pub ca_data: Option<String>,
    pub auth: UserAuth,
}

pub enum UserAuth {
    /// A local-account cluster: the static credential the kubeconfig holds.
    Static {
        token: Option<SecretString>,
        /// `client-certificate-data` and `client-key-data` (base64 PEM).
        client_certificate: Option<(String, SecretString)>,
    },
    /// An Entra ID cluster: a token for [`AKS_SERVER_APP`] is needed.
    EntraId,
}

impl fmt::Debug for UserCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match self.auth {
            UserAuth::Static { .. } => "static credential <redacted>",
            UserAuth::EntraId => "Entra ID",
        };
        f.debug_struct("UserCredential").field("server", &self.server).field("auth", &auth).finish()
    }
}

impl UserCredential {
    /// Which kind of credential, for people.
    pub fn describe(&self) -> &'static str {
        match self.auth {
            UserAuth::Static { .. } => "the cluster's local account",
            UserAuth::EntraId => "an Entra ID token for the AKS server application",
        }
    }

    /// The kubeconfig of this credential alone, for kube's client: `token` is the Entra ID
    /// token an [`UserAuth::EntraId`] credential needs. Nothing but the server, its CA and the
    /// credential is in it.
    pub fn kubeconfig(&self, entra_token: Option<SecretString>) -> Kubeconfig {
        let auth_info = match &self.auth {
            UserAuth::Static { token, client_certificate } => AuthInfo {
                token: token.clone(),
                client_certificate_data: client_certificate.as_ref().map(|(cert, _)| cert.clone()),
                client_key_data: client_certificate.as_ref().map(|(_, key)| key.clone()),
                ..AuthInfo::default()
            },
            UserAuth::EntraId => AuthInfo { token: entra_token, ..AuthInfo::default() },
        };
        let cluster = ::kube::config::Cluster {
            server: Some(self.server.clone()),
            certificate_authority_data: self.ca_data.clone(),
            ..Default::default()
        };
        let name = "aks".to_string();
        Kubeconfig {
            clusters: vec![::kube::config::NamedCluster {
                name: name.clone(),
                cluster: Some(cluster),
                ..Default::default()
            }],
            auth_infos: vec![::kube::config::NamedAuthInfo {
                name: name.clone(),
                auth_info: Some(auth_info),
                ..Default::default()
            }],
            contexts: vec![::kube::config::NamedContext {
                name: name.clone(),
                context: Some(::kube::config::Context {
                    cluster: name.clone(),
                    user: Some(name.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            current_context: Some(name),
            ..Kubeconfig::default()
        }
    }
}

/// POSTs `listClusterUserCredential` for `id` and reads its first kubeconfig; the `String` says
/// why there is none (403 names the action to grant). A refused token is the caller's to stop on.
pub async fn list(arm: &Arm, id: &ClusterId) -> Result<Result<UserCredential, String>, Unauthorized> {
    // `format=exec` (Entra ID clusters only): kubelogin's exec shape rather than the auth-provider
    // shape client-go dropped; aksguard reads either and runs neither.
    let path = format!("{}/listClusterUserCredential?format=exec", id.path());
    Ok(match arm.post(&path, READ.api_version).await? {
        Ok(body) => read_answer(&body),
        Err(failure) => Err(explain(&failure, arm)),
    })
}

fn explain(failure: &Failure, arm: &Arm) -> String {
    match failure {
        Failure::Status { status: StatusCode::FORBIDDEN, code, .. } => format!(
            "forbidden: ARM refused listClusterUserCredential ({}); grant {} (the role Azure Kubernetes Service Cluster User Role has it) or read the cluster through your kubeconfig with --kubeconfig-contexts",
            if code.is_empty() { "403" } else { code },
            READ.action
        ),
        other => super::explain(&READ, other, arm),
    }
}

/// `{"kubeconfigs": [{"name": "...", "value": "<base64 kubeconfig>"}]}`.
pub fn read_answer(body: &Value) -> Result<UserCredential, String> {
    let cannot = |why: &str| format!("ARM's answer to listClusterUserCredential cannot be used: {why}");
    let first = match body.get("kubeconfigs").and_then(Value::as_array).map(Vec::as_slice) {
        Some([first, ..]) => first,
        Some([]) => return Err(cannot("it holds no kubeconfig")),
        None => return Err(cannot("it has no `kubeconfigs` list")),
    };
    let Some(value) = first.get("value").and_then(Value::as_str) else {
        return Err(cannot("its kubeconfig has no `value` string"));
    };
    if value.len() > MAX_KUBECONFIG_BASE64 {
        return Err(cannot(&format!(
            "its kubeconfig is {} KiB, more than the {} KiB of any AKS user kubeconfig",
            value.len() / 1024,
            MAX_KUBECONFIG_BASE64 / 1024
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| cannot("its kubeconfig is not base64"))?;
    let text = String::from_utf8(bytes).map_err(|_| cannot("its kubeconfig is not UTF-8 text"))?;
    from_kubeconfig(&text).map_err(|why| cannot(&why))
}

/// The server, CA and credential of an AKS user kubeconfig; anything that would make aksguard
/// run a program, read a file, use a proxy or skip the TLS check is refused, never followed.
pub fn from_kubeconfig(text: &str) -> Result<UserCredential, String> {
    // The parser's errors can quote the text, which holds credentials: described, not repeated.
    let config = Kubeconfig::from_yaml(text)
        .map_err(|_| "its kubeconfig is not valid kubeconfig YAML (or has a key twice)".to_string())?;
    let (cluster, user) = match (&config.clusters[..], &config.auth_infos[..]) {
        ([cluster], [user]) => (cluster.cluster.as_ref(), user.auth_info.as_ref()),
        (clusters, users) => {
            return Err(format!(
                "its kubeconfig has {} clusters and {} users, where AKS gives one of each",
                clusters.len(),
                users.len()
            ));
        }
    };
    let cluster = cluster.ok_or("its kubeconfig's cluster entry is empty")?;
    let user = user.ok_or("its kubeconfig's user entry is empty")?;
    let server = cluster.server.clone().ok_or("its kubeconfig names no API server")?;
    if !server.starts_with("https://") || reqwest::Url::parse(&server).is_err() {
        return Err("its kubeconfig's API server is not an https:// URL".to_string());
    }
    let refused = [
        (cluster.insecure_skip_tls_verify == Some(true), "turns off the TLS check (insecure-skip-tls-verify)"),
        (cluster.certificate_authority.is_some(), "names a CA file (certificate-authority)"),
        (cluster.proxy_url.is_some(), "names a proxy (proxy-url)"),
        (cluster.tls_server_name.is_some(), "names another TLS server name (tls-server-name)"),
    ];
    if let Some((_, why)) = refused.iter().find(|(bad, _)| *bad) {
        return Err(format!("its kubeconfig {why}, which aksguard does not follow"));
    }
    Ok(UserCredential { server, ca_data: cluster.certificate_authority_data.clone(), auth: user_auth(user)? })
}

fn user_auth(user: &AuthInfo) -> Result<UserAuth, String> {
    if let Some(exec) = &user.exec {
        let command = exec.command.as_deref().unwrap_or_default();
        let program = command.rsplit(['/', '\\']).next().unwrap_or_default();
        let program = program.strip_suffix(".exe").unwrap_or(program);
        if program != "kubelogin" {
            return Err(format!(
                "its kubeconfig runs the credential plugin '{}', which aksguard never runs",
                crate::redact::server_text(command)
            ));
        }
        let args = exec.args.as_deref().unwrap_or_default();
        let server_id = args.iter().position(|arg| arg == "--server-id").and_then(|at| args.get(at + 1));
        return entra_id(server_id.map(String::as_str));
    }
    if let Some(provider) = &user.auth_provider {
        if provider.name != "azure" {
            return Err(format!(
                "its kubeconfig uses the auth provider '{}', which aksguard does not use",
                crate::redact::server_text(&provider.name)
            ));
        }
        return entra_id(provider.config.get("apiserver-id").map(String::as_str));
    }
    let files = user.token_file.is_some() || user.client_certificate.is_some() || user.client_key.is_some();
    if files {
        return Err("its kubeconfig points at credential files, which aksguard does not read".to_string());
    }
    if user.username.is_some() || user.password.is_some() {
        return Err("its kubeconfig holds a password (basic auth), which AKS does not use".to_string());
    }
    let client_certificate = match (&user.client_certificate_data, &user.client_key_data) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        (None, None) => None,
        _ => return Err("its kubeconfig has a client certificate without its key, or a key without it".to_string()),
    };
    if user.token.is_none() && client_certificate.is_none() {
        return Err("its kubeconfig holds no credential (no token, client certificate or kubelogin)".to_string());
    }
    Ok(UserAuth::Static { token: user.token.clone(), client_certificate })
}

/// Only a token for the AKS server application is asked for: a kubeconfig naming another
/// (legacy Entra ID integration) would have aksguard mint tokens for an audience it chose.
fn entra_id(server_id: Option<&str>) -> Result<UserAuth, String> {
    match server_id {
        Some(id) if id.eq_ignore_ascii_case(AKS_SERVER_APP) => Ok(UserAuth::EntraId),
        Some(id) => Err(format!(
            "its kubeconfig asks for Entra ID tokens for the server application '{}' (legacy Entra ID integration), not the AKS server application {AKS_SERVER_APP}; migrate the cluster to AKS-managed Entra ID, or use --kubeconfig-contexts",
            crate::redact::server_text(id)
        )),
        None => Err("its kubeconfig uses Entra ID but names no server application (--server-id)".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(cluster: &str, user: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: aks-1\n  cluster:\n    server: https://aks-1-dns.hcp.eastus.azmk8s.io:443\n{cluster}users:\n- name: clusterUser_rg_aks-1\n  user:\n{user}contexts:\n- name: aks-1\n  context:\n    cluster: aks-1\n    user: clusterUser_rg_aks-1\ncurrent-context: aks-1\n"
        )
    }

    const CA: &str = "    certificate-authority-data: Q0E=\n";
    const KUBELOGIN: &str = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --login, devicecode]\n";

    #[test]
    fn a_local_account_kubeconfig_gives_its_token_and_certificate() {
        let user = "    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n    token: local-secret\n";
        let credential = from_kubeconfig(&kubeconfig(CA, user)).unwrap();
        assert_eq!(credential.server, "https://aks-1-dns.hcp.eastus.azmk8s.io:443");
        assert_eq!(credential.ca_data.as_deref(), Some("Q0E="));
        assert!(matches!(credential.auth, UserAuth::Static { token: Some(_), client_certificate: Some(_) }));
        // Debug never shows it.
        assert!(!format!("{credential:?}").contains("local-secret"));
        let built = credential.kubeconfig(None);
        let user = built.auth_infos[0].auth_info.as_ref().unwrap();
        assert!(user.exec.is_none() && user.client_certificate_data.as_deref() == Some("Q0VSVA=="));
    }

    #[test]
    fn an_entra_id_kubeconfig_needs_a_token_for_the_aks_server_app_and_runs_nothing() {
        let credential = from_kubeconfig(&kubeconfig(CA, KUBELOGIN)).unwrap();
        assert!(matches!(credential.auth, UserAuth::EntraId));
        let built = credential.kubeconfig(Some(SecretString::from("entra")));
        let user = built.auth_infos[0].auth_info.as_ref().unwrap();
        assert!(user.exec.is_none() && user.auth_provider.is_none() && user.token.is_some());
        let provider = "    auth-provider:\n      name: azure\n      config:\n        apiserver-id: 6dae42f8-4368-4678-94ff-3960e28e3630\n        client-id: x\n";
        assert!(matches!(from_kubeconfig(&kubeconfig(CA, provider)).unwrap().auth, UserAuth::EntraId));
    }

    #[test]
    fn a_hostile_kubeconfig_is_refused_with_the_reason() {
        let cases = [
            (kubeconfig(CA, "    exec:\n      command: /bin/sh\n      args: [-c, 'curl evil']\n"), "never runs"),
            (kubeconfig(CA, &KUBELOGIN.replace("6dae42f8-4368-4678-94ff-3960e28e3630", "attacker-app")), "legacy"),
            (kubeconfig("    insecure-skip-tls-verify: true\n", "    token: t\n"), "insecure-skip-tls-verify"),
            (kubeconfig("    proxy-url: http://evil:3128\n", "    token: t\n"), "proxy-url"),
            (kubeconfig(CA, "    tokenFile: /etc/shadow\n"), "credential files"),
            (kubeconfig(CA, "    client-key-data: S0VZ\n"), "without"),
            (kubeconfig(CA, "    token: a\n    token: b\n"), "twice"),
            (kubeconfig(CA, "    username: u\n    password: p\n"), "basic auth"),
            (kubeconfig(CA, "    {}\n"), "no credential"),
            (kubeconfig(CA, "    token: t\n").replace("https://", "http://"), "https://"),
        ];
        for (text, why) in cases {
            let err = from_kubeconfig(&text).err().unwrap_or_else(|| panic!("accepted:\n{text}"));
            assert!(err.contains(why), "{err} (expected: {why})");
            assert!(!err.contains("curl evil") && !err.contains("S0VZ"), "{err}");
        }
    }

    #[test]
    fn the_answer_is_bounded_and_strict() {
        let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let good = serde_json::json!({"kubeconfigs": [{"name": "clusterUser", "value": encode(&kubeconfig(CA, "    token: t\n"))}]});
        assert!(read_answer(&good).is_ok());
        let huge = serde_json::json!({"kubeconfigs": [{"name": "x", "value": "A".repeat(MAX_KUBECONFIG_BASE64 + 4)}]});
        assert!(read_answer(&huge).unwrap_err().contains("KiB"));
        // The reference example: a value that decodes, but to no kubeconfig.
        let example =
            serde_json::json!({"kubeconfigs": [{"name": "credentialName1", "value": "Y3JlZGVudGlhbFZhbHVlMQ=="}]});
        assert!(read_answer(&example).unwrap_err().contains("not valid kubeconfig"));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"kubeconfigs": []}),
            serde_json::json!({"kubeconfigs": [{"value": "%%"}]}),
        ] {
            assert!(read_answer(&bad).is_err(), "{bad}");
        }
    }
}
