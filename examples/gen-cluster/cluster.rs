//! A synthetic AKS cluster, planned from a seed and written as the JSON `kubectl get -o json` and
//! `az` print. Shared by the `gen-cluster` example and the tests (`tests/scale.rs`), so the
//! benchmark and the tests read the same shapes.
//!
//! The plan is small (namespaces, workloads, policies); the objects, pods above all, are built
//! one at a time while they are written, so generating 100,000 pods needs little memory.

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::{Value, json};

/// Pods the DaemonSets of kube-system (and the cluster-wide log collector) put on every node.
const SYSTEM_DAEMON_SETS: &[(&str, &str)] = &[
    ("kube-proxy", "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.3"),
    ("azure-npm", "mcr.microsoft.com/containernetworking/azure-npm:v1.6.22"),
    ("csi-azuredisk-node", "mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.31.5"),
    ("cloud-node-manager", "mcr.microsoft.com/oss/kubernetes/azure-cloud-node-manager:v1.33.1"),
    ("microsoft-defender-collector-ds", "mcr.microsoft.com/azuredefender/stable/security-publisher:1.0.104"),
];
/// kube-system Deployments: (name, replicas, image).
const SYSTEM_DEPLOYMENTS: &[(&str, usize, &str)] = &[
    ("coredns", 2, "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-2"),
    ("metrics-server", 2, "mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2"),
    ("konnectivity-agent", 2, "mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3"),
];
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease", "gatekeeper-system"];
/// A user namespace that runs a privileged log collector on every node.
const LOGGING_NAMESPACE: &str = "platform-logging";
const PODS_PER_NODE: usize = 50;
/// Put in env values and annotations: aksguard must never print them.
pub const CANARY: &str = "CANARY-ENV-VALUE-9f3e";
const IMAGES: &[&str] = &[
    "contosoacr.azurecr.io/shop/api:2.14.1",
    "contosoacr.azurecr.io/shop/web:2.14.1",
    "contosoacr.azurecr.io/batch/worker@sha256:4b1c6f0e1a7d9c2b3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5",
    "mcr.microsoft.com/dotnet/aspnet:8.0",
    "docker.io/library/nginx:1.27",
    "nginx:latest",
    "redis",
    "ghcr.io/contoso/tools:v3",
    "quay.io/prometheus/node-exporter:v1.8.2",
];

/// SplitMix64: small, fast and deterministic, so a seed always gives the same cluster.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn hash(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len).map(|_| ALPHABET[self.below(ALPHABET.len())] as char).collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Controller {
    Deployment,
    StatefulSet,
    DaemonSet,
    CronJob,
    /// A pod with no owner.
    Bare,
}

/// How a workload's pods are configured, from the restricted profile's point of view.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Security {
    Restricted,
    Default,
    Privileged,
    HostNetwork,
    HostPath,
}

/// The network policies a namespace has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Policies {
    /// Default deny ingress and egress, with DNS allowed.
    DenyAllWithDns,
    DenyIngressOnly,
    /// Default deny egress with DNS over UDP only.
    DenyAllUdpDnsOnly,
    /// Only per-workload allow policies: no default deny.
    SelectorsOnly,
    None,
}

pub struct Workload {
    pub controller: Controller,
    pub name: String,
    /// The ReplicaSet's pod-template-hash, or the Job's suffix.
    pub hash: String,
    pub replicas: usize,
    pub security: Security,
    pub image: &'static str,
}

pub struct NamespacePlan {
    pub name: String,
    /// `pod-security.kubernetes.io/enforce`, if any.
    pub enforce: Option<&'static str>,
    pub policies: Policies,
    pub workloads: Vec<Workload>,
}

pub struct Plan {
    pub nodes: Vec<String>,
    pub namespaces: Vec<NamespacePlan>,
}

#[derive(Debug)]
pub struct TooSmall(pub String);

impl Plan {
    /// `pods` in all, spread over `namespaces` user namespaces plus the system ones; DaemonSets run
    /// one pod on each node (one node per 50 pods).
    pub fn new(namespaces: usize, pods: usize, seed: u64) -> Result<Plan, TooSmall> {
        let nodes = (pods / PODS_PER_NODE).max(1);
        let system_pods: usize =
            nodes * (SYSTEM_DAEMON_SETS.len() + 1) + SYSTEM_DEPLOYMENTS.iter().map(|(_, n, _)| n).sum::<usize>();
        let user_pods = pods.checked_sub(system_pods).filter(|&left| namespaces >= 1 && left >= namespaces);
        let Some(user_pods) = user_pods else {
            return Err(TooSmall(format!(
                "{pods} pods cannot fill {namespaces} namespaces: {system_pods} pods run in system namespaces and DaemonSets on {nodes} nodes; ask for more pods or fewer namespaces"
            )));
        };
        let mut rng = Rng::new(seed);
        let nodes = (0..nodes).map(|i| format!("aks-userpool1-31415926-vmss{i:06x}")).collect();
        let mut plan = Plan { nodes, namespaces: vec![system_plan(&mut rng)] };
        plan.namespaces.push(logging_plan(&mut rng));
        for index in 0..namespaces {
            let budget = user_pods / namespaces + usize::from(index < user_pods % namespaces);
            plan.namespaces.push(user_namespace(&mut rng, index, budget));
        }
        Ok(plan)
    }

    pub fn pod_count(&self) -> usize {
        self.namespaces.iter().flat_map(|ns| &ns.workloads).map(|w| self.replicas(w)).sum()
    }

    fn replicas(&self, workload: &Workload) -> usize {
        match workload.controller {
            Controller::DaemonSet => self.nodes.len(),
            _ => workload.replicas,
        }
    }
}

fn system_plan(rng: &mut Rng) -> NamespacePlan {
    let mut workloads: Vec<Workload> = SYSTEM_DAEMON_SETS
        .iter()
        .map(|(name, image)| Workload {
            controller: Controller::DaemonSet,
            name: name.to_string(),
            hash: rng.hash(5),
            replicas: 0,
            security: if *name == "kube-proxy" { Security::Privileged } else { Security::HostNetwork },
            image,
        })
        .collect();
    workloads.extend(SYSTEM_DEPLOYMENTS.iter().map(|(name, replicas, image)| Workload {
        controller: Controller::Deployment,
        name: name.to_string(),
        hash: rng.hash(10),
        replicas: *replicas,
        security: Security::Default,
        image,
    }));
    NamespacePlan { name: "kube-system".into(), enforce: None, policies: Policies::None, workloads }
}

fn logging_plan(rng: &mut Rng) -> NamespacePlan {
    let collector = Workload {
        controller: Controller::DaemonSet,
        name: "log-collector".into(),
        hash: rng.hash(5),
        replicas: 0,
        security: Security::HostPath,
        image: "docker.io/fluent/fluent-bit:3.1",
    };
    NamespacePlan {
        name: LOGGING_NAMESPACE.into(),
        enforce: Some("privileged"),
        policies: Policies::DenyIngressOnly,
        workloads: vec![collector],
    }
}

const TEAMS: &[&str] = &["shop", "payments", "search", "identity", "catalog", "data", "ml", "web", "mobile", "ops"];
const APPS: &[&str] = &["api", "web", "worker", "cache", "gateway", "indexer", "scheduler", "db", "queue", "auth"];

fn user_namespace(rng: &mut Rng, index: usize, mut budget: usize) -> NamespacePlan {
    let team = TEAMS[index % TEAMS.len()];
    let enforce = match rng.below(100) {
        0..30 => Some("restricted"),
        30..55 => Some("baseline"),
        55..62 => Some("privileged"),
        _ => None,
    };
    let policies = match rng.below(100) {
        0..35 => Policies::DenyAllWithDns,
        35..50 => Policies::DenyIngressOnly,
        50..58 => Policies::DenyAllUdpDnsOnly,
        58..75 => Policies::SelectorsOnly,
        _ => Policies::None,
    };
    let mut workloads = Vec::new();
    while budget > 0 {
        let controller = match rng.below(100) {
            0..70 => Controller::Deployment,
            70..82 => Controller::StatefulSet,
            82..94 => Controller::CronJob,
            _ => Controller::Bare,
        };
        let most = match controller {
            Controller::Deployment => 8,
            Controller::StatefulSet => 3,
            _ => 1,
        };
        let replicas = (1 + rng.below(most)).min(budget);
        budget -= replicas;
        let security = match (enforce, rng.below(100)) {
            (Some("restricted"), _) | (_, 0..35) => Security::Restricted,
            (Some("baseline"), _) | (_, 35..85) => Security::Default,
            (_, 85..93) => Security::Privileged,
            (_, 93..97) => Security::HostNetwork,
            _ => Security::HostPath,
        };
        let name = format!("{}-{}", APPS[rng.below(APPS.len())], workloads.len());
        let hash = rng.hash(if controller == Controller::CronJob { 8 } else { 10 });
        let image = IMAGES[rng.below(IMAGES.len())];
        workloads.push(Workload { controller, name, hash, replicas, security, image });
    }
    NamespacePlan { name: format!("{team}-{index:05}"), enforce, policies, workloads }
}

/// The `kubectl get namespaces,pods,networkpolicies,daemonsets,replicasets,jobs,services,ingresses,
/// serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,storageclasses,secrets -A -o json`
/// output: kinds in that order, keys sorted as kubectl prints them. Serialise it with
/// `serde_json::to_writer_pretty` (or the 4-space formatter kubectl uses); objects are built one
/// at a time as they are written.
pub struct KubectlList<'a>(pub &'a Plan);

impl Serialize for KubectlList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct List<'a> {
            api_version: &'static str,
            items: Items<'a>,
            kind: &'static str,
            metadata: Value,
        }
        List { api_version: "v1", items: Items(self.0), kind: "List", metadata: json!({"resourceVersion": ""}) }
            .serialize(serializer)
    }
}

struct Items<'a>(&'a Plan);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let plan = self.0;
        let mut seq = serializer.serialize_seq(None)?;
        let mut uid = Uids(0);
        for name in SYSTEM_NAMESPACES.iter().copied().chain(["default"]) {
            seq.serialize_element(&namespace(name, None, &mut uid))?;
        }
        for ns in &plan.namespaces[1..] {
            seq.serialize_element(&namespace(&ns.name, ns.enforce, &mut uid))?;
        }
        let mut rng = Rng::new(plan.nodes.len() as u64);
        for ns in &plan.namespaces {
            for workload in &ns.workloads {
                for replica in 0..plan.replicas(workload) {
                    let node = match workload.controller {
                        Controller::DaemonSet => &plan.nodes[replica],
                        _ => &plan.nodes[rng.below(plan.nodes.len())],
                    };
                    seq.serialize_element(&pod(ns, workload, replica, node, &mut rng, &mut uid))?;
                }
            }
        }
        for ns in &plan.namespaces {
            for policy in network_policies(ns, &mut uid) {
                seq.serialize_element(&policy)?;
            }
        }
        for ns in &plan.namespaces {
            for workload in ns.workloads.iter().filter(|w| w.controller == Controller::DaemonSet) {
                seq.serialize_element(&daemon_set(&ns.name, workload, plan.nodes.len(), &mut uid))?;
            }
        }
        for ns in &plan.namespaces {
            for workload in ns.workloads.iter().filter(|w| w.controller == Controller::Deployment) {
                seq.serialize_element(&owned(&ns.name, "apps/v1", "ReplicaSet", workload, &mut uid))?;
            }
        }
        for ns in &plan.namespaces {
            for workload in ns.workloads.iter().filter(|w| w.controller == Controller::CronJob) {
                seq.serialize_element(&owned(&ns.name, "batch/v1", "Job", workload, &mut uid))?;
            }
        }
        for object in exposure_and_access(plan, &mut uid) {
            seq.serialize_element(&object)?;
        }
        // Kinds aksguard does not read are skipped unread; their values must never be printed.
        for ns in plan.namespaces.iter().step_by(10) {
            seq.serialize_element(&secret(&ns.name, &mut uid))?;
        }
        seq.end()
    }
}

/// Sequential, deterministic object uids.
struct Uids(u64);

impl Uids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("6a1f{:04x}-{:04x}-4000-8000-{:012x}", self.0 >> 32, (self.0 >> 16) & 0xffff, self.0)
    }
}

const CREATED: &str = "2026-10-01T08:00:00Z";

fn namespace(name: &str, enforce: Option<&str>, uid: &mut Uids) -> Value {
    let mut labels = json!({"kubernetes.io/metadata.name": name});
    if let Some(level) = enforce {
        for mode in ["enforce", "warn", "audit"] {
            labels[format!("pod-security.kubernetes.io/{mode}")] = json!(level);
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"creationTimestamp": CREATED, "labels": labels, "name": name, "resourceVersion": "1042", "uid": uid.next()},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}
    })
}

fn pod_name(workload: &Workload, replica: usize, rng: &mut Rng) -> String {
    match workload.controller {
        Controller::Deployment => format!("{}-{}-{}", workload.name, workload.hash, rng.hash(5)),
        Controller::StatefulSet => format!("{}-{replica}", workload.name),
        Controller::DaemonSet => format!("{}-{}", workload.name, rng.hash(5)),
        Controller::CronJob => format!("{}-{}-{}", workload.name, workload.hash, rng.hash(5)),
        Controller::Bare => workload.name.clone(),
    }
}

/// The owner reference of a workload's pods, and the labels their controller puts on them.
fn ownership(workload: &Workload, replica: usize, pod: &str) -> (Value, Value) {
    let app = &workload.name;
    let reference = |kind: &str, name: &str| {
        json!([{"apiVersion": if kind == "Job" { "batch/v1" } else { "apps/v1" }, "blockOwnerDeletion": true,
                 "controller": true, "kind": kind, "name": name, "uid": "6a1f0000-0000-4000-8000-00000000beef"}])
    };
    match workload.controller {
        Controller::Deployment => (
            reference("ReplicaSet", &format!("{app}-{}", workload.hash)),
            json!({"app": app, "k8s-app": if app == "coredns" { "kube-dns" } else { app }, "pod-template-hash": workload.hash}),
        ),
        Controller::StatefulSet => (
            reference("StatefulSet", app),
            json!({"app": app, "apps.kubernetes.io/pod-index": replica.to_string(), "controller-revision-hash": format!("{app}-{}", workload.hash), "statefulset.kubernetes.io/pod-name": pod}),
        ),
        Controller::DaemonSet => (
            reference("DaemonSet", app),
            json!({"app": app, "controller-revision-hash": workload.hash, "pod-template-generation": "1"}),
        ),
        Controller::CronJob => (
            reference("Job", &format!("{app}-{}", workload.hash)),
            json!({"app": app, "batch.kubernetes.io/job-name": format!("{app}-{}", workload.hash), "job-name": format!("{app}-{}", workload.hash)}),
        ),
        Controller::Bare => (json!(null), json!({"run": app})),
    }
}

fn security_context(security: Security) -> (Value, Value) {
    match security {
        Security::Restricted => (
            json!({"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}),
            json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}),
        ),
        Security::Default | Security::HostNetwork | Security::HostPath => (json!({}), json!(null)),
        Security::Privileged => {
            (json!({}), json!({"privileged": true, "capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]}}))
        }
    }
}

/// A pod of `workload`. `token`: the API server mounted its ServiceAccount's token (every
/// namespace but those whose `default` ServiceAccount turns automounting off).
fn pod(ns: &NamespacePlan, workload: &Workload, replica: usize, node: &str, rng: &mut Rng, uid: &mut Uids) -> Value {
    let namespace = ns.name.as_str();
    let name = pod_name(workload, replica, rng);
    let (owners, labels) = ownership(workload, replica, &name);
    let (pod_context, container_context) = security_context(workload.security);
    let token_volume = format!("kube-api-access-{}", rng.hash(5));
    let (mut volumes, mut mounts) = (Vec::new(), Vec::new());
    if !ns.service_account_opts_out() {
        volumes.push(json!({"name": token_volume, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}}));
        mounts.push(
            json!({"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": token_volume, "readOnly": true}),
        );
    }
    if workload.security == Security::HostPath {
        volumes.push(json!({"hostPath": {"path": "/var/log", "type": ""}, "name": "varlog"}));
        mounts.push(json!({"mountPath": "/var/log", "name": "varlog"}));
    }
    let succeeded = workload.controller == Controller::CronJob;
    let ip = format!("10.244.{}.{}", rng.below(250), 2 + rng.below(250));
    let container = json!({
        "env": [{"name": "DB_PASSWORD", "value": CANARY}, {"name": "LOG_LEVEL", "value": "info"},
                {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"key": "key", "name": "api"}}}],
        "image": workload.image,
        "imagePullPolicy": "IfNotPresent",
        "name": workload.name,
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                           "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
        "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": container_context,
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": mounts
    });
    let conditions: Vec<Value> = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
        .iter()
        .map(|kind| json!({"lastProbeTime": null, "lastTransitionTime": CREATED, "status": if succeeded && *kind != "Initialized" && *kind != "PodScheduled" { "False" } else { "True" }, "type": kind}))
        .collect();
    let state = match succeeded {
        true => json!({"terminated": {"containerID": format!("containerd://{}", rng.hash(32)), "exitCode": 0,
                                      "finishedAt": CREATED, "reason": "Completed", "startedAt": CREATED}}),
        false => json!({"running": {"startedAt": CREATED}}),
    };
    let mut metadata = json!({
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": format!("{{\"spec\":{{\"containers\":[{{\"env\":[{{\"name\":\"DB_PASSWORD\",\"value\":\"{CANARY}\"}}]}}]}}}}")},
        "creationTimestamp": CREATED,
        "labels": labels,
        "name": name,
        "namespace": namespace,
        "resourceVersion": (100_000 + uid.0).to_string(),
        "uid": uid.next()
    });
    if !owners.is_null() {
        metadata["ownerReferences"] = owners;
        metadata["generateName"] = json!(name.rsplit_once('-').map_or(name.as_str(), |(prefix, _)| prefix));
    }
    let mut spec = json!({
        "containers": [container],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": true,
        "nodeName": node,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": if succeeded { "OnFailure" } else { "Always" },
        "schedulerName": "default-scheduler",
        "securityContext": pod_context,
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
        "volumes": volumes
    });
    if workload.security == Security::HostNetwork {
        spec["hostNetwork"] = json!(true);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {
            "conditions": conditions,
            "containerStatuses": [{"containerID": format!("containerd://{}", rng.hash(32)), "image": workload.image,
                "imageID": format!("{}@sha256:{}", workload.image.split(['@', ':']).next().unwrap_or_default(), rng.hash(32)),
                "lastState": {}, "name": workload.name, "ready": !succeeded, "restartCount": 0, "started": !succeeded,
                "state": state}],
            "hostIP": "10.224.0.4",
            "hostIPs": [{"ip": "10.224.0.4"}],
            "phase": if succeeded { "Succeeded" } else { "Running" },
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "qosClass": "Burstable",
            "startTime": CREATED
        }
    })
}

fn policy(namespace: &str, name: &str, spec: Value, uid: &mut Uids) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"creationTimestamp": CREATED, "generation": 1, "name": name, "namespace": namespace,
                     "resourceVersion": "5012", "uid": uid.next()},
        "spec": spec
    })
}

/// The namespace's default-deny and DNS policies, per its plan, plus one allow policy per
/// workload that selects its pods by label (what makes a namespace selector-heavy).
fn network_policies(ns: &NamespacePlan, uid: &mut Uids) -> Vec<Value> {
    let name = ns.name.as_str();
    let kube_dns = json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                           "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]);
    let deny_all = || json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]});
    let mut policies = match ns.policies {
        Policies::DenyAllWithDns => vec![
            policy(name, "default-deny-all", deny_all(), uid),
            policy(
                name,
                "allow-dns-egress",
                json!({"egress": [{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}], "to": kube_dns}],
                   "podSelector": {}, "policyTypes": ["Egress"]}),
                uid,
            ),
        ],
        Policies::DenyIngressOnly => {
            vec![policy(name, "default-deny-ingress", json!({"podSelector": {}, "policyTypes": ["Ingress"]}), uid)]
        }
        Policies::DenyAllUdpDnsOnly => vec![
            policy(name, "default-deny-all", deny_all(), uid),
            policy(
                name,
                "allow-dns-udp",
                json!({"egress": [{"ports": [{"port": 53, "protocol": "UDP"}], "to": kube_dns}],
                   "podSelector": {}, "policyTypes": ["Egress"]}),
                uid,
            ),
        ],
        Policies::SelectorsOnly | Policies::None => Vec::new(),
    };
    if ns.policies != Policies::None {
        for workload in &ns.workloads {
            let spec = json!({
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
                                      {"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["gateway-0", "web-1"]}]}}],
                             "ports": [{"port": 8080, "protocol": "TCP"}]}],
                "podSelector": {"matchLabels": {"app": workload.name}},
                "policyTypes": ["Ingress"]
            });
            policies.push(policy(name, &format!("allow-{}", workload.name), spec, uid));
        }
    }
    policies
}

fn daemon_set(namespace: &str, workload: &Workload, nodes: usize, uid: &mut Uids) -> Value {
    let (_, labels) = ownership(workload, 0, "");
    // The Defender sensor is healthy; other DaemonSets too, unless a node is rolling.
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"annotations": {"deprecated.daemonset.template.generation": "1"}, "creationTimestamp": CREATED,
                     "generation": 1, "labels": {"app": workload.name}, "name": workload.name, "namespace": namespace,
                     "resourceVersion": "7001", "uid": uid.next()},
        "spec": {"revisionHistoryLimit": 10, "selector": {"matchLabels": {"app": workload.name}},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"env": [{"name": "TOKEN", "value": CANARY}],
                 "image": workload.image, "name": workload.name}]}},
                 "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"}},
        "status": {"currentNumberScheduled": nodes, "desiredNumberScheduled": nodes, "numberAvailable": nodes,
                   "numberMisscheduled": 0, "numberReady": nodes, "observedGeneration": 1, "updatedNumberScheduled": nodes}
    })
}

/// A Deployment's ReplicaSet or a CronJob's Job: only the owner reference matters to aksguard.
fn owned(namespace: &str, api_version: &str, kind: &str, workload: &Workload, uid: &mut Uids) -> Value {
    let owner_kind = if kind == "Job" { "CronJob" } else { "Deployment" };
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"annotations": {"deployment.kubernetes.io/revision": "3"}, "creationTimestamp": CREATED,
                     "generation": 1, "labels": {"app": workload.name}, "name": format!("{}-{}", workload.name, workload.hash),
                     "namespace": namespace,
                     "ownerReferences": [{"apiVersion": api_version, "blockOwnerDeletion": true, "controller": true,
                                          "kind": owner_kind, "name": workload.name, "uid": uid.next()}],
                     "resourceVersion": "8001", "uid": uid.next()},
        "spec": {"replicas": workload.replicas, "selector": {"matchLabels": {"app": workload.name}}},
        "status": {"replicas": workload.replicas, "readyReplicas": workload.replicas}
    })
}

// ---- Services, Ingresses, ServiceAccounts, RBAC and StorageClasses ----
// Decided from names and positions, never from the seed's random sequence, so adding them left
// the pods of every seed as they were.

/// How a workload's Service exposes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exposure {
    ClusterIp,
    InternalLoadBalancer,
    /// A LoadBalancer without the internal annotation: a public IP.
    PublicLoadBalancer,
    NodePort,
    /// A ClusterIP Service that claims an external IP (CVE-2020-8554).
    ExternalIp,
}

/// The Service of a workload: Deployments and StatefulSets have one (kube-system's are
/// ClusterIP); DaemonSets, CronJobs and bare pods none. Most are ClusterIP.
pub fn exposure(ns: &NamespacePlan, workload: &Workload) -> Option<Exposure> {
    if !matches!(workload.controller, Controller::Deployment | Controller::StatefulSet) {
        return None;
    }
    if ns.name == "kube-system" {
        return Some(Exposure::ClusterIp);
    }
    let roll = workload.hash.bytes().fold(7u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b))) % 100;
    Some(match roll {
        0..80 => Exposure::ClusterIp,
        80..88 => Exposure::InternalLoadBalancer,
        88..93 => Exposure::PublicLoadBalancer,
        93..98 => Exposure::NodePort,
        _ => Exposure::ExternalIp,
    })
}

impl NamespacePlan {
    /// Namespaces that enforce `restricted` turn automounting off on their `default`
    /// ServiceAccount, so their pods carry no token.
    pub fn service_account_opts_out(&self) -> bool {
        self.enforce == Some("restricted")
    }
}

impl Plan {
    /// The user namespaces (not kube-system, not the log collector's), with their index.
    pub fn user_namespaces(&self) -> impl Iterator<Item = (usize, &NamespacePlan)> {
        self.namespaces.iter().skip(2).enumerate()
    }
}

/// Every third user namespace publishes its first Deployment through an Ingress; every ninth
/// of those (index 0, 27, ...) without TLS.
pub fn ingress_tls(index: usize) -> Option<bool> {
    (index % 3 == 0).then_some(index % 27 != 0)
}

/// One user namespace in seven has an `ops-all` Role of wildcards.
pub fn has_wildcard_role(index: usize) -> bool {
    index % 7 == 3
}

/// One user namespace in eleven binds an on-call user to cluster-admin.
pub fn has_cluster_admin_binding(index: usize) -> bool {
    index % 11 == 5
}

fn object(api_version: &str, kind: &str, namespace: Option<&str>, name: &str, uid: &mut Uids) -> Value {
    let mut metadata =
        json!({"creationTimestamp": CREATED, "name": name, "resourceVersion": "6001", "uid": uid.next()});
    if let Some(namespace) = namespace {
        metadata["namespace"] = json!(namespace);
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata})
}

fn service(ns: &NamespacePlan, workload: &Workload, exposure: Exposure, uid: &mut Uids) -> Value {
    let (name, n) = (workload.name.as_str(), uid.0);
    let (service_name, selector) = match name {
        "coredns" => ("kube-dns", json!({"k8s-app": "kube-dns"})),
        _ => (name, json!({"app": name})),
    };
    let mut service = object("v1", "Service", Some(&ns.name), service_name, uid);
    let node_port = 30000 + (n % 2700);
    let mut port = json!({"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080});
    let kind = match exposure {
        Exposure::ClusterIp | Exposure::ExternalIp => "ClusterIP",
        Exposure::InternalLoadBalancer | Exposure::PublicLoadBalancer => "LoadBalancer",
        Exposure::NodePort => "NodePort",
    };
    if kind != "ClusterIP" {
        port["nodePort"] = json!(node_port);
    }
    let cluster_ip = format!("10.0.{}.{}", (n >> 8) % 250, n % 250 + 2);
    service["spec"] = json!({"clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": [port], "selector": selector,
        "sessionAffinity": "None", "type": kind});
    service["status"] = json!({"loadBalancer": {}});
    match exposure {
        Exposure::InternalLoadBalancer => {
            service["metadata"]["annotations"] =
                json!({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"});
            service["status"] =
                json!({"loadBalancer": {"ingress": [{"ip": format!("10.224.1.{}", n % 250 + 2), "ipMode": "VIP"}]}});
        }
        Exposure::PublicLoadBalancer => {
            service["status"] = json!({"loadBalancer": {"ingress": [{"ip": format!("20.61.{}.{}", (n >> 8) % 250, n % 250 + 2), "ipMode": "VIP"}]}});
        }
        Exposure::ExternalIp => service["spec"]["externalIPs"] = json!([format!("10.240.0.{}", n % 250 + 2)]),
        Exposure::ClusterIp | Exposure::NodePort => {}
    }
    service
}

fn ingress(ns: &NamespacePlan, backend: &str, tls: bool, uid: &mut Uids) -> Value {
    let host = format!("{}.contoso.com", ns.name);
    let mut ingress = object("networking.k8s.io/v1", "Ingress", Some(&ns.name), backend, uid);
    ingress["spec"] = json!({"ingressClassName": "webapprouting.kubernetes.azure.com", "rules": [{"host": host, "http": {"paths": [
        {"backend": {"service": {"name": backend, "port": {"number": 80}}}, "path": "/", "pathType": "Prefix"}]}}]});
    if tls {
        ingress["spec"]["tls"] = json!([{"hosts": [host], "secretName": format!("{backend}-tls")}]);
    }
    ingress
}

fn service_account(namespace: &str, name: &str, automount: Option<bool>, uid: &mut Uids) -> Value {
    let mut account = object("v1", "ServiceAccount", Some(namespace), name, uid);
    if let Some(automount) = automount {
        account["automountServiceAccountToken"] = json!(automount);
    }
    account
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn role(kind: &str, namespace: Option<&str>, name: &str, rules: Vec<Value>, uid: &mut Uids) -> Value {
    let mut role = object("rbac.authorization.k8s.io/v1", kind, namespace, name, uid);
    role["rules"] = json!(rules);
    role
}

fn binding(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    role: (&str, &str),
    subject: Value,
    uid: &mut Uids,
) -> Value {
    let mut binding = object("rbac.authorization.k8s.io/v1", kind, namespace, name, uid);
    binding["roleRef"] = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": role.0, "name": role.1});
    binding["subjects"] = json!([subject]);
    binding
}

fn group(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name})
}

/// A namespace's ServiceAccount, two Roles and their RoleBindings, and the occasional wildcard
/// Role or cluster-admin RoleBinding its plan calls for.
fn namespace_access(ns: &NamespacePlan, index: Option<usize>, uid: &mut Uids) -> Vec<Value> {
    let name = Some(ns.name.as_str());
    let team = ns.name.split('-').next().unwrap_or("platform");
    let automount = ns.service_account_opts_out().then_some(false);
    let mut objects = vec![
        service_account(&ns.name, "default", automount, uid),
        role(
            "Role",
            name,
            "deployer",
            vec![rule(&["apps"], &["deployments", "statefulsets"], &["get", "list", "watch", "patch", "update"])],
            uid,
        ),
        role(
            "Role",
            name,
            "config-reader",
            vec![rule(&[""], &["configmaps", "services"], &["get", "list", "watch"])],
            uid,
        ),
        binding("RoleBinding", name, "deployer", ("Role", "deployer"), group(&format!("{team}-developers")), uid),
        binding(
            "RoleBinding",
            name,
            "config-reader",
            ("Role", "config-reader"),
            json!({"kind": "ServiceAccount", "name": "default", "namespace": ns.name}),
            uid,
        ),
    ];
    if index.is_some_and(has_wildcard_role) {
        objects.push(role("Role", name, "ops-all", vec![rule(&["*"], &["*"], &["*"])], uid));
        objects.push(binding("RoleBinding", name, "ops-all", ("Role", "ops-all"), group(&format!("{team}-ops")), uid));
    }
    if index.is_some_and(has_cluster_admin_binding) {
        let user = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "oncall@contoso.com"});
        objects.push(binding("RoleBinding", name, "oncall-admin", ("ClusterRole", "cluster-admin"), user, uid));
    }
    objects
}

/// The cluster-scoped objects: the built-in ClusterRoles and their bindings as AKS ships them,
/// one of Contoso's own, and the AKS StorageClasses (all CSI).
fn cluster_access(uid: &mut Uids) -> Vec<Value> {
    let read = ["get", "list", "watch"];
    let write = ["create", "delete", "get", "list", "patch", "update", "watch"];
    let mut aggregate = role(
        "ClusterRole",
        None,
        "system:aggregate-to-edit",
        vec![
            rule(&[""], &["pods", "services", "configmaps", "persistentvolumeclaims"], &write),
            rule(&[""], &["endpoints"], &read),
        ],
        uid,
    );
    aggregate["metadata"]["labels"] = json!({"rbac.authorization.k8s.io/aggregate-to-edit": "true"});
    let mut objects = vec![
        role("ClusterRole", None, "cluster-admin", vec![rule(&["*"], &["*"], &["*"])], uid),
        role(
            "ClusterRole",
            None,
            "admin",
            vec![rule(&["", "apps", "batch"], &["pods", "services", "deployments", "jobs"], &write)],
            uid,
        ),
        role("ClusterRole", None, "edit", vec![rule(&["", "apps"], &["pods", "services", "deployments"], &write)], uid),
        role("ClusterRole", None, "view", vec![rule(&["", "apps"], &["pods", "services", "deployments"], &read)], uid),
        aggregate,
        role(
            "ClusterRole",
            None,
            "system:coredns",
            vec![rule(&[""], &["endpoints", "services", "pods", "namespaces"], &["list", "watch"])],
            uid,
        ),
        role("ClusterRole", None, "contoso-namespace-reader", vec![rule(&[""], &["namespaces"], &read)], uid),
        binding(
            "ClusterRoleBinding",
            None,
            "cluster-admin",
            ("ClusterRole", "cluster-admin"),
            group("system:masters"),
            uid,
        ),
        binding(
            "ClusterRoleBinding",
            None,
            "system:coredns",
            ("ClusterRole", "system:coredns"),
            json!({"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}),
            uid,
        ),
        binding(
            "ClusterRoleBinding",
            None,
            "contoso-namespace-readers",
            ("ClusterRole", "contoso-namespace-reader"),
            group("2d0c7a4e-8f1b-4c3d-9e6a-5b4f3c2d1e0f"),
            uid,
        ),
    ];
    for (name, provisioner, sku) in [
        ("managed-csi", "disk.csi.azure.com", "StandardSSD_LRS"),
        ("managed-csi-premium", "disk.csi.azure.com", "Premium_LRS"),
        ("azurefile-csi", "file.csi.azure.com", "Standard_LRS"),
        ("azurefile-csi-premium", "file.csi.azure.com", "Premium_LRS"),
    ] {
        let mut class = object("storage.k8s.io/v1", "StorageClass", None, name, uid);
        class["provisioner"] = json!(provisioner);
        class["parameters"] = json!({"skuName": sku});
        class["reclaimPolicy"] = json!("Delete");
        class["volumeBindingMode"] = json!("WaitForFirstConsumer");
        class["allowVolumeExpansion"] = json!(true);
        objects.push(class);
    }
    objects
}

/// Everything of this section, in kind order (as `kubectl get` lists kinds).
fn exposure_and_access(plan: &Plan, uid: &mut Uids) -> Vec<Value> {
    let mut services = Vec::new();
    let mut ingresses = Vec::new();
    for ns in &plan.namespaces {
        for workload in &ns.workloads {
            if let Some(exposure) = exposure(ns, workload) {
                services.push(service(ns, workload, exposure, uid));
            }
        }
    }
    for (index, ns) in plan.user_namespaces() {
        let first = ns.workloads.iter().find(|w| w.controller == Controller::Deployment);
        if let (Some(tls), Some(backend)) = (ingress_tls(index), first) {
            ingresses.push(ingress(ns, &backend.name, tls, uid));
        }
    }
    let mut access = Vec::new();
    for name in SYSTEM_NAMESPACES.iter().copied().chain(["default"]) {
        access.push(service_account(name, "default", None, uid));
    }
    access.push(service_account("kube-system", "coredns", None, uid));
    let user_index: std::collections::HashMap<&str, usize> =
        plan.user_namespaces().map(|(index, ns)| (ns.name.as_str(), index)).collect();
    for ns in plan.namespaces.iter().skip(1) {
        access.extend(namespace_access(ns, user_index.get(ns.name.as_str()).copied(), uid));
    }
    let mut objects = services;
    objects.extend(ingresses);
    // ServiceAccounts, then Roles, then RoleBindings: sorted by kind, stable within each.
    let rank = |o: &Value| match o["kind"].as_str() {
        Some("ServiceAccount") => 0,
        Some("Role") => 1,
        _ => 2,
    };
    access.sort_by_key(rank);
    objects.extend(access);
    objects.extend(cluster_access(uid));
    objects
}

fn secret(namespace: &str, uid: &mut Uids) -> Value {
    json!({
        "apiVersion": "v1",
        "data": {"password": "Q0FOQVJZLVNFQ1JFVC05ZjNl"},
        "kind": "Secret",
        "metadata": {"creationTimestamp": CREATED, "name": "db", "namespace": namespace, "resourceVersion": "9001", "uid": uid.next()},
        "type": "Opaque"
    })
}

/// The `--from-az` documents for a cluster with `nodes` nodes: `az aks show` (the hardened
/// Contoso cluster, resized), its maintenance configurations, upgrades and Defender plan.
pub fn az_documents(nodes: usize) -> Vec<(&'static str, Value)> {
    let parse = |text: &str| serde_json::from_str::<Value>(text).expect("the embedded fixtures are JSON");
    let mut show = parse(include_str!("../../fixtures/inputs/contoso-hardened/aks-show.json"));
    if let Some(pools) = show["agentPoolProfiles"].as_array_mut() {
        let per_pool = nodes.div_ceil(pools.len().max(1));
        for pool in pools {
            pool["count"] = json!(per_pool);
        }
    }
    vec![
        ("aks-show.json", show),
        (
            "maintenanceconfiguration-list.json",
            parse(include_str!("../../fixtures/inputs/contoso-hardened/maintenanceconfiguration-list.json")),
        ),
        ("get-upgrades.json", parse(include_str!("../../fixtures/inputs/contoso-hardened/get-upgrades.json"))),
        (
            "security-pricing-containers.json",
            parse(include_str!("../../fixtures/inputs/contoso-hardened/security-pricing-containers.json")),
        ),
    ]
}
