//! A local Resource Graph for the fleet benchmark (bench/fleet.sh): serves a generated estate
//! over HTTPS on 127.0.0.1 with the stand-in the tests use, each answer delayed by the given
//! latency, and runs until killed.
//!
//!   cargo run --release --example fake_resource_graph -- DIR [CLUSTERS SUBSCRIPTIONS LATENCY_MS]
//!
//! It writes `ca.pem` and `url` into DIR. The bearer token is `benchmark-token`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;
use support::apiserver::ApiServer;
use support::resource_graph::{Estate, ResourceGraph};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: fake_resource_graph DIR [CLUSTERS SUBSCRIPTIONS LATENCY_MS]");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (clusters, subscriptions, latency) = (number(1, 500), number(2, 50), number(3, 50));
    let mut graph = ResourceGraph::new("benchmark-token", Estate::generate(subscriptions as usize, clusters as usize));
    graph.latency = Duration::from_millis(latency);
    let server = ApiServer::start(move |request| {
        graph.serve(request).unwrap_or_else(|| support::azure::error(404, "NotFound", "no such path"))
    });
    let dir = std::path::Path::new(dir);
    std::fs::write(dir.join("ca.pem"), &server.ca_pem).unwrap();
    std::fs::write(dir.join("url"), &server.url).unwrap();
    println!("serving {clusters} clusters in {subscriptions} subscriptions at {} ({latency} ms a request)", server.url);
    loop {
        std::thread::park();
    }
}
