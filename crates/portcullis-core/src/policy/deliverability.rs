//! Optional email deliverability check, as email_validator's `check_deliverability` does it:
//! the domain must exist and accept mail — an MX record that is not a null MX (RFC 7505), or,
//! without MX, an address record (RFC 5321 §5.1 implicit MX).
//!
//! Off by default (`SECURITY_EMAIL_VALIDATOR_ARGS = {check_deliverability = true}` turns it on).
//! A resolver that times out or fails answers [`Deliverability::Unknown`], which lets the
//! address through: a DNS outage must not stop registrations.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;

/// What DNS says about a mail domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deliverability {
    /// The domain accepts mail.
    Deliverable,
    /// The domain does not exist or refuses mail; the text says which, for the field error.
    Undeliverable(crate::messages::Message),
    /// DNS could not answer (timeout, server failure): let the address through.
    Unknown(String),
}

/// Resolves mail domains.
pub struct DeliverabilityCheck {
    resolver: TokioResolver,
    timeout: Duration,
}

impl std::fmt::Debug for DeliverabilityCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliverabilityCheck")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn options(timeout: Duration) -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts
}

impl DeliverabilityCheck {
    /// Use the system's resolver configuration (`/etc/resolv.conf`).
    pub fn system(timeout: Duration) -> Result<Self, String> {
        let resolver = TokioResolver::builder_tokio()
            .map_err(|e| format!("cannot read the system resolver configuration: {e}"))?
            .with_options(options(timeout))
            .build()
            .map_err(|e| format!("cannot build the resolver: {e}"))?;
        Ok(Self { resolver, timeout })
    }

    /// Ask these name servers (UDP, then TCP on the same port).
    pub fn with_nameservers(servers: &[SocketAddr], timeout: Duration) -> Result<Self, String> {
        let servers = servers
            .iter()
            .map(|addr| {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut server.connections {
                    c.port = addr.port();
                }
                server
            })
            .collect();
        let resolver = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(options(timeout))
        .build()
        .map_err(|e| format!("cannot build the resolver: {e}"))?;
        Ok(Self { resolver, timeout })
    }

    /// Check an ASCII (IDNA-encoded) domain, within the configured timeout.
    pub async fn check(&self, domain: &str) -> Deliverability {
        // Fully qualified, so resolv.conf search domains never get appended.
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        // Two lookups at most (MX, then A/AAAA), each bounded by the resolver's timeout.
        match tokio::time::timeout(self.timeout * 3, self.lookup(domain, &fqdn)).await {
            Ok(d) => d,
            Err(_) => Deliverability::Unknown("timeout".into()),
        }
    }

    async fn lookup(&self, domain: &str, fqdn: &str) -> Deliverability {
        match self.resolver.mx_lookup(fqdn).await {
            Ok(lookup) => {
                let exchanges = lookup.answers().iter().filter_map(|r| match &r.data {
                    RData::MX(mx) => Some(mx),
                    _ => None,
                });
                let mut any = false;
                for mx in exchanges {
                    any = true;
                    // A null MX ("." at any preference) says the domain takes no mail.
                    if !mx.exchange.is_root() {
                        return Deliverability::Deliverable;
                    }
                }
                if any {
                    return Deliverability::Undeliverable(does_not_accept(domain));
                }
                self.address_fallback(domain, fqdn).await
            }
            Err(e) => match classify(&e) {
                Failure::NoSuchDomain => Deliverability::Undeliverable(does_not_exist(domain)),
                Failure::NoRecords => self.address_fallback(domain, fqdn).await,
                Failure::Other => Deliverability::Unknown(e.to_string()),
            },
        }
    }

    /// No MX: RFC 5321's implicit MX is the domain's own address.
    async fn address_fallback(&self, domain: &str, fqdn: &str) -> Deliverability {
        match self.resolver.lookup_ip(fqdn).await {
            Ok(ips) if ips.iter().any(|ip| !ip.is_unspecified()) => Deliverability::Deliverable,
            Ok(_) => Deliverability::Undeliverable(does_not_accept(domain)),
            Err(e) => match classify(&e) {
                Failure::NoSuchDomain => Deliverability::Undeliverable(does_not_exist(domain)),
                Failure::NoRecords => Deliverability::Undeliverable(does_not_accept(domain)),
                Failure::Other => Deliverability::Unknown(e.to_string()),
            },
        }
    }
}

enum Failure {
    NoSuchDomain,
    NoRecords,
    Other,
}

fn classify(e: &NetError) -> Failure {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr))
            if nr.response_code == ResponseCode::NXDomain =>
        {
            Failure::NoSuchDomain
        }
        NetError::Dns(DnsError::NoRecordsFound(_)) => Failure::NoRecords,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => Failure::NoSuchDomain,
        _ => Failure::Other,
    }
}

/// email_validator's wording.
fn does_not_exist(domain: &str) -> crate::messages::Message {
    crate::messages::Message::new(crate::messages::Msg::EmailDomainNotFound).arg("domain", domain)
}

fn does_not_accept(domain: &str) -> crate::messages::Message {
    crate::messages::Message::new(crate::messages::Msg::EmailDomainNoMail).arg("domain", domain)
}
