//! `network-policy-default-deny` indexes policies and pods by namespace so that it stays linear on
//! large clusters. This test checks that the indexed rule gives the same verdict per namespace as
//! a straightforward reference written here, with plain nested loops over every pod and every
//! policy, on namespaces that are heavy with selectors (hundreds of policies, thousands of pods).

use aksguard::finding::{Finding, Severity, Status};
use aksguard::rules::{Context, Settings};
use aksguard::snapshot::kube::{IntOrString, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule, Pod};
use aksguard::snapshot::{Part, Snapshot, arm::ManagedCluster};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const NAMESPACES: usize = 8;
const PODS: usize = 4000;
const POLICIES: usize = 600;

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }
}

const APPS: &[&str] = &["web", "api", "db", "cache", "kube-dns", "worker"];
const TIERS: &[&str] = &["front", "back", "data"];

fn labels(rng: &mut Rng) -> Value {
    let mut labels = json!({"app": rng.pick(APPS)});
    if rng.below(2) == 0 {
        labels["tier"] = json!(rng.pick(TIERS));
    }
    labels
}

fn selector(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 | 1 => json!({}),
        2 => json!({"matchLabels": {"app": rng.pick(APPS)}}),
        3 => {
            json!({"matchExpressions": [{"key": "tier", "operator": rng.pick(&["In", "NotIn"]), "values": [rng.pick(TIERS)]}]})
        }
        4 => json!({"matchExpressions": [{"key": "tier", "operator": rng.pick(&["Exists", "DoesNotExist"])}]}),
        _ => json!({"matchLabels": {"k8s-app": "kube-dns"}}),
    }
}

fn peer(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!({"podSelector": selector(rng)}),
        1 => {
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": rng.pick(&["kube-system", "other"])}}, "podSelector": selector(rng)})
        }
        2 => json!({"namespaceSelector": {}}),
        3 => json!({"ipBlock": {"cidr": rng.pick(&["0.0.0.0/0", "10.0.0.0/8"])}}),
        _ => json!({"namespaceSelector": selector(rng)}),
    }
}

/// Which DNS traffic the rules of a namespace may allow.
#[derive(Clone, Copy, PartialEq)]
enum Dns {
    Any,
    UdpOnly,
    None,
}

fn rule(rng: &mut Rng, direction: &str, dns: Dns) -> Value {
    let choice = match dns {
        Dns::Any => rng.below(5),
        Dns::UdpOnly => [1, 4][rng.below(2)],
        Dns::None => 5,
    };
    let ports = match choice {
        0 => json!([]),
        1 => json!([{"protocol": "UDP", "port": 53}]),
        2 => json!([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]),
        3 => json!([{"port": "dns-tcp"}, {"protocol": "UDP", "port": "dns"}]),
        4 => json!([{"protocol": rng.pick(&["TCP", "UDP"]), "port": 50, "endPort": 60}]),
        _ => json!([{"protocol": "TCP", "port": 8080}]),
    };
    let peers: Vec<Value> = (0..rng.below(3)).map(|_| peer(rng)).collect();
    json!({ (if direction == "Ingress" { "from" } else { "to" }): peers, "ports": ports })
}

/// Namespaces differ so that every verdict occurs: in `ns-0` and `ns-4` no policy selects every
/// pod; in `ns-1` and `ns-5` no rule allows DNS over TCP; in `ns-2` and `ns-6` no rule allows DNS;
/// the others are random.
fn policy(rng: &mut Rng, index: usize) -> Value {
    let n = rng.below(NAMESPACES);
    let namespace = format!("ns-{n}");
    let never_all_pods = n % 4 == 0;
    let dns = [Dns::Any, Dns::UdpOnly, Dns::None, Dns::Any][n % 4];
    let types = match rng.below(5) {
        0 => json!(["Ingress"]),
        1 => json!(["Egress"]),
        2 => json!(["Ingress", "Egress"]),
        _ => Value::Null,
    };
    let mut spec = json!({
        "podSelector": if never_all_pods { json!({"matchLabels": {"app": rng.pick(APPS)}}) }
                       else if rng.below(4) == 0 { json!({}) } else { selector(rng) },
        "ingress": (0..rng.below(3)).map(|_| rule(rng, "Ingress", dns)).collect::<Vec<_>>(),
        "egress": (0..rng.below(3)).map(|_| rule(rng, "Egress", dns)).collect::<Vec<_>>(),
    });
    if !types.is_null() {
        spec["policyTypes"] = types;
    }
    json!({"metadata": {"name": format!("policy-{index}"), "namespace": namespace}, "spec": spec})
}

fn pod(rng: &mut Rng, index: usize) -> Value {
    // Some namespaces get no pods at all; kube-system holds the DNS pods.
    let namespace = match rng.below(NAMESPACES + 1) {
        NAMESPACES => "kube-system".to_string(),
        n => format!("ns-{}", n.min(NAMESPACES - 2)),
    };
    let mut labels = labels(rng);
    if namespace == "kube-system" && rng.below(3) == 0 {
        labels["k8s-app"] = json!("kube-dns");
    }
    let phase = if rng.below(10) == 0 { "Succeeded" } else { "Running" };
    json!({"metadata": {"name": format!("pod-{index}"), "namespace": namespace, "labels": labels},
           "spec": {"containers": [{"name": "c"}]}, "status": {"phase": phase}})
}

fn snapshot(seed: u64) -> Snapshot {
    let mut rng = Rng(seed);
    let mut snapshot = Snapshot::empty("selector-heavy", "not provided");
    let cluster = json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
                         "name": "aks", "properties": {"networkProfile": {"networkPolicy": "azure"}}});
    snapshot.azure.managed_cluster = Part::Collected(ManagedCluster::from_document(&cluster).unwrap());
    let pods: Vec<Pod> = (0..PODS).map(|i| serde_json::from_value(pod(&mut rng, i)).unwrap()).collect();
    let policies: Vec<NetworkPolicy> =
        (0..POLICIES).map(|i| serde_json::from_value(policy(&mut rng, i)).unwrap()).collect();
    let namespaces = vec![
        serde_json::from_value(json!({"metadata": {"name": "kube-system", "labels": {"team": "platform"}}})).unwrap(),
    ];
    snapshot.kubernetes.pods = Part::Collected(pods);
    snapshot.kubernetes.network_policies = Part::Collected(policies);
    snapshot.kubernetes.namespaces = Part::Collected(namespaces);
    snapshot
}

// The reference: the rule's specification (RULES.md) as plain loops, no index.

/// Every namespace outside the system ones with a running pod: one pass over all pods.
fn reference_active_namespaces(pods: &[Pod]) -> BTreeSet<String> {
    let mut active = BTreeSet::new();
    for pod in pods {
        let namespace = pod.metadata.namespace().to_string();
        let running = !matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
        if running && namespace != "kube-system" {
            active.insert(namespace);
        }
    }
    active
}

fn reference_covers(policy: &NetworkPolicy, direction: &str) -> bool {
    match &policy.spec.policy_types {
        Some(types) => types.iter().any(|t| t == direction),
        None => direction == "Ingress" || !policy.spec.egress.is_empty(),
    }
}

fn reference_denies(policy: &NetworkPolicy, direction: &str) -> bool {
    let rules = if direction == "Ingress" { &policy.spec.ingress } else { &policy.spec.egress };
    let allows_all = rules.iter().any(|rule| rule.peers.is_empty() && rule.ports.is_empty());
    policy.spec.pod_selector.is_empty() && reference_covers(policy, direction) && !allows_all
}

/// Does this peer reach a kube-dns pod in kube-system? Scans every pod of the cluster.
fn reference_peer_reaches_dns(peer: &NetworkPolicyPeer, pods: &[Pod]) -> bool {
    if let Some(block) = &peer.ip_block {
        return block.cidr == "0.0.0.0/0" && block.except.is_empty();
    }
    let Some(namespaces) = &peer.namespace_selector else { return false };
    let kube_system: Labels = [
        ("team".to_string(), "platform".to_string()),
        ("kubernetes.io/metadata.name".to_string(), "kube-system".to_string()),
    ]
    .into();
    if !namespaces.matches(&kube_system) {
        return false;
    }
    let dns_pods: Vec<&Pod> = pods
        .iter()
        .filter(|p| {
            p.metadata.namespace() == "kube-system"
                && p.metadata.labels.get("k8s-app").map(String::as_str) == Some("kube-dns")
        })
        .collect();
    match &peer.pod_selector {
        None => true,
        Some(selector) => dns_pods.iter().any(|p| selector.matches(&p.metadata.labels)),
    }
}

fn reference_rule_allows_dns(rule: &NetworkPolicyRule, protocol: &str, pods: &[Pod]) -> bool {
    let port_ok = rule.ports.is_empty()
        || rule.ports.iter().any(|port| {
            port.protocol.as_deref().unwrap_or("TCP") == protocol
                && match &port.port {
                    None => true,
                    Some(IntOrString::Int(n)) => *n == 53 || (*n <= 53 && port.end_port.is_some_and(|end| end >= 53)),
                    Some(IntOrString::String(name)) => name == if protocol == "UDP" { "dns" } else { "dns-tcp" },
                }
        });
    port_ok && (rule.peers.is_empty() || rule.peers.iter().any(|peer| reference_peer_reaches_dns(peer, pods)))
}

/// (status, severity) of one namespace, scanning every policy of the cluster.
fn reference_verdict(namespace: &str, policies: &[NetworkPolicy], pods: &[Pod]) -> (Status, Severity) {
    let own: Vec<&NetworkPolicy> = policies.iter().filter(|p| p.metadata.namespace() == namespace).collect();
    if !own.iter().any(|p| reference_denies(p, "Ingress")) {
        return (Status::Fail, Severity::Medium);
    }
    if !own.iter().any(|p| reference_denies(p, "Egress")) {
        return (Status::Pass, Severity::Medium);
    }
    let allows = |protocol: &str| {
        own.iter().any(|p| {
            p.spec.pod_selector.is_empty()
                && reference_covers(p, "Egress")
                && p.spec.egress.iter().any(|rule| reference_rule_allows_dns(rule, protocol, pods))
        })
    };
    match (allows("UDP"), allows("TCP")) {
        (true, true) => (Status::Pass, Severity::Medium),
        (true, false) => (Status::Fail, Severity::Medium),
        (false, _) => (Status::Fail, Severity::High),
    }
}

fn rule_verdicts(snapshot: &Snapshot) -> Vec<Finding> {
    let rule = aksguard::rules::find("network-policy-default-deny").unwrap();
    let settings = Settings::default();
    rule.evaluate(&Context::new(snapshot, &settings))
}

#[test]
fn selector_heavy_namespaces_get_the_reference_verdicts() {
    let mut statuses = BTreeSet::new();
    for seed in [3, 17, 2024] {
        let snapshot = snapshot(seed);
        let pods = snapshot.kubernetes.pods.collected().unwrap();
        let policies = snapshot.kubernetes.network_policies.collected().unwrap();
        let findings = rule_verdicts(&snapshot);
        assert_eq!(findings[0].status, Status::Pass, "the engine finding comes first");

        let actual: Vec<(String, Status, Severity)> =
            findings[1..].iter().map(|f| (f.resource.to_string(), f.status, f.severity)).collect();
        let expected: Vec<(String, Status, Severity)> = reference_active_namespaces(pods)
            .into_iter()
            .map(|ns| {
                let (status, severity) = reference_verdict(&ns, policies, pods);
                (format!("Namespace/{ns}"), status, severity)
            })
            .collect();
        assert_eq!(actual, expected, "seed {seed}");
        statuses.extend(expected.iter().map(|(_, status, severity)| (*status, *severity)));
    }
    // The generated namespaces exercise every verdict, so the comparison means something.
    for verdict in [(Status::Pass, Severity::Medium), (Status::Fail, Severity::Medium), (Status::Fail, Severity::High)]
    {
        assert!(statuses.contains(&verdict), "no namespace got {verdict:?}: {statuses:?}");
    }
}
