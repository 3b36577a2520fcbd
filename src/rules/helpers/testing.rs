//! Helpers for rule unit tests: build snapshots from JSON in the API's own shape.

use super::{Context, Rule, Settings};
use crate::finding::{Finding, Status};
use crate::snapshot::{Part, Snapshot, arm::ManagedCluster};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads a Kubernetes object (or list) from API-shaped JSON.
pub fn k8s<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test object must deserialize")
}

pub fn pod_in(namespace: &str, name: &str) -> crate::snapshot::kube::Pod {
    k8s(
        serde_json::json!({"metadata": {"name": name, "namespace": namespace}, "spec": {"containers": [{"name": "app", "image": "x.azurecr.io/app:1"}]}, "status": {"phase": "Running"}}),
    )
}

/// A DaemonSet with `desired` pods scheduled and `ready` ready.
pub fn daemon_set_in(namespace: &str, name: &str, desired: i64, ready: i64) -> crate::snapshot::kube::DaemonSet {
    k8s(serde_json::json!({"metadata": {"name": name, "namespace": namespace},
                           "status": {"desiredNumberScheduled": desired, "numberReady": ready}}))
}

/// A running pod of DaemonSet `owner` with one container of `image`.
pub fn daemon_pod(namespace: &str, owner: &str, image: &str) -> crate::snapshot::kube::Pod {
    k8s(serde_json::json!({
        "metadata": {"name": format!("{owner}-x7k2p"), "namespace": namespace,
                     "ownerReferences": [{"kind": "DaemonSet", "name": owner, "controller": true}]},
        "spec": {"containers": [{"name": "main", "image": image}]}, "status": {"phase": "Running"}}))
}

/// A file of `fixtures/arm/` as it is (the Resource Graph row is not an envelope).
pub fn arm_fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture exists")).expect("the fixture is JSON")
}

/// The ARM body (`responses.200.body`) of an example of the Azure REST API specifications.
pub fn arm_example(name: &str) -> Value {
    arm_fixture(name)["responses"]["200"]["body"].clone()
}

/// A snapshot with nothing collected and the given managed cluster (ARM or az shape).
pub fn with_cluster(cluster: Value) -> Snapshot {
    let mut snapshot = Snapshot::empty("test", "not provided");
    let mut cluster = ManagedCluster::from_document(&cluster).expect("test cluster must deserialize");
    if cluster.id.is_none() {
        cluster.id = Some(
            "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1".into(),
        );
        cluster.name = Some("aks1".into());
    }
    snapshot.azure.managed_cluster = Part::Collected(cluster);
    snapshot
}

pub fn run(rule: &Rule, snapshot: &Snapshot) -> Vec<Finding> {
    let settings = Settings::default();
    rule.evaluate(&Context::new(snapshot, &settings))
}

/// Runs the rule as if it were `now` (an RFC 3339 timestamp), for rules that judge ages.
pub fn run_at(rule: &Rule, snapshot: &Snapshot, now: &str) -> Vec<Finding> {
    let settings = Settings { now: now.parse().expect("test time must parse"), ..Settings::default() };
    rule.evaluate(&Context::new(snapshot, &settings))
}

/// Runs the rule and returns the statuses, for terse assertions.
pub fn statuses(rule: &Rule, snapshot: &Snapshot) -> Vec<Status> {
    run(rule, snapshot).iter().map(|f| f.status).collect()
}

/// Asserts the rule gives exactly one finding and returns it.
pub fn only(rule: &Rule, snapshot: &Snapshot) -> Finding {
    let findings = run(rule, snapshot);
    assert_eq!(findings.len(), 1, "expected one finding, got {findings:#?}");
    findings.into_iter().next().unwrap()
}

/// A snapshot with only these pods (API-shaped JSON) collected.
pub fn with_pods(pods: Value) -> Snapshot {
    let mut snapshot = Snapshot::empty("test", "not provided");
    snapshot.kubernetes.pods = Part::Collected(k8s(pods));
    snapshot
}

/// A snapshot with only these Services (API-shaped JSON) collected.
pub fn with_services(services: Value) -> Snapshot {
    let mut snapshot = Snapshot::empty("test", "not provided");
    snapshot.kubernetes.services = Part::Collected(k8s(services));
    snapshot
}

/// A running pod owned by a ReplicaSet of Deployment `deployment`, with one container.
pub fn deployment_pod(namespace: &str, deployment: &str, container: Value) -> Value {
    serde_json::json!({
        "metadata": {"name": format!("{deployment}-5d8f-x"), "namespace": namespace, "labels": {"pod-template-hash": "5d8f"},
                     "ownerReferences": [{"kind": "ReplicaSet", "name": format!("{deployment}-5d8f"), "controller": true}]},
        "spec": {"containers": [container]},
        "status": {"phase": "Running"}
    })
}
