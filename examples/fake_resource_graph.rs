//! A local Resource Graph for the fleet benchmark (bench/fleet.sh): serves a generated estate
//! over HTTPS on 127.0.0.1 with the stand-in the tests use, each answer delayed by the given
//! latency, and runs until killed.
//!
//!   cargo run --release --example fake_resource_graph -- DIR [CLUSTERS SUBSCRIPTIONS LATENCY_MS PODS]
//!
//! It writes `ca.pem` and `url` into DIR. With PODS, it also serves a generated Kubernetes cluster
//! of that many pods, which every cluster's `listClusterUserCredential` points at (a local
//! account), and writes `DIR/kubeconfig` with one context per cluster of the estate (named as the
//! cluster, all reaching that one API server, for --kubeconfig-contexts). The bearer token is
//! `benchmark-token`. The estate has Defender and Policy data (`Security::generate`: an
//! assessment and a policy state per cluster, an alert on every fourth, assignments per
//! subscription and at a management group), served through Resource Graph with the Defender plans;
//! with `REFUSE_TABLES=1` in the environment, `securityresources` and `policyresources` answer 403,
//! so the same data is read from ARM (per subscription and per cluster), for comparison.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;
use support::apiserver::ApiServer;
use support::resource_graph::{Estate, ResourceGraph, Security};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: fake_resource_graph DIR [CLUSTERS SUBSCRIPTIONS LATENCY_MS]");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (clusters, subscriptions, latency, pods) = (number(1, 500), number(2, 50), number(3, 50), number(4, 0));
    let mut estate = Estate::generate(subscriptions as usize, clusters as usize);
    estate.security = Security::generate(&estate);
    let dir = std::path::Path::new(dir);
    let names: Vec<String> = estate.rows.iter().map(|row| row["name"].as_str().unwrap().to_string()).collect();
    let kubeconfig = (pods > 0).then(|| kubernetes(dir, &names, pods as usize));
    if kubeconfig.is_some() {
        // listClusterUserCredential's kubeconfig must point at one of the cluster's FQDNs.
        estate.rows.iter_mut().for_each(|row| row["properties"]["fqdn"] = serde_json::json!("127.0.0.1"));
    }
    let mut graph = ResourceGraph::new("benchmark-token", estate);
    graph.latency = Duration::from_millis(latency);
    graph.plans_in_graph = true;
    if std::env::var_os("REFUSE_TABLES").is_some() {
        graph.refused_tables = vec!["securityresources", "policyresources"];
    }
    for name in names.iter().filter(|_| kubeconfig.is_some()) {
        graph.kubeconfigs.insert(name.to_ascii_lowercase(), kubeconfig.clone().unwrap_or_default());
    }
    let server = ApiServer::start(move |request| {
        graph.serve(request).unwrap_or_else(|| support::azure::error(404, "NotFound", "no such path"))
    });
    std::fs::write(dir.join("ca.pem"), &server.ca_pem).unwrap();
    std::fs::write(dir.join("url"), &server.url).unwrap();
    println!("serving {clusters} clusters in {subscriptions} subscriptions at {} ({latency} ms a request)", server.url);
    loop {
        std::thread::park();
    }
}

/// One generated cluster of `pods` pods (10 namespaces, 3 nodes) behind one API server, and a
/// kubeconfig with a context per cluster name (for --kubeconfig-contexts); returns the
/// local-account kubeconfig every cluster's listClusterUserCredential answers.
fn kubernetes(dir: &std::path::Path, names: &[String], pods: usize) -> String {
    let cluster = support::cluster::Cluster::generate(10, pods, 3, "benchmark-token");
    let server = ApiServer::start(move |request| cluster.serve(request));
    let ca = support::apiserver::base64_encode(server.ca_pem.as_bytes());
    let contexts: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"name": name, "context": {"cluster": "bench", "user": "bench"}}))
        .collect();
    let config = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "bench", "cluster": {"server": server.url, "certificate-authority-data": ca}}],
        "users": [{"name": "bench", "user": {"token": "benchmark-token"}}], "contexts": contexts});
    std::fs::write(dir.join("kubeconfig"), config.to_string()).unwrap();
    let own = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "bench", "cluster": {"server": server.url, "certificate-authority-data": ca}}],
        "users": [{"name": "bench", "user": {"token": "benchmark-token"}}],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}]});
    // The server lives as long as the process.
    std::mem::forget(server);
    own.to_string()
}
