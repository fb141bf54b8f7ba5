//! The accept loop. Every request is answered by the axum router (one set of handlers,
//! middleware, security headers, tracing and error mapping), over one of two wires:
//! - hyper, for everything but live streams (and for a live request whose head does not arrive
//!   whole in the first packet);
//! - a lean HTTP/1.1 writer of our own for `GET /chatrooms/<key>/events`: it reads the head,
//!   asks the router, and writes the answer exactly as hyper would (same head, same chunked
//!   framing), but keeps no read and write buffers while the stream idles, which is what most
//!   live connections do. `tests/http/live_paths.rs` checks the two wires byte for byte.

use crate::admission::{Admission, Refusal};
use crate::write_deadline::WriteDeadline;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::Router;
use domain::paths::{EVENTS_SUFFIX, ROOMS_PREFIX};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Version};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
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

/// Live requests the lean wire hands to the router at once. A burst of reconnecting clients
/// (after a restart, thousands at once) then waits here holding only its socket and its request
/// head, not the router's whole request state each: that state, allocated by all at once and
/// freed in between the streams that stay, would leave the heap fragmented (measured: 19 KiB
/// of resident memory per idle stream after 10,000 arrived at once, instead of ~7).
const LEAN_ASKS_AT_ONCE: usize = 32;

/// Largest answer body the lean path reads whole before writing it (refusals are a line of
/// text; a stream is never read whole).
const MAX_WHOLE_BODY: usize = 64 * 1024;

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
    admission: Admission,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let asking = Arc::new(Semaphore::new(LEAN_ASKS_AT_ONCE));
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
        let (router, asking) = (router.clone(), Arc::clone(&asking));
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // The connection's place is freed when this task ends.
            let _ticket = ticket;
            // Each branch is boxed: a task is as large as its largest state, and hyper's
            // connection state must not be paid for by every idle live client.
            if is_live_request(&stream).await {
                Box::pin(serve_live(stream, peer, router, asking)).await;
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

/// Serves one live request on a raw connection: the router answers it, and the answer is
/// written as hyper would write it; the connection closes after it.
async fn serve_live(
    mut stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    asking: Arc<Semaphore>,
) {
    // Boxed and finished before streaming starts, so the (large) state of reading the head and
    // opening the stream is freed and an idle stream keeps only what it needs.
    let Some((response, version)) = Box::pin(ask_router(&mut stream, peer, router, &asking)).await
    else {
        return;
    };
    write_answer(stream, response, version).await;
}

/// Reads the request head and returns the router's answer. A head the router cannot be asked
/// with is answered here, as hyper answers it (status only), and gives `None`.
async fn ask_router(
    stream: &mut TcpStream,
    peer: SocketAddr,
    router: Router,
    asking: &Semaphore,
) -> Option<(Response, Version)> {
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(status)) => {
            let _ = write_status_only(stream, status).await;
            return None;
        }
        Err(_) => return None,
    };
    let mut request = match parse_request(&head) {
        Ok(request) => request,
        Err(status) => {
            let _ = write_status_only(stream, status).await;
            return None;
        }
    };
    let version = request.version();
    request.extensions_mut().insert(ConnectInfo(peer));
    let _turn = asking.acquire().await.ok()?;
    let Ok(response) = router.oneshot(request).await;
    Some((response, version))
}

/// Parses a head read by [`read_head`] into a request for the router, as hyper would: bare-LF
/// line ends accepted, too many header lines 431, anything malformed 400.
fn parse_request(head: &[u8]) -> Result<Request<Body>, StatusCode> {
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    let mut parsed_headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut parsed_headers);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        }
        _ => return Err(BAD),
    }
    let method =
        Method::from_bytes(parsed.method.unwrap_or_default().as_bytes()).map_err(|_| BAD)?;
    let version = match parsed.version {
        Some(0) => Version::HTTP_10,
        Some(1) => Version::HTTP_11,
        _ => return Err(BAD),
    };
    let mut request = Request::builder()
        .method(method)
        .uri(parsed.path.unwrap_or_default())
        .version(version);
    for header in parsed.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).map_err(|_| BAD)?;
        let value = HeaderValue::from_bytes(header.value).map_err(|_| BAD)?;
        request = request.header(name, value);
    }
    request.body(Body::empty()).map_err(|_| BAD)
}

/// Reads up to the end of the request head (CRLF or bare-LF line ends, as hyper accepts);
/// refuses with a status when it is too large.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, StatusCode> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        if n == 0 {
            return Err(StatusCode::BAD_REQUEST);
        }
        head.extend_from_slice(&chunk[..n]);
        if head_is_complete(&head) {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
    }
}

/// Whether `head` holds a whole request head (a blank line after the header lines).
fn head_is_complete(head: &[u8]) -> bool {
    head.windows(2).any(|w| w == b"\n\n") || head.windows(3).any(|w| w == b"\n\r\n")
}

/// The head hyper writes for `status`, `headers` and a body of `length` bytes (unknown: a
/// chunked body, or on HTTP/1.0 one that ends with the connection); see
/// `hyper::proto::h1::role::Server::encode`.
fn response_head(
    version: Version,
    status: StatusCode,
    headers: &http::HeaderMap,
    length: Option<u64>,
) -> Vec<u8> {
    let mut head = Vec::with_capacity(256);
    if version == Version::HTTP_10 {
        head.extend_from_slice(b"HTTP/1.0 ");
    } else {
        head.extend_from_slice(b"HTTP/1.1 ");
    }
    head.extend_from_slice(status.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    match length {
        Some(_) if headers.contains_key(http::header::CONTENT_LENGTH) => {}
        Some(length) => head.extend_from_slice(format!("content-length: {length}\r\n").as_bytes()),
        None if version == Version::HTTP_10 => {}
        None => head.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    head.extend_from_slice(b"date: ");
    head.extend_from_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
    head
}

/// Answers a head that could not be read with its status alone, as hyper does, and closes.
async fn write_status_only(stream: &mut TcpStream, status: StatusCode) -> std::io::Result<()> {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    let head = response_head(Version::HTTP_11, status, &headers, Some(0));
    stream.write_all(&head).await?;
    stream.shutdown().await
}

/// Writes the router's answer: a whole one (a refusal) at once, a stream as it comes, in
/// hyper's framing; then closes the connection.
async fn write_answer(mut stream: TcpStream, response: Response, version: Version) {
    let (parts, mut body) = response.into_parts();
    let length = axum::body::HttpBody::size_hint(&body).exact();
    let head = response_head(version, parts.status, &parts.headers, length);
    drop(parts);
    if length.is_some() {
        let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
            let whole = axum::body::to_bytes(body, MAX_WHOLE_BODY)
                .await
                .map_err(std::io::Error::other)?;
            stream.write_all(&[head, whole.to_vec()].concat()).await?;
            stream.shutdown().await
        })
        .await;
        return;
    }
    let chunked = version == Version::HTTP_11;
    // A small send buffer: a client that stops reading blocks our writes (and is dropped after
    // WRITE_TIMEOUT) after ~LIVE_SEND_BUFFER of unread events, not after the megabytes the
    // kernel would otherwise grow the buffer to, and it bounds the kernel memory it holds.
    if let Err(err) = socket2::SockRef::from(&stream).set_send_buffer_size(LIVE_SEND_BUFFER) {
        tracing::debug!(error = %err, "could not size a live stream's send buffer");
    }
    let (mut reader, mut writer) = stream.split();
    if writer.write_all(&head).await.is_err() {
        return;
    }
    drop(head);
    let mut probe = [0u8; 16];
    loop {
        let bytes = tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if chunked => chunk(&data),
                    Ok(data) => data.to_vec(),
                    Err(_) => continue,
                },
                // The end: the last chunk, then close (as hyper does for `connection: close`).
                None => {
                    if chunked {
                        let _ = writer.write_all(b"0\r\n\r\n").await;
                    }
                    let _ = writer.shutdown().await;
                    return;
                }
                // A failed body is cut off without its last chunk, so the client sees the break.
                Some(Err(_)) => return,
            },
            // EOF (or anything else) from the client ends the stream at once, so presence
            // notices a closed tab without waiting for the next write to fail.
            _ = reader.read(&mut probe) => return,
        };
        // A client that stopped reading fills its socket buffer; give up on it.
        let written = tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(&bytes)).await;
        if !matches!(written, Ok(Ok(()))) {
            return;
        }
    }
}

/// `data` framed as one chunk of a chunked body (hyper writes the size in upper-case hex).
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(data.len() + 12);
    framed.extend_from_slice(format!("{:X}\r\n", data.len()).as_bytes());
    framed.extend_from_slice(data);
    framed.extend_from_slice(b"\r\n");
    framed
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
    fn heads_become_requests_for_the_router() {
        let request = parse_request(
            b"GET /chatrooms/abcdEFGH1234-_xy/events?x=1&after=42 HTTP/1.1\r\nCookie: a=b\r\n\r\n",
        )
        .expect("a live head");
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri().path(), "/chatrooms/abcdEFGH1234-_xy/events");
        assert_eq!(request.uri().query(), Some("x=1&after=42"));
        assert_eq!(request.version(), Version::HTTP_11);
        assert_eq!(request.headers()["cookie"], "a=b");
        let old = parse_request(b"GET /chatrooms/k/events HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(old.version(), Version::HTTP_10);
        assert_eq!(
            parse_request(b"GET /x HTTP/1.1\r\nbad header\r\n\r\n").err(),
            Some(StatusCode::BAD_REQUEST)
        );
    }

    #[test]
    fn heads_are_read_as_hyper_reads_them() {
        // Bare LF line ends.
        let bare = b"GET /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1\nHost: x\n\n";
        assert!(head_is_complete(bare));
        assert!(parse_request(bare).is_ok());
        assert!(!head_is_complete(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        // Too many header lines: 431, like hyper.
        let mut crowded = b"GET /chatrooms/abcdEFGH1234-_xy/events HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            crowded.extend_from_slice(format!("x-{i}: y\r\n").as_bytes());
        }
        crowded.extend_from_slice(b"\r\n");
        assert_eq!(
            parse_request(&crowded).err(),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
    }

    #[test]
    fn answers_are_framed_as_hyper_frames_them() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("text/event-stream"),
        );
        headers.append("x-two", HeaderValue::from_static("1"));
        headers.append("x-two", HeaderValue::from_static("2"));
        let stream = String::from_utf8(response_head(
            Version::HTTP_11,
            StatusCode::OK,
            &headers,
            None,
        ))
        .unwrap();
        let (before_date, date) = stream.split_once("date: ").unwrap();
        assert_eq!(
            before_date,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-two: 1\r\nx-two: 2\r\n\
             transfer-encoding: chunked\r\n"
        );
        assert!(date.ends_with(" GMT\r\n\r\n"), "{date}");
        let refusal = String::from_utf8(response_head(
            Version::HTTP_11,
            StatusCode::UNAUTHORIZED,
            &http::HeaderMap::new(),
            Some(31),
        ))
        .unwrap();
        assert!(refusal.starts_with("HTTP/1.1 401 Unauthorized\r\ncontent-length: 31\r\ndate: "));
        let old = response_head(Version::HTTP_10, StatusCode::OK, &headers, None);
        assert!(old.starts_with(b"HTTP/1.0 200 OK\r\n"));
        assert!(!String::from_utf8_lossy(&old).contains("chunked"));
        assert_eq!(
            chunk(&[b'x'; 26]),
            [b"1A\r\n".as_slice(), &[b'x'; 26], b"\r\n"].concat()
        );
    }

    proptest::proptest! {
        #[test]
        fn fuzz_any_bytes_as_a_live_head_are_refused_with_a_client_error_or_parsed(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
        ) {
            let _ = is_live_request_start(&bytes);
            let _ = head_is_complete(&bytes);
            if let Err(status) = parse_request(&bytes) {
                proptest::prop_assert!(status.is_client_error(), "{status}");
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
            match parse_request(head.as_bytes()) {
                Ok(parsed) => proptest::prop_assert!(parsed.headers().contains_key("host")),
                Err(status) => proptest::prop_assert!(status.is_client_error(), "{status}"),
            }
        }
    }
}
