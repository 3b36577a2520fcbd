//! A local Kubernetes API server for the benchmark (bench/live.sh): serves a generated large
//! cluster over HTTPS on 127.0.0.1 with the same code the tests use, writes a kubeconfig for
//! it, and runs until killed.
//!
//!   cargo run --release --example fake_apiserver -- KUBECONFIG_PATH [NAMESPACES PODS NODES]
//!
//! It also writes `ca.pem` and `url` beside the kubeconfig, for curl. The bearer token is
//! `benchmark-token`.

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::json;
use support::apiserver::ApiServer;
use support::cluster::Cluster;

const TOKEN: &str = "benchmark-token";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(kubeconfig) = args.first() else {
        eprintln!("usage: fake_apiserver KUBECONFIG_PATH [NAMESPACES PODS NODES]");
        std::process::exit(2);
    };
    let number = |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (namespaces, pods, nodes) = (number(1, 1_000), number(2, 20_000), number(3, 50));
    let cluster = Cluster::generate(namespaces, pods, nodes, TOKEN);
    let server = ApiServer::start(move |request| cluster.serve(request));
    let path = std::path::Path::new(kubeconfig);
    let written = server.kubeconfig(path.parent().unwrap(), "benchmark", json!({"token": TOKEN}));
    std::fs::rename(written, path).unwrap();
    // For curl: the CA and the URL next to the kubeconfig.
    std::fs::write(path.with_file_name("ca.pem"), &server.ca_pem).unwrap();
    std::fs::write(path.with_file_name("url"), &server.url).unwrap();
    println!("serving {namespaces} namespaces, {pods} pods, {nodes} nodes at {}", server.url);
    loop {
        std::thread::park();
    }
}
