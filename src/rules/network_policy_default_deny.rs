//! `network-policy-default-deny`: a network policy engine runs, every user namespace denies
//! ingress by default, and default-deny egress still lets pods resolve names.

use super::Area;
use super::inference::{SystemDaemonSet, daemon_set_evidence, system_pods_seen};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{IntOrString, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule};
use crate::snapshot::source;
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: Rule = Rule {
    id: "network-policy-default-deny",
    title: "Network policies are enforced and namespaces deny traffic by default",
    severity: Severity::Medium,
    area: Area::Network,
    help_uri: "https://learn.microsoft.com/azure/aks/use-network-policies",
    reads: &[source::MANAGED_CLUSTER, source::NETWORK_POLICIES, source::PODS, source::NAMESPACES, source::DAEMON_SETS],
    docs: DOCS,
    cis: &["4.4.2", "5.4.4"],
    references: &["Microsoft Learn: Secure traffic between pods using network policies in AKS"],
    check,
};

const DOCS: &str = "\
## What it checks
- The engine: `networkProfile.networkPolicy` must be `azure`, `calico` or `cilium` (ARM). `none`
  or unset fails high: NetworkPolicy objects are accepted by the API but silently ignored. With
  only Kubernetes access the engine is inferred from its pods (azure-npm, calico-node, cilium).
- Every namespace outside the system namespaces that has running pods must have a default-deny
  ingress policy: `podSelector: {}` with `Ingress` among its policy types and no rule that lets
  everything in.
- A default-deny egress policy must still allow DNS: an egress rule for all pods of the
  namespace that allows port 53 over UDP and TCP (or all ports) to kube-dns in kube-system.
  Without it every lookup times out (the Contoso Break & Fix); that fails high.

## Why it matters
Without a default deny, any compromised pod can reach every other pod in the cluster, databases
included. Kubernetes allows all traffic until a policy selects a pod.

## How to fix
Enable an engine on the cluster (`az aks update -g RG -n NAME --network-policy azure`, or
cilium with Azure CNI powered by Cilium), then apply a default deny and a DNS allow policy in
each namespace; the remediation of each finding is a ready-to-apply manifest. Add policies that
allow the traffic each workload needs before you apply it.
";

const ENGINES: &[&str] = &["azure", "calico", "cilium"];
/// Pods whose presence shows an engine runs, by name prefix.
/// Each engine's DaemonSet, where AKS (or the Tigera operator, for calico-system) installs it.
const ENGINE_DAEMON_SETS: &[(SystemDaemonSet, &str)] = &[
    (SystemDaemonSet { name: "azure-npm", namespaces: &["kube-system"], image: "azure-npm" }, "azure"),
    (
        SystemDaemonSet { name: "calico-node", namespaces: &["kube-system", "calico-system"], image: "calico/node" },
        "calico",
    ),
    (SystemDaemonSet { name: "cilium", namespaces: &["kube-system"], image: "cilium/cilium" }, "cilium"),
];
const DNS_PORT: i32 = 53;

#[derive(Debug, PartialEq)]
enum Engine {
    Enforced,
    Absent,
    Unknown,
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let (engine_finding, engine) = engine(ctx)?;
    let mut findings = vec![engine_finding];
    match (ctx.pods(), ctx.network_policies()) {
        (Ok(_), Ok(policies)) => findings.extend(namespaces(ctx, policies, &engine)),
        (Err(missing), _) | (_, Err(missing)) => findings.push(RULE.unknown(
            ctx.cluster_resource(),
            format!(
                "per-namespace default-deny cannot be checked: {} is unavailable ({})",
                missing.source, missing.reason
            ),
        )),
    }
    Ok(findings)
}

fn engine(ctx: &Context) -> Result<(Finding, Engine), Missing> {
    let resource = ctx.cluster_resource();
    let fix = ctx.az_aks_update("--network-policy azure");
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return inferred_engine(ctx, resource, fix, missing),
    };
    let network = cluster.properties.network_profile.clone().unwrap_or_default();
    let dataplane_cilium = network.network_dataplane.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("cilium"));
    let policy = network.network_policy.clone().filter(|p| !p.is_empty());
    let evidence = Evidence::arm(format!(
        "properties.networkProfile.networkPolicy = {}",
        policy.as_deref().map_or("absent".to_string(), |p| format!("\"{p}\""))
    ));
    Ok(match policy.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some(engine) if ENGINES.contains(&engine) => (
            RULE.pass(resource, format!("network policy engine {engine} enforces NetworkPolicies"))
                .with_evidence(evidence),
            Engine::Enforced,
        ),
        None if dataplane_cilium => (
            RULE.pass(resource, "the Cilium dataplane enforces NetworkPolicies")
                .with_evidence(Evidence::arm("properties.networkProfile.networkDataplane = \"cilium\"")),
            Engine::Enforced,
        ),
        None | Some("none") => (
            RULE.fail(resource, "no network policy engine: NetworkPolicies are accepted but silently ignored")
                .with_severity(Severity::High)
                .with_evidence(evidence)
                .with_remediation(fix),
            Engine::Absent,
        ),
        Some(_) => (
            RULE.unknown(resource, "unrecognised network policy engine: cannot tell whether policies are enforced")
                .with_evidence(evidence),
            Engine::Unknown,
        ),
    })
}

/// Kubernetes-only: an engine is inferred from its DaemonSet (see [`SystemDaemonSet`]).
fn inferred_engine(
    ctx: &Context,
    resource: Resource,
    fix: String,
    arm_missing: Missing,
) -> Result<(Finding, Engine), Missing> {
    let mut found = None;
    for (daemon_set, engine) in ENGINE_DAEMON_SETS {
        if let Some((running, pod)) = daemon_set.running(ctx).map_err(|_| arm_missing.clone())? {
            found = Some((*engine, daemon_set_evidence(running, pod, daemon_set.image)));
            break;
        }
    }
    if found.is_none() {
        system_pods_seen(ctx, &arm_missing)?;
    }
    let note = Evidence::note(format!("the cluster's networkProfile was not checked: {}", arm_missing.what()));
    Ok(match found {
        Some((engine, evidence)) => (
            RULE.pass(resource, format!("network policy engine {engine} runs (inferred from Kubernetes)"))
                .with_evidence(evidence)
                .with_evidence(note),
            Engine::Enforced,
        ),
        None => (
            RULE.fail(
                resource,
                "no network policy engine runs (inferred from Kubernetes): NetworkPolicies are ignored",
            )
            .with_severity(Severity::High)
            .with_evidence(Evidence::inferred(
                "no ready azure-npm, calico-node or cilium DaemonSet in kube-system (calico-system) running its image",
            ))
            .with_evidence(note)
            .with_remediation(fix),
            Engine::Absent,
        ),
    })
}

/// One finding per user namespace with running pods.
fn namespaces(ctx: &Context, policies: &[NetworkPolicy], engine: &Engine) -> Vec<Finding> {
    let active: BTreeSet<&str> = ctx.user_pods().into_iter().flatten().map(|pod| pod.metadata.namespace()).collect();
    let mut by_namespace: BTreeMap<&str, Vec<&NetworkPolicy>> = BTreeMap::new();
    for policy in policies {
        by_namespace.entry(policy.metadata.namespace()).or_default().push(policy);
    }
    let dns = DnsTarget::new(ctx);
    active
        .into_iter()
        .map(|ns| judge_namespace(ns, by_namespace.get(ns).map_or(&[][..], Vec::as_slice), engine, &dns))
        .collect()
}

fn judge_namespace(namespace: &str, policies: &[&NetworkPolicy], engine: &Engine, dns: &DnsTarget) -> Finding {
    let resource = Resource::kube_namespace(namespace);
    let deny_ingress = policies.iter().find(|p| is_default_deny(p, "Ingress"));
    let deny_egress = policies.iter().find(|p| is_default_deny(p, "Egress"));
    let Some(deny_ingress) = deny_ingress else {
        let names: Vec<&str> = policies.iter().map(|p| p.metadata.name.as_str()).collect();
        let evidence = match names.is_empty() {
            true => Evidence::kubernetes("no NetworkPolicy in the namespace"),
            false => {
                Evidence::kubernetes(format!("policies {} select specific pods or allow all ingress", names.join(", ")))
            }
        };
        return RULE
            .fail(resource, "no default-deny ingress policy: every pod accepts traffic from anywhere in the cluster")
            .with_evidence(evidence)
            .with_remediation(default_deny_manifest(namespace));
    };
    let ingress_evidence = Evidence::kubernetes(format!(
        "NetworkPolicy {namespace}/{} denies ingress by default",
        deny_ingress.metadata.name
    ));
    if *engine == Engine::Absent {
        return RULE
            .fail(resource, "a default-deny policy exists but no engine enforces it")
            .with_evidence(ingress_evidence);
    }
    if let Some(deny_egress) = deny_egress {
        let egress_evidence = Evidence::kubernetes(format!(
            "NetworkPolicy {namespace}/{} denies egress by default",
            deny_egress.metadata.name
        ));
        let udp = dns_allowed(policies, "UDP", dns);
        let tcp = dns_allowed(policies, "TCP", dns);
        if !udp || !tcp {
            let (severity, message) = if udp {
                (Severity::Medium, "default-deny egress allows DNS over UDP but not TCP: large DNS answers fail")
            } else {
                (Severity::High, "default-deny egress blocks DNS to kube-dns: every name lookup in the namespace fails")
            };
            return RULE
                .fail(resource, message)
                .with_severity(severity)
                .with_evidence(ingress_evidence)
                .with_evidence(egress_evidence)
                .with_evidence(Evidence::detail(
                    Source::Kubernetes,
                    format!(
                        "no egress rule for all pods allows port 53 {} to kube-dns in kube-system",
                        if udp { "TCP" } else { "UDP" }
                    ),
                ))
                .with_remediation(dns_allow_manifest(namespace));
        }
        return RULE
            .pass(resource, "default-deny ingress and egress, with DNS to kube-dns allowed")
            .with_evidence(ingress_evidence)
            .with_evidence(egress_evidence);
    }
    RULE.pass(resource, "default-deny ingress policy in place").with_evidence(ingress_evidence)
}

/// Selects every pod, covers the direction, and has no rule that allows everything.
fn is_default_deny(policy: &NetworkPolicy, direction: &str) -> bool {
    let spec = &policy.spec;
    let rules = if direction == "Ingress" { &spec.ingress } else { &spec.egress };
    spec.pod_selector.is_empty()
        && spec.affects(direction)
        && !rules.iter().any(|r| r.peers.is_empty() && r.ports.is_empty())
}

/// What kube-dns looks like to a policy: the kube-system namespace's labels and the DNS pods' labels.
struct DnsTarget {
    namespace_labels: Labels,
    pod_labels: Vec<Labels>,
}

impl DnsTarget {
    fn new(ctx: &Context) -> Self {
        let kube_system = ctx
            .namespaces()
            .ok()
            .and_then(|namespaces| namespaces.iter().find(|ns| ns.metadata.name == "kube-system"))
            .map(|ns| ns.metadata.labels.clone());
        let mut namespace_labels = kube_system.unwrap_or_default();
        // Set by the API server on every namespace since Kubernetes 1.22.
        namespace_labels.insert("kubernetes.io/metadata.name".into(), "kube-system".into());
        let mut pod_labels: Vec<Labels> = ctx
            .pods()
            .into_iter()
            .flatten()
            .filter(|pod| {
                pod.metadata.namespace() == "kube-system"
                    && pod.metadata.labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
            })
            .map(|pod| pod.metadata.labels.clone())
            .collect();
        if pod_labels.is_empty() {
            pod_labels.push([("k8s-app".to_string(), "kube-dns".to_string())].into());
        }
        DnsTarget { namespace_labels, pod_labels }
    }

    fn selected_by(&self, peer: &NetworkPolicyPeer) -> bool {
        if let Some(block) = &peer.ip_block {
            // Only an unrestricted block certainly covers kube-dns's pod addresses.
            return (block.cidr == "0.0.0.0/0" || block.cidr == "::/0") && block.except.is_empty();
        }
        let Some(namespace_selector) = &peer.namespace_selector else {
            return false; // a bare podSelector means the policy's own namespace, never kube-system here
        };
        namespace_selector.matches(&self.namespace_labels)
            && peer
                .pod_selector
                .as_ref()
                .is_none_or(|selector| self.pod_labels.iter().any(|labels| selector.matches(labels)))
    }
}

/// Some policy that applies to every pod of the namespace allows DNS over `protocol`.
fn dns_allowed(policies: &[&NetworkPolicy], protocol: &str, dns: &DnsTarget) -> bool {
    policies
        .iter()
        .filter(|p| p.spec.pod_selector.is_empty() && p.spec.affects("Egress"))
        .flat_map(|p| &p.spec.egress)
        .any(|rule| rule_allows_dns(rule, protocol, dns))
}

fn rule_allows_dns(rule: &NetworkPolicyRule, protocol: &str, dns: &DnsTarget) -> bool {
    let port_ok = rule.ports.is_empty()
        || rule.ports.iter().any(|port| {
            let port_protocol = port.protocol.as_deref().unwrap_or("TCP");
            port_protocol.eq_ignore_ascii_case(protocol)
                && match &port.port {
                    None => true,
                    Some(IntOrString::Int(number)) => {
                        *number == DNS_PORT || (*number <= DNS_PORT && port.end_port.is_some_and(|end| end >= DNS_PORT))
                    }
                    // kube-dns names its ports `dns` (UDP) and `dns-tcp` (TCP).
                    Some(IntOrString::String(name)) => name == if protocol == "UDP" { "dns" } else { "dns-tcp" },
                }
        });
    port_ok && (rule.peers.is_empty() || rule.peers.iter().any(|peer| dns.selected_by(peer)))
}

const DNS_ALLOW_POLICY: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: NAMESPACE
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}";

fn dns_allow_manifest(namespace: &str) -> String {
    format!("kubectl apply -f - <<'EOF'\n{}\nEOF", DNS_ALLOW_POLICY.replace("NAMESPACE", namespace))
}

/// Two commands, the DNS allow first: applied the other way round, every lookup in the namespace
/// fails between the two (the Contoso Break & Fix), and `aksguard plan` keeps this order.
fn default_deny_manifest(namespace: &str) -> String {
    format!(
        "# first allow DNS, so that pods keep resolving names once egress is denied\n\
         {}\n\
         # then deny all other ingress and egress: add policies for the traffic your workloads need first\n\
         kubectl apply -f - <<'EOF'\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n  name: default-deny-all\n  namespace: {namespace}\n\
         spec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n\
         EOF",
        dns_allow_manifest(namespace)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::finding::Status;
    use crate::rules::helpers::testing::{daemon_pod, daemon_set_in};
    use crate::rules::testing::{k8s, pod_in, run, with_cluster};
    use crate::snapshot::kube::{DaemonSet, Pod};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn snapshot(engine: Option<&str>, policies: Value) -> Snapshot {
        let mut snapshot = with_cluster(
            json!({"properties": {"networkProfile": {"networkPlugin": "azure", "networkPolicy": engine}}}),
        );
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("shop", "web"), pod_in("kube-system", "coredns")]);
        snapshot.kubernetes.network_policies = Part::Collected(k8s(policies));
        snapshot
    }

    fn policy(spec: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": spec})
    }

    fn deny_all() -> Value {
        json!({"metadata": {"name": "default-deny-all", "namespace": "shop"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
    }

    fn dns_rule(to: Value, ports: Value) -> Value {
        json!({"metadata": {"name": "allow-dns", "namespace": "shop"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": to, "ports": ports}]}})
    }

    fn shop(findings: &[Finding]) -> &Finding {
        findings.iter().find(|f| f.resource == "Namespace/shop").expect("a finding for namespace shop")
    }

    #[test]
    fn engines_azure_calico_cilium_pass_and_none_fails_high() {
        for engine in ["azure", "calico", "cilium"] {
            assert_eq!(run(&RULE, &snapshot(Some(engine), json!([])))[0].status, Status::Pass, "{engine}");
        }
        for engine in [Some("none"), None] {
            let finding = &run(&RULE, &snapshot(engine, json!([])))[0];
            assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::High), "{engine:?}");
            assert_eq!(finding.remediation.as_deref(), Some("az aks update -g rg1 -n aks1 --network-policy azure"));
        }
    }

    #[test]
    fn namespace_without_default_deny_fails_and_system_namespaces_are_skipped() {
        let findings = run(
            &RULE,
            &snapshot(Some("azure"), json!([policy(json!({"podSelector": {"matchLabels": {"app": "db"}}}))])),
        );
        assert_eq!(findings.len(), 2, "engine + shop, no kube-system: {findings:#?}");
        assert_eq!(shop(&findings).status, Status::Fail);
        assert!(shop(&findings).remediation.as_deref().unwrap().contains("namespace: shop"));
    }

    #[test]
    fn allow_all_ingress_is_not_a_default_deny() {
        let findings =
            run(&RULE, &snapshot(Some("azure"), json!([policy(json!({"podSelector": {}, "ingress": [{}]}))])));
        assert_eq!(shop(&findings).status, Status::Fail);
    }

    #[test]
    fn default_deny_ingress_passes_and_policy_types_default_to_ingress() {
        let findings = run(&RULE, &snapshot(Some("azure"), json!([policy(json!({"podSelector": {}}))])));
        assert_eq!(shop(&findings).status, Status::Pass);
    }

    #[test]
    fn default_deny_egress_without_dns_fails_high() {
        let findings = run(&RULE, &snapshot(Some("azure"), json!([deny_all()])));
        let finding = shop(&findings);
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::High));
        assert!(finding.remediation.as_deref().unwrap().contains("k8s-app: kube-dns"));
    }

    #[test]
    fn dns_allowed_to_kube_dns_passes() {
        let to = json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]);
        let ports = json!([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]);
        let findings = run(&RULE, &snapshot(Some("azure"), json!([deny_all(), dns_rule(to, ports)])));
        assert_eq!(shop(&findings).status, Status::Pass, "{:#?}", shop(&findings));
    }

    #[test]
    fn dns_variants() {
        let kube_dns = json!([{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]);
        let cases = [
            (json!([]), json!([]), Status::Pass, "to anywhere on any port"),
            (
                kube_dns.clone(),
                json!([{"protocol": "UDP", "port": "dns"}, {"protocol": "TCP", "port": "dns-tcp"}]),
                Status::Pass,
                "named ports",
            ),
            (
                kube_dns.clone(),
                json!([{"protocol": "UDP", "port": 50, "endPort": 60}, {"port": 53}]),
                Status::Pass,
                "port range, TCP by default",
            ),
            (kube_dns.clone(), json!([{"protocol": "UDP", "port": 53}]), Status::Fail, "UDP only"),
            (
                json!([{"podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]),
                json!([]),
                Status::Fail,
                "own namespace only",
            ),
            (
                json!([{"namespaceSelector": {"matchLabels": {"team": "x"}}}]),
                json!([]),
                Status::Fail,
                "wrong namespace",
            ),
            (json!([{"ipBlock": {"cidr": "10.0.0.0/8"}}]), json!([]), Status::Fail, "narrow ipBlock is not proof"),
            (json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}]), json!([]), Status::Pass, "ipBlock to anywhere"),
        ];
        for (to, ports, expected, case) in cases {
            let findings = run(&RULE, &snapshot(Some("azure"), json!([deny_all(), dns_rule(to, ports)])));
            assert_eq!(shop(&findings).status, expected, "{case}");
        }
        let findings = run(
            &RULE,
            &snapshot(Some("azure"), json!([deny_all(), dns_rule(kube_dns, json!([{"protocol": "UDP", "port": 53}]))])),
        );
        assert_eq!(shop(&findings).severity, Severity::Medium, "UDP without TCP is less severe");
    }

    #[test]
    fn a_policy_without_an_engine_does_not_count() {
        let findings = run(&RULE, &snapshot(None, json!([policy(json!({"podSelector": {}}))])));
        assert_eq!(shop(&findings).status, Status::Fail);
        assert!(shop(&findings).message.contains("no engine"));
    }

    #[test]
    fn missing_network_policies_are_unknown_never_pass() {
        let mut snapshot = snapshot(Some("azure"), json!([]));
        snapshot.kubernetes.network_policies = Part::unavailable("not provided");
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].status, Status::Unknown);
        assert!(findings[1].message.contains("networkpolicies"));
    }

    /// Kubernetes only: `daemon_sets` and `pods` (coredns in kube-system added).
    fn engine_status(daemon_sets: Vec<DaemonSet>, pods: Vec<Pod>) -> Finding {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.pods = Part::Collected([vec![pod_in("kube-system", "coredns-1")], pods].concat());
        snapshot.kubernetes.daemon_sets = Part::Collected(daemon_sets);
        snapshot.kubernetes.network_policies = Part::Collected(vec![]);
        run(&RULE, &snapshot).remove(0)
    }

    #[test]
    fn kubernetes_only_infers_the_engine_from_its_ready_daemon_set() {
        let npm = "mcr.microsoft.com/containernetworking/azure-npm:v1.5.45";
        let found = engine_status(
            vec![daemon_set_in("kube-system", "azure-npm", 3, 3)],
            vec![daemon_pod("kube-system", "azure-npm", npm)],
        );
        assert_eq!(found.status, Status::Pass);
        assert!(found.message.contains("inferred"));
        assert_eq!(found.confidence, crate::finding::Confidence::Medium);
        let calico = engine_status(
            vec![daemon_set_in("calico-system", "calico-node", 2, 1)],
            vec![daemon_pod("calico-system", "calico-node", "mcr.microsoft.com/oss/calico/node:v3.28.2")],
        );
        assert_eq!(calico.status, Status::Pass);

        let fails = [
            // A user's test Job named like the engine, in default.
            engine_status(vec![], vec![pod_in("default", "cilium-connectivity-test-abc")]),
            // The right DaemonSet with nothing scheduled, or not ready.
            engine_status(vec![daemon_set_in("kube-system", "cilium", 0, 0)], vec![]),
            engine_status(
                vec![daemon_set_in("kube-system", "cilium", 3, 0)],
                vec![daemon_pod("kube-system", "cilium", "quay.io/cilium/cilium:v1.16")],
            ),
            // The right name in a user's namespace.
            engine_status(
                vec![daemon_set_in("default", "cilium", 1, 1)],
                vec![daemon_pod("default", "cilium", "quay.io/cilium/cilium:v1.16")],
            ),
            // Ready, but its pods run another image.
            engine_status(
                vec![daemon_set_in("kube-system", "cilium", 1, 1)],
                vec![daemon_pod("kube-system", "cilium", "busybox:1.36")],
            ),
        ];
        for finding in fails {
            assert_eq!(finding.status, Status::Fail, "{finding:?}");
        }
    }

    #[test]
    fn without_kube_system_pods_the_engine_is_unknown_never_absent() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("shop", "web")]);
        snapshot.kubernetes.daemon_sets = Part::Collected(vec![]);
        snapshot.kubernetes.network_policies = Part::Collected(vec![]);
        let found = run(&RULE, &snapshot).remove(0);
        assert_eq!(found.status, Status::Unknown);
        assert!(found.message.contains("holds no kube-system pods"), "{}", found.message);
    }

    #[test]
    fn no_data_is_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Unknown);
    }
}
