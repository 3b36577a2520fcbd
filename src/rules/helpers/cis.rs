//! The CIS Azure Kubernetes Service (AKS) Benchmark v1.8 controls, and for each either the rules
//! that automate it (from each rule's `cis` ids) or why it stays manual.
//! `aksguard rules --framework cis-aks-1.8` prints this mapping.

use super::{ALL, Rule};

pub const FRAMEWORK: &str = "cis-aks-1.8";

pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    /// Why no rule automates it, shown when none does.
    pub manual: &'static str,
}

const NODE_ACCESS: &str = "needs a look at files and flags on the nodes themselves (run kube-bench as a DaemonSet); aksguard reads only the APIs";
const ROLE_REVIEW: &str = "needs a review of Roles and ClusterRoles against what each subject should do; not automated";

pub const CONTROLS: &[Control] = &[
    Control { id: "2.1.1", title: "Enable audit Logs", manual: "" },
    Control {
        id: "3.1.1",
        title: "Ensure that the kubeconfig file permissions are set to 644 or more restrictive",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.1.2",
        title: "Ensure that the kubelet kubeconfig file ownership is set to root:root",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.1.3",
        title: "Ensure that the azure.json file has permissions set to 644 or more restrictive",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.1.4",
        title: "Ensure that the azure.json file ownership is set to root:root",
        manual: NODE_ACCESS,
    },
    Control { id: "3.2.1", title: "Ensure that the --anonymous-auth argument is set to false", manual: NODE_ACCESS },
    Control {
        id: "3.2.2",
        title: "Ensure that the --authorization-mode argument is not set to AlwaysAllow",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.2.3",
        title: "Ensure that the --client-ca-file argument is set as appropriate",
        manual: NODE_ACCESS,
    },
    Control { id: "3.2.4", title: "Ensure that the --read-only-port is secured", manual: NODE_ACCESS },
    Control {
        id: "3.2.5",
        title: "Ensure that the --streaming-connection-idle-timeout argument is not set to 0",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.2.6",
        title: "Ensure that the --make-iptables-util-chains argument is set to true",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.2.7",
        title: "Ensure that the --eventRecordQPS argument is set to 0 or a level which ensures appropriate event capture",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.2.8",
        title: "Ensure that the --rotate-certificates argument is not set to false",
        manual: NODE_ACCESS,
    },
    Control {
        id: "3.2.9",
        title: "Ensure that the RotateKubeletServerCertificate argument is set to true",
        manual: NODE_ACCESS,
    },
    Control { id: "4.1.1", title: "Ensure that the cluster-admin role is only used where required", manual: "" },
    Control { id: "4.1.2", title: "Minimize access to secrets", manual: ROLE_REVIEW },
    Control { id: "4.1.3", title: "Minimize wildcard use in Roles and ClusterRoles", manual: "" },
    Control { id: "4.1.4", title: "Minimize access to create pods", manual: ROLE_REVIEW },
    Control {
        id: "4.1.5",
        title: "Ensure that default service accounts are not actively used",
        manual: "no rule yet judges which pods run as their namespace's default ServiceAccount and what it is bound to",
    },
    Control { id: "4.1.6", title: "Ensure that Service Account Tokens are only mounted where necessary", manual: "" },
    Control {
        id: "4.1.7",
        title: "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
        manual: ROLE_REVIEW,
    },
    Control { id: "4.1.8", title: "Minimize access to create persistent volumes", manual: ROLE_REVIEW },
    Control { id: "4.1.9", title: "Minimize access to the proxy sub-resource of nodes", manual: ROLE_REVIEW },
    Control {
        id: "4.1.10",
        title: "Minimize access to the approval sub-resource of certificatesigningrequests objects",
        manual: ROLE_REVIEW,
    },
    Control { id: "4.1.11", title: "Minimize access to webhook configuration objects", manual: ROLE_REVIEW },
    Control { id: "4.1.12", title: "Minimize access to the service account token creation", manual: ROLE_REVIEW },
    Control { id: "4.2.1", title: "Minimize the admission of privileged containers", manual: "" },
    Control {
        id: "4.2.2",
        title: "Minimize the admission of containers wishing to share the host process ID namespace",
        manual: "",
    },
    Control {
        id: "4.2.3",
        title: "Minimize the admission of containers wishing to share the host IPC namespace",
        manual: "",
    },
    Control {
        id: "4.2.4",
        title: "Minimize the admission of containers wishing to share the host network namespace",
        manual: "",
    },
    Control { id: "4.2.5", title: "Minimize the admission of containers with allowPrivilegeEscalation", manual: "" },
    Control {
        id: "4.4.1",
        title: "Ensure latest CNI version is used",
        manual: "the CNI version is managed by AKS with the node image; see the node image rules",
    },
    Control { id: "4.4.2", title: "Ensure that all Namespaces have Network Policies defined", manual: "" },
    Control {
        id: "4.5.1",
        title: "Prefer using secrets as files over secrets as environment variables",
        manual: "aksguard deliberately never reads env; review manifests for secretKeyRef",
    },
    Control { id: "4.5.2", title: "Consider external secret storage", manual: "" },
    Control {
        id: "4.6.1",
        title: "Create administrative boundaries between resources using namespaces",
        manual: "a design decision; not automated",
    },
    Control { id: "4.6.2", title: "Apply Security Context to Your Pods and Containers", manual: "" },
    Control { id: "4.6.3", title: "The default namespace should not be used", manual: "" },
    Control {
        id: "5.1.1",
        title: "Ensure Image Vulnerability Scanning using Microsoft Defender for Cloud (MDC) image scanning or a third party provider",
        manual: "",
    },
    Control {
        id: "5.1.2",
        title: "Minimize user access to Azure Container Registry (ACR)",
        manual: "needs the registries' role assignments, which aksguard does not read",
    },
    Control {
        id: "5.1.3",
        title: "Minimize cluster access to read-only for Azure Container Registry (ACR)",
        manual: "needs the registries' role assignments, which aksguard does not read",
    },
    Control { id: "5.1.4", title: "Minimize Container Registries to only those approved", manual: "" },
    Control { id: "5.2.1", title: "Prefer using dedicated AKS Service Accounts", manual: "" },
    Control { id: "5.3.1", title: "Ensure Kubernetes Secrets are encrypted", manual: "" },
    Control { id: "5.4.1", title: "Restrict Access to the Control Plane Endpoint", manual: "" },
    Control {
        id: "5.4.2",
        title: "Ensure clusters are created with Private Endpoint Enabled and Public Access Disabled",
        manual: "",
    },
    Control { id: "5.4.3", title: "Ensure clusters are created with Private Nodes", manual: "" },
    Control { id: "5.4.4", title: "Ensure Network Policy is Enabled and set as appropriate", manual: "" },
    Control { id: "5.4.5", title: "Encrypt traffic to HTTPS load balancers with TLS certificates", manual: "" },
    Control { id: "5.5.1", title: "Manage Kubernetes RBAC users with Azure AD", manual: "" },
    Control { id: "5.5.2", title: "Use Azure RBAC for Kubernetes Authorization", manual: "" },
];

pub fn control(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|control| control.id == id)
}

/// The rules that automate a control.
pub fn automated_by(id: &str) -> Vec<&'static Rule> {
    ALL.iter().copied().filter(|rule| rule.cis.contains(&id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_cites_real_controls() {
        for rule in ALL {
            for id in rule.cis {
                assert!(control(id).is_some(), "{} cites CIS {id}, which is not a v1.8 control", rule.id);
            }
        }
    }

    #[test]
    fn a_control_without_a_rule_says_why() {
        for control in CONTROLS {
            assert!(!automated_by(control.id).is_empty() || !control.manual.is_empty(), "{} has neither", control.id);
        }
    }

    /// A reason why a control is manual must not outlive the rule that automates it.
    #[test]
    fn an_automated_control_gives_no_manual_reason() {
        let stale: Vec<&str> = CONTROLS
            .iter()
            .filter(|control| !automated_by(control.id).is_empty() && !control.manual.is_empty())
            .map(|control| control.id)
            .collect();
        assert!(stale.is_empty(), "automated, yet with a reason to be manual: {stale:?}");
    }

    #[test]
    fn pod_security_controls_are_automated() {
        let ids = |control: &str| automated_by(control).iter().map(|r| r.id).collect::<Vec<_>>();
        assert!(ids("4.2.1").contains(&"privileged-containers"));
        assert!(ids("4.4.2").contains(&"network-policy-default-deny"));
        assert!(ids("5.4.1").contains(&"api-server-access"));
    }
}
