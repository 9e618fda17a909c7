//! One TLS crypto provider for every outgoing connection (ring: pure Rust and assembly, no
//! OpenSSL, no cmake).

/// Install ring as the process-wide rustls provider (idempotent).
pub fn install_default_provider() {
    // Fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
