//! Azure credentials, as the Azure SDKs' default chain picks them (azure_identity 1.x has no
//! `DefaultAzureCredential`, so this is the chain): an environment service principal, else
//! workload identity, else managed identity when its environment says so, else the Azure CLI
//! login. The instance metadata address is never probed blindly: managed identity is used only
//! with `--auth managed-identity` or when a managed-identity environment variable is set.
//!
//! The chain picks by configuration, not by trial: the first credential whose settings are
//! present is the one used, so a failure names the credential that failed and what to fix.

use super::cloud::Cloud;
use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use clap::ValueEnum;
use std::fmt;
use std::sync::Arc;

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Auth {
    /// The first of env, workload-identity, managed-identity (only when its variables are set), cli
    Auto,
    /// The Azure CLI login (`az login`)
    Cli,
    /// A service principal: AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID
    Env,
    /// Workload identity federation: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID
    WorkloadIdentity,
    /// The managed identity of the VM, pod or service (AZURE_CLIENT_ID picks a user-assigned one)
    ManagedIdentity,
}

const SERVICE_PRINCIPAL: [&str; 3] = ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"];
const WORKLOAD_IDENTITY: [&str; 3] = ["AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID"];
/// Set by App Service, Azure Arc, Service Fabric, Cloud Shell and Azure ML.
const MANAGED_IDENTITY: [&str; 2] = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"];

/// A bearer token. It is never printed: `Debug` says only that it is there.
pub struct Bearer(String);

impl Bearer {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// The token itself, for a client that sets its own header (kube's, for the fleet).
    pub fn secret(&self) -> secrecy::SecretString {
        secrecy::SecretString::from(self.0.clone())
    }

    /// The token's claims payload, for saying whose token it is (not verified: ARM does that).
    pub fn payload(&self) -> Option<&str> {
        self.0.split('.').nth(1)
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(<redacted>)")
    }
}

/// The credential the chain chose.
pub struct Credential {
    /// For people: "the Azure CLI login", "the service principal in AZURE_CLIENT_ID", ...
    pub name: &'static str,
    /// What to do when it fails.
    pub fix: &'static str,
    inner: Arc<dyn TokenCredential>,
}

impl Credential {
    /// A token for ARM in `cloud`, within `timeout` (the Azure CLI can hang on a prompt); the
    /// error is one sentence saying what to do.
    pub async fn token(&self, cloud: Cloud, timeout: std::time::Duration) -> Result<Bearer, String> {
        Ok(self.token_for(&cloud.arm_scope(), timeout).await?.0)
    }

    /// A token for `scope` (the fleet's: the AKS server application) and its expiry in Unix
    /// seconds, within `timeout`.
    pub async fn token_for(&self, scope: &str, timeout: std::time::Duration) -> Result<(Bearer, i64), String> {
        tracing::debug!(credential = self.name, scope = %scope, "requesting a token");
        match tokio::time::timeout(timeout, self.inner.get_token(&[scope], None)).await {
            Ok(Ok(token)) => Ok((Bearer(token.token.secret().to_string()), token.expires_on.unix_timestamp())),
            Ok(Err(err)) => {
                Err(format!("cannot get an Azure token from {}: {}; {}", self.name, one_line(&err), self.fix))
            }
            Err(_) => Err(format!(
                "cannot get an Azure token from {}: no answer within {}s; {} (or raise --timeout)",
                self.name,
                timeout.as_secs_f64(),
                self.fix
            )),
        }
    }
}

/// Picks the credential for `auth`. `subscription` makes the Azure CLI sign in to its tenant.
pub fn choose(auth: Auth, cloud: Cloud, subscription: &str) -> Result<Credential, String> {
    let set = |names: &[&str]| names.iter().all(|name| env_set(name));
    let chosen = match auth {
        Auth::Auto if set(&SERVICE_PRINCIPAL) => Auth::Env,
        Auth::Auto if set(&WORKLOAD_IDENTITY) => Auth::WorkloadIdentity,
        Auth::Auto if MANAGED_IDENTITY.iter().any(|name| env_set(name)) => Auth::ManagedIdentity,
        Auth::Auto => Auth::Cli,
        explicit => explicit,
    };
    tracing::debug!(?auth, ?chosen, "credential chosen");
    build(chosen, cloud, subscription)
        .map_err(|err| format!("cannot set up Azure credentials ({chosen:?}): {}", one_line(&err)))
}

fn build(auth: Auth, cloud: Cloud, subscription: &str) -> Result<Credential, Box<dyn std::error::Error>> {
    // In the public cloud no configuration is given, so that the SDK honours AZURE_AUTHORITY_HOST
    // (Azure Stack, private sign-in endpoints) as every Azure SDK does.
    let configuration = (cloud != Cloud::AzureCloud).then(|| cloud.configuration());
    let client_options = ClientOptions { cloud: configuration, ..ClientOptions::default() };
    Ok(match auth {
        Auth::Env => {
            let [client_id, secret, tenant] = require(SERVICE_PRINCIPAL, "--auth env")?;
            let options = ClientSecretCredentialOptions { client_options };
            Credential {
                name: "the service principal in AZURE_CLIENT_ID",
                fix: "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                inner: ClientSecretCredential::new(&tenant, client_id, secret.into(), Some(options))?,
            }
        }
        Auth::WorkloadIdentity => {
            let [file, client_id, tenant] = require(WORKLOAD_IDENTITY, "--auth workload-identity")?;
            let options = WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions { client_options },
                client_id: Some(client_id),
                tenant_id: Some(tenant),
                token_file_path: Some(file.into()),
            };
            Credential {
                name: "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
                fix: "check the federated credential of AZURE_CLIENT_ID trusts this token's issuer and subject",
                inner: WorkloadIdentityCredential::new(Some(options))?,
            }
        }
        Auth::ManagedIdentity => {
            let user_assigned_id = std::env::var("AZURE_CLIENT_ID").ok().filter(|id| !id.is_empty());
            let options = ManagedIdentityCredentialOptions {
                user_assigned_id: user_assigned_id.map(UserAssignedId::ClientId),
                client_options,
            };
            Credential {
                name: "the managed identity",
                fix: "check this machine has a managed identity (and AZURE_CLIENT_ID names it when it is user-assigned)",
                inner: ManagedIdentityCredential::new(Some(options))?,
            }
        }
        Auth::Cli | Auth::Auto => Credential {
            name: "the Azure CLI login",
            fix: match azure_cli_on_path() {
                true => {
                    "run `az login` (or choose other credentials with --auth), or, for `aksguard audit`, pass --skip-azure to read only the Kubernetes API"
                }
                false => {
                    "the Azure CLI is not installed or not on PATH: install it and run `az login`, or choose credentials that need no CLI (--auth env, workload-identity or managed-identity), or, for `aksguard audit`, pass --skip-azure to read only the Kubernetes API"
                }
            },
            inner: AzureCliCredential::new(Some(AzureCliCredentialOptions {
                subscription: Some(subscription.to_string()),
                ..AzureCliCredentialOptions::default()
            }))?,
        },
    })
}

/// Whether an `az` executable is on PATH: without it, "run `az login`" is advice nobody can follow.
fn azure_cli_on_path() -> bool {
    let names: &[&str] = if cfg!(windows) { &["az.cmd", "az.exe", "az"] } else { &["az"] };
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| names.iter().any(|name| dir.join(name).is_file()))
}

/// The values of `names`, or which are missing.
fn require<const N: usize>(names: [&str; N], flag: &str) -> Result<[String; N], String> {
    let missing: Vec<&str> = names.iter().copied().filter(|name| !env_set(name)).collect();
    if !missing.is_empty() {
        return Err(format!("{flag} needs {} set", missing.join(", ")));
    }
    Ok(names.map(|name| std::env::var(name).unwrap_or_default()))
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}

/// azure_core errors can span lines (the CLI's stderr); a sentence is one line.
/// They may also quote what Entra ID or the CLI answered, so they are capped and redacted.
fn one_line(err: &dyn fmt::Display) -> String {
    crate::redact::server_text(&err.to_string()).trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_token_never_shows_in_debug_output() {
        let bearer = Bearer("eyJ0eXAi.secret-claims.signature".to_string());
        assert_eq!(format!("{bearer:?}"), "Bearer(<redacted>)");
        assert_eq!(bearer.payload(), Some("secret-claims"));
    }
}
