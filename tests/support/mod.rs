//! Test support shared by the live-collection tests and the benchmark server: a real HTTPS
//! server on 127.0.0.1 (`apiserver`), Kubernetes-shaped content for it (`cluster`) and ARM-shaped
//! content (`azure`).

pub mod apiserver;
pub mod azure;
pub mod ca_server;
pub mod cluster;
pub mod resource_graph;
pub mod sarif_schema;
