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

use serde_json::{Value, json};
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
    let cluster = generate(namespaces, pods, nodes);
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

/// A cluster of web workloads: each namespace has a Deployment's ReplicaSet, its pods (with the
/// env, annotations and volumes real pods carry) and a default-deny policy.
fn generate(namespaces: usize, pods: usize, nodes: usize) -> Cluster {
    let mut cluster = Cluster::from_list(&json!({"items": []}), TOKEN);
    for n in 0..namespaces {
        let ns = format!("team-{n:04}");
        cluster.add(json!({"kind": "Namespace", "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}));
        cluster.add(json!({"kind": "ReplicaSet", "metadata": {"name": "web-7d4b9c", "namespace": ns,
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}}));
        cluster.add(json!({"kind": "NetworkPolicy", "metadata": {"name": "default-deny", "namespace": ns},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}));
    }
    for p in 0..pods {
        cluster.add(pod(&format!("team-{:04}", p % namespaces.max(1)), p, nodes));
    }
    for n in 0..nodes {
        cluster.add(json!({"kind": "Node", "metadata": {"name": format!("aks-nodepool1-{n:08}")}}));
    }
    cluster
}

fn pod(namespace: &str, index: usize, nodes: usize) -> Value {
    json!({
        "kind": "Pod",
        "metadata": {
            "name": format!("web-7d4b9c-{index:06}"), "namespace": namespace,
            "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-01T00:00:00Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c", "controller": true,
                                 "uid": "5f0c2d9e-0000-4000-8000-000000000000", "blockOwnerDeletion": true}],
            "uid": format!("00000000-0000-4000-8000-{index:012}"), "resourceVersion": "123456",
            "creationTimestamp": "2026-11-01T00:00:00Z"
        },
        "spec": {
            "nodeName": format!("aks-nodepool1-{:08}", index % nodes.max(1)),
            "serviceAccountName": "default",
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "web", "image": "contoso.azurecr.io/web:1.4.2", "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "ASPNETCORE_URLS", "value": "http://+:8080"}, {"name": "LOG_LEVEL", "value": "info"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                    "capabilities": {"drop": ["ALL"]}},
                "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]
            }],
            "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}]
        },
        "status": {"phase": "Running", "podIP": "10.244.0.10", "hostIP": "10.224.0.4", "qosClass": "Burstable",
                   "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-01T00:00:05Z"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "contoso.azurecr.io/web:1.4.2",
                                          "imageID": "contoso.azurecr.io/web@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                                          "started": true, "state": {"running": {"startedAt": "2026-11-01T00:00:04Z"}}}]}
    })
}
