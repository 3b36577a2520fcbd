//! An HTTPS server on 127.0.0.1 whose own certificate is a CA certificate (a self-signed one with
//! `basicConstraints: CA:TRUE`), as a hurried setup sometimes deploys it: a client that trusts
//! that CA must still refuse the server, since a CA certificate cannot identify a server. The
//! handshake is all it serves; a client that got past it would get no answer.

#![allow(dead_code)] // each test binary uses a different part

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::TcpListener;
use std::sync::Arc;

pub struct CaServer {
    pub url: String,
    /// The server's certificate, which is also the CA a client is told to trust.
    pub ca_pem: String,
}

impl CaServer {
    /// Starts on a free port of 127.0.0.1; the server lives until the process ends.
    pub fn start() -> CaServer {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, "aksguard test CA serving itself");
        let cert = params.self_signed(&key).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let config = config.clone();
                std::thread::spawn(move || {
                    let Ok(mut connection) = rustls::ServerConnection::new(config) else { return };
                    // The client aborts the handshake once it has seen the certificate.
                    while connection.is_handshaking() && connection.complete_io(&mut stream).is_ok() {}
                });
            }
        });
        CaServer { url, ca_pem: cert.pem() }
    }
}
