//! The server's logs: standard error, PORTCULLIS_LOG filters (`info` by default),
//! PORTCULLIS_LOG_FORMAT picks `text` or `json` lines; colours only on a terminal.
//!
//! Lines are formatted by the thread that logs them and written by a writer thread
//! (`tracing-appender`), through a buffer flushed whenever no more lines are waiting: a busy
//! server makes one `write` for many request lines instead of one each, and no request waits
//! for the terminal or the log file. Nothing is dropped (a full queue makes loggers wait).
//!
//! Text lines that do not go to a terminal are written by [`PlainText`], which prints what
//! tracing-subscriber's default format prints without colours (`2026-12-07T17:42:12.183187Z
//! INFO portcullis::request: request method=GET route=/auth/check status=200 …`) at about half its
//! cost: one request line is formatted for every request (bench/PROFILING.md).

use std::fmt::Write as _;
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Install the subscriber; the returned guard writes what is queued when dropped.
pub fn init(format: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTCULLIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let terminal = std::io::stderr().is_terminal();
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("portcullis-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else if terminal {
        builder.with_ansi(true).init();
    } else {
        builder.event_format(PlainText).init();
    }
    guard
}

/// tracing-subscriber's default text format without colours, written directly.
pub struct PlainText;

impl<S, N> FormatEvent<S, N> for PlainText
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let now = time::OffsetDateTime::now_utc();
        let meta = event.metadata();
        let mut line = String::with_capacity(256);
        write_timestamp(&mut line, now);
        line.push(' ');
        let level = meta.level().as_str();
        for _ in level.len()..5 {
            line.push(' ');
        }
        line.push_str(level);
        line.push(' ');
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                line.push_str(span.name());
                let ext = span.extensions();
                if let Some(fields) = ext.get::<tracing_subscriber::fmt::FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    line.push('{');
                    line.push_str(fields);
                    line.push('}');
                }
                line.push(':');
            }
            line.push(' ');
        }
        line.push_str(meta.target());
        line.push_str(": ");
        let mut fields = Fields {
            line: &mut line,
            first: true,
        };
        event.record(&mut fields);
        line.push('\n');
        writer.write_str(&line)
    }
}

/// `2026-12-07T17:42:12.183187Z`.
fn write_timestamp(out: &mut String, t: time::OffsetDateTime) {
    let two = |out: &mut String, n: u8| {
        out.push(char::from(b'0' + n / 10));
        out.push(char::from(b'0' + n % 10));
    };
    let year = t.year();
    let _ = write!(out, "{year:04}");
    out.push('-');
    two(out, u8::from(t.month()));
    out.push('-');
    two(out, t.day());
    out.push('T');
    two(out, t.hour());
    out.push(':');
    two(out, t.minute());
    out.push(':');
    two(out, t.second());
    let _ = write!(out, ".{:06}Z", t.microsecond());
}

/// `message` first without a name, then ` name=value` for the other fields (strings as they
/// are, other values by their `Debug`), as the default format writes them.
struct Fields<'a> {
    line: &'a mut String,
    first: bool,
}

impl Fields<'_> {
    fn name(&mut self, field: &Field) {
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        self.line.push_str(field.name());
        self.line.push('=');
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message(format_args!("{value}"));
        } else {
            self.name(field);
            // The default format writes strings with Debug (quoted).
            let _ = write!(self.line, "{value:?}");
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        let _ = write!(self.line, "{value}");
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        let _ = write!(self.line, "{value}");
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.name(field);
        self.line.push_str(if value { "true" } else { "false" });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message(format_args!("{value:?}"));
        } else {
            self.name(field);
            let _ = write!(self.line, "{value:?}");
        }
    }
}

impl Fields<'_> {
    fn message(&mut self, text: std::fmt::Arguments<'_>) {
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        let _ = self.line.write_fmt(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    fn lines(plain: bool, emit: impl Fn()) -> String {
        let buf = Buf::default();
        let builder = tracing_subscriber::fmt()
            .with_writer(buf.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO);
        if plain {
            tracing::subscriber::with_default(builder.event_format(PlainText).finish(), &emit);
        } else {
            tracing::subscriber::with_default(builder.finish(), &emit);
        }
        let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The part after the timestamp (which differs between two calls).
    fn after_time(line: &str) -> &str {
        line.split_once(' ').map_or("", |(_, rest)| rest)
    }

    #[test]
    fn plain_text_writes_what_the_default_format_writes() {
        let emit = || {
            let route = "/auth/check";
            let client: std::net::IpAddr = [127, 0, 0, 1].into();
            let method = axum::http::Method::GET;
            tracing::info!(target: "portcullis::request", method = %method, route = %route,
                status = 200_u16, latency_ms = 0.25_f64, request_id = %"abc", user_id = Some(7_i64),
                client = %client, quoted = "text", "request");
            tracing::warn!(
                error = "a \"quoted\" text",
                n = -3_i64,
                ok = true,
                "something {} happened",
                1
            );
            let span = tracing::info_span!("job", id = 5_u64);
            let _guard = span.enter();
            tracing::info!("inside");
        };
        let ours = lines(true, emit);
        let theirs = lines(false, emit);
        let ours: Vec<&str> = ours.lines().collect();
        let theirs: Vec<&str> = theirs.lines().collect();
        assert_eq!(ours.len(), 3, "{ours:?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(after_time(a), after_time(b));
        }
        assert_eq!(
            after_time(ours[0]),
            " INFO portcullis::request: request method=GET route=/auth/check status=200 latency_ms=0.25 request_id=abc user_id=7 client=127.0.0.1 quoted=\"text\""
        );
        // RFC 3339 in UTC with microseconds.
        let stamp = ours[0].split(' ').next().unwrap_or_default();
        assert_eq!(stamp.len(), 27, "{stamp}");
        assert!(
            time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );
    }
}
