//! `service-exposure`: Services do not open node ports, claim external IPs or listen on ports
//! outside the team's list.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::Service;
use crate::snapshot::source;
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    id: "service-exposure",
    title: "Services do not use node ports, external IPs or ports outside the allowed list",
    severity: Severity::Medium,
    area: Area::Network,
    help_uri: "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
    reads: &[source::SERVICES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes cluster services should only use allowed external IPs (d46c275d-1680-448d-b2ec-e495a3b6cc89)",
        "Azure Policy: Kubernetes cluster services should listen only on allowed ports (233a2a17-77ca-4fb1-9b6b-69223d272a44)",
        "Kubernetes: CVE-2020-8554, man in the middle using LoadBalancer or ExternalIPs",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every Service, three ways:
- `type: NodePort` fails: the Service listens on a port of every node.
- `spec.externalIPs` fails (high) for each address outside `allowed_external_ips` in
  `aksguard.toml`. The list is empty unless given, as the Azure Policy built-in d46c275d's
  default: no external IP is allowed.
- a `spec.ports[].port` outside `allowed_service_ports` in `aksguard.toml` fails, as the
  built-in 233a2a17 judges. That built-in has no default list, so neither has aksguard: without
  `allowed_service_ports` ports are not judged, and the passing finding says so.

The built-ins exclude `kube-system`, `gatekeeper-system` and `azure-arc`; aksguard reports
Services in every system namespace as platform-managed instead of hiding them. The node ports a
`LoadBalancer` Service also allocates are not judged here (`public-load-balancers` judges those
Services); `ClusterIP` and `ExternalName` Services are judged for their external IPs and ports.

## Why it matters
A node port is open on every node, past the ingress, its TLS and its web application firewall:
anything that reaches a node's address (the VNet, peered networks, or the internet where nodes
have public IPs) reaches the pods. An external IP is worse: any user who can create a Service
can claim an address and have kube-proxy on every node intercept traffic meant for it
(CVE-2020-8554, which Kubernetes has no fix for except refusing external IPs). Ports outside an
agreed list are services nobody reviewed.

## How to fix
Put the Service behind an Ingress or an internal load balancer and make it `ClusterIP`
(Kubernetes drops its node ports on the type change):

    kubectl -n NAMESPACE patch service NAME -p '{\"spec\":{\"type\":\"ClusterIP\"}}'

Remove external IPs:

    kubectl -n NAMESPACE patch service NAME --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/externalIPs\"}]'

A port outside the list: change the Service (`kubectl -n NAMESPACE edit service/NAME`), or, when
the port was agreed, add it to `allowed_service_ports`.
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let services = ctx.services()?;
    let mut findings: Vec<Finding> = services.iter().filter_map(|service| judge(ctx, service)).collect();
    if !findings.iter().any(|f| !f.platform_managed) {
        let user = services.iter().filter(|s| !ctx.is_system_namespace(s.metadata.namespace())).count();
        let ports = match &ctx.settings.allowed_service_ports {
            Some(allowed) => format!("every port in allowed_service_ports ({})", list(allowed)),
            None => "ports not judged: aksguard.toml gives no allowed_service_ports".to_string(),
        };
        let message = format!("{user} Service(s) outside system namespaces: no node port, no external IP; {ports}");
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every Service")),
        );
    }
    Ok(findings)
}

/// What is wrong with one Service: a problem for the evidence and its fix, if any.
struct Problem {
    /// For the finding's message: `node port`, `external IPs`, `ports outside the list`.
    short: &'static str,
    text: String,
    fix: String,
    high: bool,
}

fn problems(ctx: &Context, service: &Service) -> Vec<Problem> {
    let (namespace, name) = (service.metadata.namespace(), service.metadata.name.as_str());
    let mut problems = Vec::new();
    if service.service_type() == "NodePort" {
        let ports: Vec<String> = service.spec.ports.iter().filter_map(|p| p.node_port).map(|p| p.to_string()).collect();
        let on = if ports.is_empty() { String::new() } else { format!(" ({})", ports.join(", ")) };
        problems.push(Problem {
            short: "node port",
            text: format!("type NodePort: listens on every node{on}"),
            fix: format!("kubectl -n {namespace} patch service {name} -p '{{\"spec\":{{\"type\":\"ClusterIP\"}}}}'"),
            high: false,
        });
    }
    let disallowed: Vec<&str> = service
        .spec
        .external_ips
        .iter()
        .map(String::as_str)
        .filter(|ip| !is_allowed_ip(ip, &ctx.settings.allowed_external_ips))
        .collect();
    if !disallowed.is_empty() {
        problems.push(Problem {
            short: "external IPs",
            text: format!("externalIPs {} not in allowed_external_ips", quoted(&disallowed)),
            fix: format!(
                "kubectl -n {namespace} patch service {name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/externalIPs\"}}]'"
            ),
            high: true,
        });
    }
    if let Some(allowed) = &ctx.settings.allowed_service_ports {
        let outside: Vec<String> = service
            .spec
            .ports
            .iter()
            .filter(|p| !u16::try_from(p.port).is_ok_and(|port| allowed.contains(&port)))
            .map(|p| p.port.to_string())
            .collect();
        if !outside.is_empty() {
            problems.push(Problem {
                short: "ports outside the list",
                text: format!("port(s) {} not in allowed_service_ports ({})", outside.join(", "), list(allowed)),
                fix: format!(
                    "kubectl -n {namespace} edit service/{name}  # listen only on allowed ports, or add agreed ones to allowed_service_ports"
                ),
                high: false,
            });
        }
    }
    problems
}

/// An external IP is allowed only when it parses and equals a listed address (`10.0.0.1` and
/// `10.0.0.01` are not the same text; anything unparseable is never allowed).
fn is_allowed_ip(ip: &str, allowed: &[IpAddr]) -> bool {
    ip.trim().parse::<IpAddr>().is_ok_and(|ip| allowed.contains(&ip))
}

fn judge(ctx: &Context, service: &Service) -> Option<Finding> {
    let problems = problems(ctx, service);
    if problems.is_empty() {
        return None;
    }
    let (namespace, name) = (service.metadata.namespace(), service.metadata.name.as_str());
    let platform = ctx.is_system_namespace(namespace);
    let what: Vec<&str> = problems.iter().map(|p| p.short).collect();
    let mut finding = RULE
        .fail(
            Resource::namespaced("Service", namespace, name),
            format!("Service {namespace}/{name} is exposed beyond what is allowed: {}", what.join(", ")),
        )
        .with_evidence(Evidence::kubernetes(format!(
            "Service {namespace}/{name}: type {}, ports {}",
            service.service_type(),
            service.spec.ports.iter().map(|p| p.port.to_string()).collect::<Vec<_>>().join(", ")
        )))
        .platform_managed(platform);
    if problems.iter().any(|p| p.high) {
        finding = finding.with_severity(Severity::High);
    }
    let fix: Vec<&str> = problems.iter().map(|p| p.fix.as_str()).collect();
    let finding = problems
        .iter()
        .fold(finding, |f, problem| f.with_evidence(Evidence::detail(Source::Kubernetes, problem.text.clone())));
    Some(match platform {
        true => finding,
        false => finding.with_remediation(fix.join("\n")),
    })
}

fn list(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

fn quoted(values: &[&str]) -> String {
    values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::Settings;
    use crate::rules::testing::{run, with_services};
    use crate::snapshot::Snapshot;
    use serde_json::{Value, json};

    fn service(namespace: &str, name: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": namespace}, "spec": spec})
    }

    fn run_with(settings: &Settings, snapshot: &Snapshot) -> Vec<Finding> {
        RULE.evaluate(&Context::new(snapshot, settings))
    }

    fn failing(findings: &[Finding]) -> Vec<(String, Severity)> {
        findings.iter().filter(|f| f.status == Status::Fail).map(|f| (f.resource.to_string(), f.severity)).collect()
    }

    #[test]
    fn node_ports_and_external_ips_fail_with_their_patches() {
        let findings = run(
            &RULE,
            &with_services(json!([
                service("shop", "web", json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]})),
                service("shop", "legacy", json!({"ports": [{"port": 8080}], "externalIPs": ["203.0.113.10"]})),
                service("shop", "api", json!({"ports": [{"port": 443}]})),
                service("shop", "front", json!({"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 31443}]})),
            ])),
        );
        assert_eq!(
            failing(&findings),
            [("Service/shop/web".to_string(), Severity::Medium), ("Service/shop/legacy".to_string(), Severity::High)]
        );
        assert!(findings[0].evidence.iter().any(|e| e.as_str() == "type NodePort: listens on every node (30080)"));
        assert_eq!(
            findings[0].remediation.as_deref(),
            Some("kubectl -n shop patch service web -p '{\"spec\":{\"type\":\"ClusterIP\"}}'")
        );
        assert!(findings[1].evidence.iter().any(|e| e.as_str().contains("externalIPs \"203.0.113.10\"")));
        assert_eq!(
            findings[1].remediation.as_deref(),
            Some(
                "kubectl -n shop patch service legacy --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/externalIPs\"}]'"
            )
        );
    }

    #[test]
    fn listed_external_ips_pass_and_unparseable_ones_never_do() {
        let settings = Settings { allowed_external_ips: vec!["203.0.113.10".parse().unwrap()], ..Settings::default() };
        let snapshot = with_services(json!([
            service("shop", "ok", json!({"externalIPs": ["203.0.113.10"]})),
            service("shop", "padded", json!({"externalIPs": ["203.0.113.010"]})),
        ]));
        let findings = run_with(&settings, &snapshot);
        assert_eq!(failing(&findings), [("Service/shop/padded".to_string(), Severity::High)]);
    }

    #[test]
    fn ports_are_judged_only_against_a_given_list() {
        let snapshot =
            with_services(json!([service("shop", "web", json!({"ports": [{"port": 443}, {"port": 8443}]}))]));
        let unjudged = run(&RULE, &snapshot);
        assert_eq!(unjudged.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
        assert!(unjudged[0].message.contains("ports not judged"), "{}", unjudged[0].message);

        let settings = Settings { allowed_service_ports: Some(vec![443, 80]), ..Settings::default() };
        let findings = run_with(&settings, &snapshot);
        assert_eq!(failing(&findings), [("Service/shop/web".to_string(), Severity::Medium)]);
        assert!(
            findings[0].evidence.iter().any(|e| e.as_str() == "port(s) 8443 not in allowed_service_ports (443, 80)")
        );

        let allowed = Settings { allowed_service_ports: Some(vec![443, 8443]), ..Settings::default() };
        let passing = run_with(&allowed, &snapshot);
        assert!(
            passing[0].status == Status::Pass && passing[0].message.contains("every port in allowed_service_ports")
        );
    }

    #[test]
    fn system_namespaces_are_platform_managed_without_a_fix() {
        let findings = run(
            &RULE,
            &with_services(json!([service(
                "kube-system",
                "metrics",
                json!({"type": "NodePort", "ports": [{"port": 443}]})
            )])),
        );
        assert!(findings[0].platform_managed && findings[0].remediation.is_none());
        assert_eq!(findings.last().unwrap().status, Status::Pass, "a platform finding does not hide the pass");
    }

    #[test]
    fn services_not_read_is_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }
}
