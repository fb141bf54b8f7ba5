//! The accept loop. Requests for a room's live stream get a lean handler of our own: an idle
//! live client then costs a socket, a small task and its subscription, instead of the ~16 KiB of
//! buffers hyper keeps per connection. Everything else (and any live request whose head does not
//! arrive in the first packet) is served by hyper and the axum router.

use crate::admission::{Admission, Refusal};
use crate::live::{self, LiveRequest, STREAM_HEADERS};
use crate::write_deadline::WriteDeadline;
use axum::extract::ConnectInfo;
use axum::Router;
use backend::Services;
use domain::paths::{events_path_key, EVENTS_SUFFIX, ROOMS_PREFIX};
use futures_util::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head either path reads (cookies included); past it the answer is 431.
const MAX_HEAD: usize = 16 * 1024;
/// Most header lines either path accepts (hyper's default); past it the answer is 431.
const MAX_HEADERS: usize = 100;
/// How long in-flight requests may take to finish once shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Live streams being opened at once (each needs database lookups). A burst of reconnecting
/// clients then waits its turn instead of all holding their opening state at once.
const CONCURRENT_OPENS: usize = 32;

/// Send buffer of a live stream's socket (the kernel doubles it for its bookkeeping).
const LIVE_SEND_BUFFER: usize = 64 * 1024;

/// How long a write may wait for its client to take the next bytes before the connection is
/// closed (a client that stops reading must not hold its connection forever), on both paths.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Accepts connections within `admission`'s caps until `shutdown` completes, then waits for
/// in-flight requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    services: Services,
    admission: Admission,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let opening = Arc::new(Semaphore::new(CONCURRENT_OPENS));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Usually EMFILE: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ticket = match admission.admit(peer.ip()) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                tokio::spawn(turn_away(stream, refusal));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (router, services, opening) = (router.clone(), services.clone(), Arc::clone(&opening));
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // The connection's place is freed when this task ends.
            let _ticket = ticket;
            // Each branch is boxed: a task is as large as its largest state, and hyper's
            // connection state must not be paid for by every idle live client.
            if is_live_request(&stream).await {
                Box::pin(serve_live(stream, services, opening)).await;
            } else {
                // Handlers see the client address (rate limits) as axum's `ConnectInfo`.
                let router = router.map_request(move |mut req: axum::extract::Request<_>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                });
                let service = TowerToHyperService::new(router);
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD)
                    .serve_connection(
                        TokioIo::new(WriteDeadline::new(stream, WRITE_TIMEOUT)),
                        service,
                    );
                if let Err(err) = Box::pin(watcher.watch(connection)).await {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
            }
        });
    }
    drop(listener);
    // Live streams end by themselves on shutdown; give other requests a moment to finish.
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish before shutdown");
    }
}

/// Answers a connection past the caps with 503 and closes it, without reading the request.
async fn turn_away(mut stream: TcpStream, refusal: Refusal) {
    tracing::debug!(?refusal, "connection turned away");
    let message = match refusal {
        Refusal::Full => "The server is at capacity. Please try again in a moment.",
        Refusal::AddressFull => {
            "Too many connections from your address. Close some tabs and try again."
        }
    };
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 5\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{message}",
        message.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// Whether the first packet holds `GET /chatrooms/<key>/events...` (peeked, not consumed).
async fn is_live_request(stream: &TcpStream) -> bool {
    let mut start = [0u8; 64];
    let Ok(Ok(n)) = tokio::time::timeout(HEAD_TIMEOUT, stream.peek(&mut start)).await else {
        return false;
    };
    is_live_request_start(&start[..n])
}

/// Whether a request starting with `start` asks for a live stream, judged only when its whole
/// path is visible (`<key>/events` followed by a space or a query).
fn is_live_request_start(start: &[u8]) -> bool {
    let Some(rest) = start
        .strip_prefix(b"GET ")
        .and_then(|rest| rest.strip_prefix(ROOMS_PREFIX.as_bytes()))
    else {
        return false;
    };
    let key_and_suffix = rest
        .split(|b| *b == b' ' || *b == b'?')
        .next()
        .unwrap_or(rest);
    key_and_suffix.ends_with(EVENTS_SUFFIX.as_bytes()) && rest.len() > key_and_suffix.len()
}

/// The parts of a live request head that `live::open` needs.
struct LiveHead {
    hash_key: String,
    after: Option<String>,
    headers: http::HeaderMap,
}

/// Parses a request head read by [`read_head`], as hyper would: bare-LF line ends accepted,
/// the key and `after` percent-decoded, too many headers refused with 431.
fn parse_head(head: &[u8]) -> Result<LiveHead, u16> {
    let mut parsed_headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut parsed_headers);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        _ => return Err(400),
    }
    let target = request.path.ok_or(400u16)?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let hash_key = events_path_key(path).ok_or(404u16)?;
    let after = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="));
    let mut headers = http::HeaderMap::new();
    for header in request.headers.iter() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(header.name.as_bytes()),
            http::HeaderValue::from_bytes(header.value),
        ) {
            headers.append(name, value);
        }
    }
    Ok(LiveHead {
        hash_key: percent_decode(hash_key, false).ok_or(400u16)?,
        after: after
            .map(|a| percent_decode(a, true).ok_or(400u16))
            .transpose()?,
        headers,
    })
}

/// `raw` with `%XX` escapes decoded (and, in a query, `+` as a space); `None` if the result
/// is not UTF-8. A `%` without two hex digits stays as it is.
fn percent_decode(raw: &str, in_query: bool) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[at]) {
            (Some(byte), _) => {
                out.push(byte);
                at += 3;
            }
            (None, b'+') if in_query => {
                out.push(b' ');
                at += 1;
            }
            (None, byte) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Serves one live stream on a raw connection, then closes it.
async fn serve_live(mut stream: TcpStream, services: Services, opening: Arc<Semaphore>) {
    // Opening is boxed and finished before streaming starts, so its (large) state is freed and
    // an idle stream keeps only what it needs.
    let Some(events) = Box::pin(open_live(&mut stream, &services, &opening)).await else {
        return;
    };

    let mut response_head = String::from("HTTP/1.1 200 OK\r\n");
    for (name, value) in STREAM_HEADERS {
        response_head.push_str(&format!("{name}: {value}\r\n"));
    }
    // The body runs until the connection closes, so no chunked framing is needed.
    response_head.push_str("connection: close\r\n\r\n");
    // A small send buffer: a client that stops reading blocks our writes (and is dropped after
    // WRITE_TIMEOUT) after ~LIVE_SEND_BUFFER of unread events, not after the megabytes the
    // kernel would otherwise grow the buffer to, and it bounds the kernel memory it holds.
    if let Err(err) = socket2::SockRef::from(&stream).set_send_buffer_size(LIVE_SEND_BUFFER) {
        tracing::debug!(error = %err, "could not size a live stream's send buffer");
    }
    let (mut reader, mut writer) = stream.split();
    if writer.write_all(response_head.as_bytes()).await.is_err() {
        return;
    }
    drop(response_head);
    let mut events = events;
    let mut probe = [0u8; 16];
    loop {
        tokio::select! {
            next = events.next() => match next {
                Some(Ok(bytes)) => {
                    // A client that stopped reading fills its socket buffer; give up on it.
                    let written = tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(&bytes)).await;
                    if !matches!(written, Ok(Ok(()))) {
                        return;
                    }
                }
                _ => return,
            },
            // EOF (or anything else) from the client ends the stream at once, so presence
            // notices a closed tab without waiting for the next write to fail.
            _ = reader.read(&mut probe) => return,
        }
    }
}

type EventStream = std::pin::Pin<
    Box<
        dyn futures_util::Stream<Item = Result<axum::body::Bytes, std::convert::Infallible>> + Send,
    >,
>;

/// Reads and checks the request; answers refusals itself and returns `None` for them.
async fn open_live(
    stream: &mut TcpStream,
    services: &Services,
    opening: &Semaphore,
) -> Option<EventStream> {
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(status)) => {
            let _ = write_refusal(stream, status, "Malformed request.").await;
            return None;
        }
        Err(_) => return None,
    };
    let head = match parse_head(&head) {
        Ok(head) => head,
        Err(status) => {
            let message = match status {
                431 => "Request header fields too large.",
                404 => "Not found.",
                _ => "Malformed request.",
            };
            let _ = write_refusal(stream, status, message).await;
            return None;
        }
    };
    let last_event_id = head
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok());
    let Ok(_permit) = opening.acquire().await else {
        return None;
    };
    let opened = live::open(
        services,
        LiveRequest {
            hash_key: &head.hash_key,
            after: head.after.as_deref(),
            last_event_id,
            headers: &head.headers,
            peer: stream.peer_addr().ok().map(|addr| addr.ip()),
        },
    )
    .await;
    match opened {
        Ok(events) => Some(Box::pin(events)),
        Err(err) => {
            let _ = write_refusal(stream, err.status().as_u16(), &err.to_string()).await;
            None
        }
    }
}

/// Reads up to the end of the request head (CRLF or bare-LF line ends, as hyper accepts);
/// refuses with a status when it is too large.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, u16> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        head.extend_from_slice(&chunk[..n]);
        if head_is_complete(&head) {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(431);
        }
    }
}

/// Whether `head` holds a whole request head (a blank line after the header lines).
fn head_is_complete(head: &[u8]) -> bool {
    head.windows(2).any(|w| w == b"\n\n") || head.windows(3).any(|w| w == b"\n\r\n")
}

async fn write_refusal(stream: &mut TcpStream, status: u16, message: &str) -> std::io::Result<()> {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{message}",
        message.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_visible_events_path_takes_the_lean_path() {
        assert!(is_live_request_start(
            b"GET /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1\r\n"
        ));
        assert!(is_live_request_start(
            b"GET /chatrooms/abcdEFGH1234-_xy/events?after=4 HTTP/1.1"
        ));
        // Cut off before the path ends: hyper reads the rest.
        assert!(!is_live_request_start(
            b"GET /chatrooms/abcdEFGH1234-_xy/events"
        ));
        assert!(!is_live_request_start(
            b"GET /chatrooms/abcdEFGH1234-_xy/ HTTP/1.1"
        ));
        assert!(!is_live_request_start(
            b"POST /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1"
        ));
    }

    #[test]
    fn heads_parse_into_key_resume_and_headers() {
        let head = parse_head(
            b"GET /chatrooms/abcdEFGH1234-_xy/events?x=1&after=42 HTTP/1.1\r\nCookie: a=b\r\n\r\n",
        )
        .expect("a live head");
        assert_eq!(head.hash_key, "abcdEFGH1234-_xy");
        assert_eq!(head.after.as_deref(), Some("42"));
        assert_eq!(head.headers.get("cookie").unwrap(), "a=b");
        assert_eq!(
            parse_head(b"GET /elsewhere HTTP/1.1\r\n\r\n").err(),
            Some(404)
        );
    }

    #[test]
    fn heads_are_read_as_hyper_reads_them() {
        // Bare LF line ends.
        let bare = b"GET /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1\nHost: x\n\n";
        assert!(head_is_complete(bare));
        assert!(parse_head(bare).is_ok());
        assert!(!head_is_complete(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        // Percent-encoded key and position.
        let encoded =
            parse_head(b"GET /chatrooms/%61bcdEFGH1234-_xy/events?after=%34%32 HTTP/1.1\r\n\r\n")
                .unwrap();
        assert_eq!(encoded.hash_key, "abcdEFGH1234-_xy");
        assert_eq!(encoded.after.as_deref(), Some("42"));
        // Too many header lines: 431, like hyper.
        let mut crowded = b"GET /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            crowded.extend_from_slice(format!("x-{i}: y\r\n").as_bytes());
        }
        crowded.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&crowded).err(), Some(431));
        assert_eq!(percent_decode("a%2", false).as_deref(), Some("a%2"));
        assert_eq!(percent_decode("%FF", false), None);
    }

    proptest::proptest! {
        #[test]
        fn fuzz_any_bytes_as_a_live_head_are_refused_with_a_client_error_or_parsed(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
        ) {
            let _ = is_live_request_start(&bytes);
            let _ = head_is_complete(&bytes);
            if let Err(status) = parse_head(&bytes) {
                proptest::prop_assert!((400..500).contains(&status), "{status}");
            }
        }

        #[test]
        fn fuzz_heads_near_the_live_shape_never_panic(
            key in "[A-Za-z0-9_%+-]{0,24}",
            after in "[0-9a-f%+&=]{0,12}",
            header in "[ -~]{0,60}",
            bare_lf in proptest::prelude::any::<bool>(),
        ) {
            let end = if bare_lf { "\n" } else { "\r\n" };
            let head = format!(
                "GET /chatrooms/{key}/events?after={after} HTTP/1.1{end}Host: x{end}{header}{end}{end}"
            );
            let _ = is_live_request_start(head.as_bytes());
            match parse_head(head.as_bytes()) {
                Ok(parsed) => proptest::prop_assert!(parsed.headers.contains_key("host")),
                Err(status) => proptest::prop_assert!((400..500).contains(&status), "{status}"),
            }
            let _ = percent_decode(&key, false);
            let _ = percent_decode(&after, true);
        }
    }
}
