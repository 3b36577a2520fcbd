//! The process-wide TLS crypto provider: aws-lc-rs, for every HTTPS client aksguard builds
//! (kube-rs; reqwest for ARM; azure_identity's for Entra ID). rustls picks a provider by itself
//! only when exactly one is compiled in; a dependency that also enables `ring` would otherwise
//! make the first TLS client panic at run time ("Could not automatically determine the process-level CryptoProvider").

/// Installs aws-lc-rs as the default provider, unless one is installed already.
pub fn use_aws_lc_rs() {
    // The only error is "already installed", by an earlier call: nothing to do then.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
