//! `public-load-balancers`: LoadBalancer Services are internal unless meant to face the internet.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::{INTERNAL_LOAD_BALANCER_ANNOTATION, Service};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "public-load-balancers",
    title: "LoadBalancer Services use an internal load balancer",
    severity: Severity::Medium,
    area: Area::Network,
    help_uri: "https://learn.microsoft.com/azure/aks/internal-lb",
    reads: &[source::SERVICES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes clusters should use internal load balancers (3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e)",
        "Microsoft Learn: Use an internal load balancer with AKS",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every Service of `type: LoadBalancer` must carry the annotation
`service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`. Without it, AKS gives the
Service a public IP on the cluster's Azure load balancer. Services in system namespaces are
reported as platform-managed. This is the Azure Policy built-in 3fc4dc25 (internal load
balancers only).

## Why it matters
A public load balancer puts the Service on the internet, past the private network and any
firewall in front of it: every pod it selects is one port scan away. Internet-facing traffic
belongs behind an ingress with TLS and a web application firewall, not on a raw public IP.

## How to fix
Annotate the Service so that AKS puts it on an internal load balancer:

    kubectl -n NAMESPACE annotate service NAME service.beta.kubernetes.io/azure-load-balancer-internal=true

AKS replaces the public frontend with a private IP from the cluster's subnet.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let services = ctx.services()?;
    let balancers: Vec<&Service> = services.iter().filter(|s| s.service_type() == "LoadBalancer").collect();
    let mut findings: Vec<Finding> = balancers.iter().filter(|s| !is_internal(s)).map(|s| fail(ctx, s)).collect();
    if !findings.iter().any(|f| !f.platform_managed) {
        let message = format!("{} LoadBalancer Service(s), none public outside system namespaces", balancers.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every Service")),
        );
    }
    Ok(findings)
}

/// Only the exact value `"true"` makes the load balancer internal (AKS ignores anything else).
fn is_internal(service: &Service) -> bool {
    service.metadata.annotations.get(INTERNAL_LOAD_BALANCER_ANNOTATION).map(String::as_str) == Some("true")
}

fn fail(ctx: &Context, service: &Service) -> Finding {
    let (namespace, name) = (service.metadata.namespace(), service.metadata.name.as_str());
    let platform = ctx.is_system_namespace(namespace);
    let annotation = match service.metadata.annotations.get(INTERNAL_LOAD_BALANCER_ANNOTATION) {
        Some(value) => format!("{INTERNAL_LOAD_BALANCER_ANNOTATION} = {value:?}, not \"true\""),
        None => format!("no {INTERNAL_LOAD_BALANCER_ANNOTATION} annotation"),
    };
    let finding = RULE
        .fail(
            Resource::namespaced("Service", namespace, name),
            format!("Service {namespace}/{name} is on a public load balancer"),
        )
        .with_evidence(Evidence::kubernetes(format!("Service {namespace}/{name}: type LoadBalancer, {annotation}")))
        .platform_managed(platform);
    match platform {
        true => finding,
        false => finding.with_remediation(format!(
            "kubectl -n {namespace} annotate service {name} {INTERNAL_LOAD_BALANCER_ANNOTATION}=true --overwrite"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_services};
    use crate::snapshot::Snapshot;
    use serde_json::{Value, json};

    fn service(name: &str, type_: &str, annotations: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop", "annotations": annotations}, "spec": {"type": type_, "ports": [{"port": 80}]}})
    }

    #[test]
    fn a_public_load_balancer_fails_internal_ones_and_cluster_ips_pass() {
        let findings = run(
            &RULE,
            &with_services(json!([
                service("web", "LoadBalancer", json!({})),
                service("typo", "LoadBalancer", json!({INTERNAL_LOAD_BALANCER_ANNOTATION: "yes"})),
                service("api", "LoadBalancer", json!({INTERNAL_LOAD_BALANCER_ANNOTATION: "true"})),
                service("db", "ClusterIP", json!({})),
            ])),
        );
        let failing: Vec<String> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.to_string()).collect();
        assert_eq!(failing, ["Service/shop/web", "Service/shop/typo"]);
        assert!(findings[1].evidence[0].contains("= \"yes\", not \"true\""), "{:?}", findings[1].evidence);
        let fix = findings[0].remediation.as_ref().unwrap().to_string();
        assert_eq!(
            fix,
            format!("kubectl -n shop annotate service web {INTERNAL_LOAD_BALANCER_ANNOTATION}=true --overwrite")
        );

        let passing = run(
            &RULE,
            &with_services(json!([service("api", "LoadBalancer", json!({INTERNAL_LOAD_BALANCER_ANNOTATION: "true"}))])),
        );
        assert_eq!(passing.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn services_not_read_is_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }
}
