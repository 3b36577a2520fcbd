//! Test support shared by the live-collection tests and the benchmark server: a real HTTPS
//! server on 127.0.0.1 (`apiserver`) and Kubernetes-shaped content for it (`cluster`).

pub mod apiserver;
pub mod cluster;
