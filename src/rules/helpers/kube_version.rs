//! Kubernetes version strings as AKS and kubelets print them (`1.29.9`, `v1.29.9`, `1.29`),
//! reduced to the minor version rules compare.

use crate::snapshot::arm::{AgentPoolProfile, ManagedCluster};
use std::fmt;

/// The version the control plane runs (`currentKubernetesVersion`, else the requested one).
pub fn control_plane_version(cluster: &ManagedCluster) -> Option<&str> {
    let properties = &cluster.properties;
    properties.current_kubernetes_version.as_deref().or(properties.kubernetes_version.as_deref())
}

/// The version a pool's nodes run (`currentOrchestratorVersion`, else the requested one).
pub fn pool_version(pool: &AgentPoolProfile) -> Option<&str> {
    pool.current_orchestrator_version.as_deref().or(pool.orchestrator_version.as_deref())
}

/// `major.minor`, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minor {
    pub major: u32,
    pub minor: u32,
}

impl Minor {
    /// Reads `1.29.9`, `v1.29.9`, `1.29`, `1.29.9-hotfix.20240101`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Minor> {
        let text = text.trim();
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let mut parts = text.split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Minor { major, minor })
    }
}

impl fmt::Display for Minor {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_aks_and_kubelets_print() {
        let m = Minor { major: 1, minor: 29 };
        for text in ["1.29.9", "v1.29.9", "1.29", " 1.29.9-hotfix.20240101 ", "v1.29.9+aks"] {
            assert_eq!(Minor::parse(text), Some(m), "{text}");
        }
        assert_eq!(Minor::parse("latest"), None);
        assert_eq!(Minor::parse("1"), None);
        assert!(Minor::parse("1.30.1").unwrap() > m);
        assert_eq!(m.to_string(), "1.29");
    }
}
