//! The Azure clouds aksguard can audit in: where their management (ARM) endpoint is, and the
//! token audience and sign-in authority the credentials must use there.

use azure_core::cloud::CloudConfiguration;
use clap::ValueEnum;
use std::sync::Arc;

/// `--cloud`, named as `az cloud list` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Cloud {
    #[value(name = "AzureCloud")]
    AzureCloud,
    #[value(name = "AzureUSGovernment")]
    AzureUsGovernment,
    #[value(name = "AzureChinaCloud")]
    AzureChinaCloud,
}

impl Cloud {
    /// The ARM endpoint, without a trailing slash.
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://management.azure.com",
            Cloud::AzureUsGovernment => "https://management.usgovcloudapi.net",
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn",
        }
    }

    /// The token scope for ARM: its endpoint's `.default`. A token is for one cloud's ARM,
    /// whatever `--arm-endpoint` points at.
    pub fn arm_scope(self) -> String {
        format!("{}/.default", self.arm_endpoint())
    }

    /// Where azure_identity signs in (the Entra authority of the cloud).
    pub fn configuration(self) -> Arc<CloudConfiguration> {
        Arc::new(match self {
            Cloud::AzureCloud => CloudConfiguration::AzurePublic,
            Cloud::AzureUsGovernment => CloudConfiguration::AzureGovernment,
            Cloud::AzureChinaCloud => CloudConfiguration::AzureChina,
        })
    }
}

/// `--arm-endpoint`: an `https://` URL without path, query or credentials.
pub fn parse_endpoint(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|err| format!("not a URL ({err})"))?;
    let plain = url.scheme() == "https"
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && matches!(url.path(), "" | "/");
    match plain {
        true => Ok(text.trim_end_matches('/').to_string()),
        false => Err("expected an https:// URL with a host only, such as https://management.azure.com".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_plain_https() {
        assert_eq!(parse_endpoint("https://127.0.0.1:8443/").unwrap(), "https://127.0.0.1:8443");
        for bad in ["http://management.azure.com", "https://u:p@host", "https://host/path", "management.azure.com"] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sovereign_clouds_have_their_own_audience() {
        assert_eq!(Cloud::AzureUsGovernment.arm_scope(), "https://management.usgovcloudapi.net/.default");
        assert_eq!(Cloud::AzureChinaCloud.arm_endpoint(), "https://management.chinacloudapi.cn");
    }
}
