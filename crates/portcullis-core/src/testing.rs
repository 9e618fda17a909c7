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

/// One message an [`SmtpSink`] accepted: the envelope, the raw text as it arrived (after
/// dot-unstuffing), and the parts a test looks at, decoded from quoted-printable or base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Envelope sender (`MAIL FROM`).
    pub from: String,
    /// Envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as received, CRLF line ends.
    pub raw: String,
    /// The `Subject` header, decoded (empty when absent).
    pub subject: String,
    /// The address in the `From` header.
    pub header_from: Option<String>,
    /// The display name in the `From` header.
    pub header_from_name: Option<String>,
    /// The addresses in the `To` header.
    pub header_to: Vec<String>,
    /// The first `text/plain` part, decoded.
    pub text: Option<String>,
    /// The first `text/html` part, decoded.
    pub html: Option<String>,
    /// The `AUTH` identity the client logged in with, if it did.
    pub auth_user: Option<String>,
}

impl ReceivedMail {
    fn parse(from: String, to: Vec<String>, raw: Vec<u8>, auth_user: Option<String>) -> Self {
        let parsed = mail_parser::MessageParser::default().parse(&raw);
        let mut mail = Self {
            from,
            to,
            raw: String::from_utf8_lossy(&raw).into_owned(),
            subject: String::new(),
            header_from: None,
            header_from_name: None,
            header_to: Vec::new(),
            text: None,
            html: None,
            auth_user,
        };
        let Some(message) = parsed else {
            return mail;
        };
        mail.subject = message.subject().unwrap_or_default().to_owned();
        if let Some(first) = message.from().and_then(|a| a.first()) {
            mail.header_from = first.address().map(str::to_owned);
            mail.header_from_name = first.name().map(str::to_owned);
        }
        if let Some(to) = message.to() {
            mail.header_to = to
                .iter()
                .filter_map(|a| a.address().map(str::to_owned))
                .collect();
        }
        for part in &message.parts {
            match &part.body {
                mail_parser::PartType::Text(t) if mail.text.is_none() => {
                    mail.text = Some(t.to_string());
                }
                mail_parser::PartType::Html(h) if mail.html.is_none() => {
                    mail.html = Some(h.to_string());
                }
                _ => {}
            }
        }
        mail
    }
}

/// How an [`SmtpSink`] behaves.
#[derive(Debug, Clone, Default)]
struct SinkOptions {
    /// Accept only these credentials (`535` for others, `530` for mail without AUTH).
    auth: Option<(String, String)>,
    /// Answer `554` to every `DATA`.
    fail_data: bool,
}

#[derive(Debug)]
struct SinkState {
    options: SinkOptions,
    messages: std::sync::Mutex<Vec<ReceivedMail>>,
    count: tokio::sync::watch::Sender<usize>,
}

/// An SMTP server on a loopback port that keeps every message it is given: a real SMTP
/// conversation (greeting, `EHLO`/`HELO` advertising `AUTH PLAIN LOGIN`, `AUTH PLAIN` and
/// `AUTH LOGIN`, `MAIL FROM`, `RCPT TO`, `DATA` with dot-unstuffing, `RSET`, `NOOP`, `QUIT`),
/// with no TLS.
#[derive(Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<SinkState>,
    task: tokio::task::JoinHandle<()>,
}

/// The longest message a sink takes (a test never needs more).
const SINK_MAX_MESSAGE: usize = 10 * 1024 * 1024;

impl SmtpSink {
    /// Accept any message, with or without AUTH (any credentials).
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(SinkOptions::default()).await
    }

    /// Require AUTH with exactly these credentials: others get `535`, and `MAIL` before a
    /// successful AUTH gets `530`.
    pub async fn start_with_auth(user: &str, password: &str) -> std::io::Result<Self> {
        Self::start_with(SinkOptions {
            auth: Some((user.to_owned(), password.to_owned())),
            ..SinkOptions::default()
        })
        .await
    }

    /// A server that refuses every message: `554` to `DATA`.
    pub async fn start_failing() -> std::io::Result<Self> {
        Self::start_with(SinkOptions {
            fail_data: true,
            ..SinkOptions::default()
        })
        .await
    }

    async fn start_with(options: SinkOptions) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (count, _) = tokio::sync::watch::channel(0);
        let state = Arc::new(SinkState {
            options,
            messages: std::sync::Mutex::new(Vec::new()),
            count,
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                sessions.spawn(async move {
                    let _ = smtp_session(stream, &state).await;
                });
                while sessions.try_join_next().is_some() {}
            }
        });
        Ok(Self { addr, state, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`, for a mailer.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state
            .messages
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Wait until at least `n` messages have arrived or `timeout` has passed; returns the
    /// messages there are by then.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> Vec<ReceivedMail> {
        let mut count = self.state.count.subscribe();
        let _ = tokio::time::timeout(timeout, count.wait_for(|c| *c >= n)).await;
        self.messages()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts open sessions.
        self.task.abort();
    }
}

/// One side of an SMTP conversation: line reads (CRLF stripped) and replies.
struct SmtpConn {
    read: tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl SmtpConn {
    /// The next line without its line end; `None` when the client has gone.
    async fn line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt};
        let mut line = Vec::new();
        let n = (&mut self.read)
            .take(SINK_MAX_MESSAGE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        Ok(Some(line))
    }

    /// The next line as text; `None` when the client has gone.
    async fn text(&mut self) -> std::io::Result<Option<String>> {
        Ok(self
            .line()
            .await?
            .map(|l| String::from_utf8_lossy(&l).into_owned()))
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        self.write.write_all(text.as_bytes()).await?;
        self.write.write_all(b"\r\n").await?;
        self.write.flush().await
    }
}

/// Decode a base64 SMTP AUTH line.
fn auth_decode(text: &str) -> Option<String> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `AUTH PLAIN` / `AUTH LOGIN` (with the optional initial response): the credentials the client
/// gave, `Ok(None)` when they were malformed, `Err(())` for another mechanism, an I/O error when
/// the client went away.
async fn auth_exchange(
    conn: &mut SmtpConn,
    mechanism: &str,
    initial: Option<&str>,
) -> std::io::Result<Result<Option<(String, String)>, ()>> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let gone = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    match mechanism {
        "PLAIN" => {
            let response = match initial {
                Some(t) => t.to_owned(),
                None => {
                    conn.reply("334 ").await?;
                    conn.text().await?.ok_or_else(gone)?
                }
            };
            // authzid NUL authcid NUL passwd
            Ok(Ok(auth_decode(&response).and_then(|t| {
                let mut it = t.split('\0');
                let _authzid = it.next()?;
                Some((it.next()?.to_owned(), it.next()?.to_owned()))
            })))
        }
        "LOGIN" => {
            let user = match initial {
                Some(t) => auth_decode(t),
                None => {
                    conn.reply(&format!("334 {}", b64.encode("Username:")))
                        .await?;
                    auth_decode(&conn.text().await?.ok_or_else(gone)?)
                }
            };
            conn.reply(&format!("334 {}", b64.encode("Password:")))
                .await?;
            let password = auth_decode(&conn.text().await?.ok_or_else(gone)?);
            Ok(Ok(user.zip(password)))
        }
        _ => Ok(Err(())),
    }
}

/// One SMTP conversation.
async fn smtp_session(stream: tokio::net::TcpStream, state: &SinkState) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let mut conn = SmtpConn {
        read: tokio::io::BufReader::new(read),
        write,
    };
    let mut authed: Option<String> = None;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();

    conn.reply("220 sink.localhost ESMTP portcullis test sink")
        .await?;
    while let Some(command) = conn.text().await? {
        let upper = command.to_ascii_uppercase();
        let mut words = command.split_whitespace();
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                conn.reply("250-sink.localhost greets you").await?;
                conn.reply("250-AUTH PLAIN LOGIN").await?;
                conn.reply("250-8BITMIME").await?;
                conn.reply("250 SMTPUTF8").await?;
            }
            "HELO" => conn.reply("250 sink.localhost").await?,
            "NOOP" => conn.reply("250 2.0.0 OK").await?,
            "RSET" => {
                from = None;
                rcpts.clear();
                conn.reply("250 2.0.0 OK").await?;
            }
            "QUIT" => {
                conn.reply("221 2.0.0 Bye").await?;
                return Ok(());
            }
            "AUTH" if authed.is_some() => conn.reply("503 5.5.1 Already authenticated").await?,
            "AUTH" => {
                let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
                match auth_exchange(&mut conn, &mechanism, words.next()).await? {
                    Err(()) => {
                        conn.reply("504 5.5.4 Unrecognized authentication type")
                            .await?;
                    }
                    Ok(Some((user, password)))
                        if state
                            .options
                            .auth
                            .as_ref()
                            .is_none_or(|(u, p)| *u == user && *p == password) =>
                    {
                        authed = Some(user);
                        conn.reply("235 2.7.0 Authentication successful").await?;
                    }
                    Ok(_) => {
                        conn.reply("535 5.7.8 Authentication credentials invalid")
                            .await?;
                    }
                }
            }
            "MAIL" if state.options.auth.is_some() && authed.is_none() => {
                conn.reply("530 5.7.0 Authentication required").await?;
            }
            "MAIL" => match upper.find("FROM:") {
                Some(at) => {
                    from = Some(angle_address(&command[at + "FROM:".len()..]));
                    rcpts.clear();
                    conn.reply("250 2.1.0 OK").await?;
                }
                None => conn.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await?,
            },
            "RCPT" if from.is_none() => conn.reply("503 5.5.1 MAIL first").await?,
            "RCPT" => match upper.find("TO:") {
                Some(at) => {
                    rcpts.push(angle_address(&command[at + "TO:".len()..]));
                    conn.reply("250 2.1.5 OK").await?;
                }
                None => conn.reply("501 5.5.4 Syntax: RCPT TO:<address>").await?,
            },
            "DATA" if state.options.fail_data => {
                conn.reply("554 5.3.0 Transaction failed (the sink was told to fail)")
                    .await?;
            }
            "DATA" if from.is_none() => conn.reply("503 5.5.1 MAIL first").await?,
            "DATA" if rcpts.is_empty() => conn.reply("554 5.5.1 No valid recipients").await?,
            "DATA" => {
                conn.reply("354 End data with <CR><LF>.<CR><LF>").await?;
                let mut raw = Vec::new();
                let mut too_big = false;
                loop {
                    let Some(line) = conn.line().await? else {
                        return Ok(());
                    };
                    if line == b"." {
                        break;
                    }
                    // Dot-unstuffing: a leading dot was doubled by the client.
                    let content = line.strip_prefix(b".").unwrap_or(&line);
                    if raw.len() + content.len() + 2 > SINK_MAX_MESSAGE {
                        too_big = true;
                        continue;
                    }
                    raw.extend_from_slice(content);
                    raw.extend_from_slice(b"\r\n");
                }
                let sender = from.take().unwrap_or_default();
                let recipients = std::mem::take(&mut rcpts);
                if too_big {
                    conn.reply("552 5.3.4 Message too big").await?;
                    continue;
                }
                let mail = ReceivedMail::parse(sender, recipients, raw, authed.clone());
                if let Ok(mut messages) = state.messages.lock() {
                    messages.push(mail);
                    state.count.send_replace(messages.len());
                }
                conn.reply("250 2.0.0 OK queued").await?;
            }
            "" => conn.reply("500 5.5.2 Empty command").await?,
            _ => conn.reply("502 5.5.2 Command not implemented").await?,
        }
    }
    Ok(())
}

/// `<addr> PARAMS` → `addr`.
fn angle_address(text: &str) -> String {
    let t = text.trim();
    match (t.find('<'), t.find('>')) {
        (Some(a), Some(b)) if a < b => t[a + 1..b].to_owned(),
        _ => t.split_whitespace().next().unwrap_or("").to_owned(),
    }
}
