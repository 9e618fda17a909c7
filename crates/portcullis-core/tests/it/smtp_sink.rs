//! The test SMTP sink, spoken to by hand: the parts of the protocol lettre does not use in the
//! mail tests (AUTH LOGIN, HELO, RSET, NOOP, base64 bodies, bad sequences).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine as _;
use portcullis_core::testing::SmtpSink;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Client {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> Self {
        let (read, write) = TcpStream::connect(sink.addr()).await.unwrap().into_split();
        let mut c = Self {
            read: BufReader::new(read),
            write,
        };
        assert!(c.reply().await.starts_with("220 "));
        c
    }

    /// One whole reply (all `NNN-` lines and the final `NNN `), joined by newlines.
    async fn reply(&mut self) -> String {
        let mut all = Vec::new();
        loop {
            let mut line = String::new();
            assert!(self.read.read_line(&mut line).await.unwrap() > 0, "closed");
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            all.push(line);
            if last {
                return all.join("\n");
            }
        }
    }

    async fn send(&mut self, line: &str) -> String {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

const MESSAGE: &str = "From: Sender <s@example.com>\r\n\
To: r@example.com\r\n\
Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
R3LDvMOfZSEKLmRvdAo=\r\n";

#[tokio::test]
async fn auth_login_rset_noop_and_base64() {
    let sink = SmtpSink::start_with_auth("user", "secret").await.unwrap();
    let mut c = Client::connect(&sink).await;
    let ehlo = c.send("EHLO client.example").await;
    assert!(ehlo.contains("250-AUTH PLAIN LOGIN"), "{ehlo}");
    assert!(c.send("MAIL FROM:<s@example.com>").await.starts_with("530"));

    // AUTH LOGIN, wrong password, then right.
    assert_eq!(
        c.send("AUTH LOGIN").await,
        format!("334 {}", b64("Username:"))
    );
    assert_eq!(
        c.send(&b64("user")).await,
        format!("334 {}", b64("Password:"))
    );
    assert!(c.send(&b64("wrong")).await.starts_with("535"));
    assert!(c.send("AUTH LOGIN").await.starts_with("334"));
    assert!(c.send(&b64("user")).await.starts_with("334"));
    assert!(c.send(&b64("secret")).await.starts_with("235"));

    assert!(c.send("NOOP").await.starts_with("250"));
    assert!(c.send("DATA").await.starts_with("503"));
    assert!(c.send("RCPT TO:<r@example.com>").await.starts_with("503"));
    assert!(
        c.send("MAIL FROM:<first@example.com>")
            .await
            .starts_with("250")
    );
    assert!(c.send("RSET").await.starts_with("250"));
    assert!(c.send("RCPT TO:<r@example.com>").await.starts_with("503"));
    assert!(
        c.send("MAIL FROM:<s@example.com> BODY=8BITMIME")
            .await
            .starts_with("250")
    );
    assert!(c.send("RCPT TO:<r@example.com>").await.starts_with("250"));
    assert!(c.send("RCPT TO:<r2@example.com>").await.starts_with("250"));
    assert!(c.send("DATA").await.starts_with("354"));
    c.write.write_all(MESSAGE.as_bytes()).await.unwrap();
    assert!(c.send(".").await.starts_with("250"));
    assert!(c.send("QUIT").await.starts_with("221"));

    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.from, "s@example.com");
    assert_eq!(m.to, ["r@example.com", "r2@example.com"]);
    assert_eq!(m.auth_user.as_deref(), Some("user"));
    assert_eq!(m.subject, "Grüße");
    assert_eq!(m.header_from.as_deref(), Some("s@example.com"));
    assert_eq!(m.header_from_name.as_deref(), Some("Sender"));
    assert_eq!(m.header_to, ["r@example.com"]);
    assert_eq!(m.text.as_deref(), Some("Grüße!\n.dot\n"));
    assert_eq!(m.html, None);
    assert_eq!(m.raw, MESSAGE);
}

#[tokio::test]
async fn auth_plain_dot_unstuffing_and_failure_mode() {
    let sink = SmtpSink::start_with_auth("user", "secret").await.unwrap();
    let mut c = Client::connect(&sink).await;
    assert!(c.send("HELO client.example").await.starts_with("250 "));
    assert!(
        c.send(&format!("AUTH PLAIN {}", b64("\0user\0nope")))
            .await
            .starts_with("535")
    );
    // PLAIN without an initial response: the credentials follow a 334.
    assert_eq!(c.send("AUTH PLAIN").await, "334");
    assert!(c.send(&b64("\0user\0secret")).await.starts_with("235"));
    assert!(c.send("AUTH PLAIN x").await.starts_with("503"));
    assert!(c.send("MAIL FROM:<s@example.com>").await.starts_with("250"));
    assert!(c.send("RCPT TO:<r@example.com>").await.starts_with("250"));
    assert!(c.send("DATA").await.starts_with("354"));
    c.write
        .write_all(b"Subject: dots\r\n\r\n..one\r\n...two\r\n.\r\n")
        .await
        .unwrap();
    assert!(c.reply().await.starts_with("250"));
    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].raw, "Subject: dots\r\n\r\n.one\r\n..two\r\n");
    assert_eq!(got[0].text.as_deref(), Some(".one\r\n..two\r\n"));
    assert!(c.send("BOGUS").await.starts_with("502"));

    let failing = SmtpSink::start_failing().await.unwrap();
    let mut c = Client::connect(&failing).await;
    assert!(c.send("EHLO x").await.starts_with("250"));
    assert!(c.send("MAIL FROM:<s@example.com>").await.starts_with("250"));
    assert!(c.send("RCPT TO:<r@example.com>").await.starts_with("250"));
    assert!(c.send("DATA").await.starts_with("554"));
    assert!(
        failing
            .wait_for(1, Duration::from_millis(200))
            .await
            .is_empty()
    );
}
