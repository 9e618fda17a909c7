//! Test support shared by the workspace's test suites (feature `testing`): real servers on
//! loopback that stand in for the internet, so no test leaves the machine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, MX};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;

/// A record to serve.
#[derive(Debug, Clone)]
pub enum ZoneRecord {
    /// `MX preference exchange` (`"."` is a null MX).
    Mx(u16, &'static str),
    /// `A address`.
    A([u8; 4]),
}

/// An authoritative DNS server on a loopback UDP port answering from a fixed zone: names in the
/// zone answer their records (an empty answer when none of the asked type), names outside it
/// answer NXDOMAIN, and names listed as silent never answer (a timeout).
#[derive(Debug)]
pub struct ZoneServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl ZoneServer {
    /// Start serving.
    pub async fn start(
        zone: &[(&'static str, Vec<ZoneRecord>)],
        silent: &[&'static str],
    ) -> std::io::Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let addr = socket.local_addr()?;
        let zone: Arc<HashMap<String, Vec<ZoneRecord>>> =
            Arc::new(zone.iter().map(|(n, r)| (fqdn(n), r.clone())).collect());
        let silent: Vec<String> = silent.iter().map(|n| fqdn(n)).collect();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Some(reply) = answer(&zone, &silent, &buf[..len]) else {
                    continue;
                };
                let _ = socket.send_to(&reply, peer).await;
            }
        });
        Ok(Self { addr, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ZoneServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.').to_ascii_lowercase())
}

fn answer(
    zone: &HashMap<String, Vec<ZoneRecord>>,
    silent: &[String],
    request: &[u8],
) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    let query = request.queries.first()?.clone();
    let name = query.name().to_ascii().to_ascii_lowercase();
    if silent.contains(&name) {
        return None;
    }
    let mut reply = Message::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(query.clone());
    match zone.get(&name) {
        None => reply.metadata.response_code = ResponseCode::NXDomain,
        Some(records) => {
            let owner = query.name().clone();
            for r in records {
                let rdata = match (r, query.query_type()) {
                    (ZoneRecord::Mx(pref, exchange), RecordType::MX) => {
                        RData::MX(MX::new(*pref, Name::from_ascii(fqdn(exchange)).ok()?))
                    }
                    (ZoneRecord::A(ip), RecordType::A) => {
                        RData::A(A::from(std::net::Ipv4Addr::from(*ip)))
                    }
                    _ => continue,
                };
                reply.add_answer(Record::from_rdata(owner.clone(), 60, rdata));
            }
        }
    }
    reply.to_vec().ok()
}

/// A TCP proxy on a loopback port in front of a real service (a database, Redis) that a test
/// can cut — every open connection is closed and new ones are closed on arrival — and restore.
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Default)]
struct ProxyState {
    down: std::sync::atomic::AtomicBool,
    connections: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
}

impl TcpProxy {
    /// Listen on a loopback port, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ProxyState::default());
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if shared.down.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                if let Ok(mut open) = shared.connections.lock() {
                    open.retain(|c| !c.is_finished());
                    open.push(conn.abort_handle());
                }
            }
        });
        Ok(Self { addr, state, task })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service "goes away": open connections are closed, new ones closed at once.
    pub fn cut(&self) {
        self.state
            .down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut open) = self.state.connections.lock() {
            for c in open.drain(..) {
                c.abort();
            }
        }
    }

    /// The service is back.
    pub fn restore(&self) {
        self.state
            .down
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

/// A loopback address where nothing listens (connections are refused).
pub fn refusing_addr() -> std::io::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.local_addr()
}
