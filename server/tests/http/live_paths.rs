//! The live stream has two wires (see `server/src/connection.rs`): the lean one, for a head that
//! arrives whole in the first packet, and hyper, for one that arrives split. Both ask the same
//! router, so every answer must be the same bytes, apart from the `date` header: the stream's
//! head and framing, and each refusal with its status, headers (security headers included) and
//! body.

use crate::support::{spawn_app, TestApp};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How much of an answer to compare.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// Read to the end (the connection closes after a refusal).
    Closed,
    /// The head alone.
    Head,
    /// The head and the body's first `n` chunks (a stream goes on).
    Chunks(usize),
}

/// Sends `request` in one packet (the lean wire) or cut after a few bytes (hyper), and returns
/// what came back, up to `until`, with the date's value blanked.
async fn answer(app: &TestApp, request: &str, split: bool, until: Until) -> String {
    let addr = app.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket.set_nodelay(true).unwrap();
    if split {
        socket.write_all(&request.as_bytes()[..11]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        socket.write_all(&request.as_bytes()[11..]).await.unwrap();
    } else {
        socket.write_all(request.as_bytes()).await.unwrap();
    }
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = enough(&received, until) {
            received.truncate(end);
            break;
        }
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        if n == 0 {
            assert!(
                matches!(until, Until::Closed),
                "closed early: {}",
                String::from_utf8_lossy(&received)
            );
            break;
        }
        received.extend_from_slice(&buf[..n]);
    }
    blank_date(&String::from_utf8_lossy(&received))
}

/// Where to cut `received` once it holds what `until` asks for (so both wires are compared up
/// to the same place), or `None` while more is needed.
fn enough(received: &[u8], until: Until) -> Option<usize> {
    let wanted = match until {
        Until::Closed => return None,
        Until::Head => 0,
        Until::Chunks(wanted) => wanted,
    };
    let mut at = find(received, b"\r\n\r\n")? + 4;
    for _ in 0..wanted {
        let line_end = find(&received[at..], b"\r\n")?;
        let size_text = String::from_utf8_lossy(&received[at..at + line_end]).into_owned();
        let size = usize::from_str_radix(&size_text, 16).expect("a chunk size");
        at += line_end + 2 + size + 2;
        if received.len() < at {
            return None;
        }
    }
    Some(at)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn blank_date(answer: &str) -> String {
    let Some(at) = answer.find("\r\ndate: ") else {
        return answer.to_owned();
    };
    let value_start = at + "\r\ndate: ".len();
    let value_end = value_start + answer[value_start..].find("\r\n").expect("a date line");
    format!("{}<date>{}", &answer[..value_start], &answer[value_end..])
}

/// Asserts that both wires answer `request` alike, and returns the answer.
async fn same_on_both_wires(app: &TestApp, request: &str, until: Until) -> String {
    let lean = answer(app, request, false, until).await;
    let hyper = answer(app, request, true, until).await;
    assert_eq!(lean, hyper, "lean wire vs hyper for {request:?}");
    assert!(lean.contains("\r\ndate: <date>\r\n"), "{lean}");
    lean
}

#[tokio::test]
async fn both_wires_answer_every_live_request_byte_for_byte_alike() {
    let app = spawn_app().await;
    let key = app.create_room("Two wires").await;
    let me = app.login("wired").await;
    app.send(&key, &me, "already here").await;
    let head =
        |target: &str, extra: &str| format!("GET {target} HTTP/1.1\r\nHost: x\r\n{extra}\r\n");
    let events = format!("/chatrooms/{key}/events");
    let cookie = format!("Cookie: {me}\r\n");

    // A stream: the head, then the first chunks (the retry hint, the room, who is online).
    let stream = same_on_both_wires(
        &app,
        &head(&format!("{events}?after=0"), &cookie),
        Until::Chunks(3),
    )
    .await;
    assert!(stream.starts_with("HTTP/1.1 200 OK\r\n"), "{stream}");
    for line in [
        "content-type: text/event-stream",
        "connection: close",
        "transfer-encoding: chunked",
        "x-content-type-options: nosniff",
        "content-security-policy: ",
    ] {
        assert!(stream.contains(line), "{line} in {stream}");
    }
    assert!(stream.contains("\r\nretry: 1000\n\n\r\n"), "{stream}");
    assert!(stream.contains("event: room"), "{stream}");

    // Refusals, each with its status from the one mapping, security headers and its reason.
    let unknown = "/chatrooms/AAAAAAAAAAAAAAAAAAAAAA/events";
    for (request, status, reason) in [
        (head(&events, ""), "401", "Please choose a username first."),
        (
            head(unknown, &cookie),
            "404",
            "This chatroom does not exist.",
        ),
        (
            head(&format!("{events}?after=soon"), &cookie),
            "400",
            "resume position must be a whole number",
        ),
    ] {
        let refused = same_on_both_wires(&app, &request, Until::Closed).await;
        assert!(
            refused.starts_with(&format!("HTTP/1.1 {status} ")),
            "{refused}"
        );
        for line in [
            "connection: close",
            "x-frame-options: DENY",
            "content-type: text/plain",
        ] {
            assert!(refused.contains(line), "{line} in {refused}");
        }
        assert!(refused.ends_with(reason), "{refused}");
    }

    // A compressed refusal has no length known in advance: chunked on both wires.
    let gzipped = same_on_both_wires(
        &app,
        &head(
            &format!("{events}?after=soon"),
            &format!("{cookie}Accept-Encoding: gzip\r\n"),
        ),
        Until::Closed,
    )
    .await;
    assert!(gzipped.contains("content-encoding: gzip"), "{gzipped}");
    assert!(gzipped.contains("transfer-encoding: chunked"), "{gzipped}");

    // A head hyper refuses before any handler runs (too many header lines) is refused alike.
    let crowd: String = (0..120).map(|i| format!("x-{i}: y\r\n")).collect();
    let crowded = same_on_both_wires(&app, &head(&events, &crowd), Until::Closed).await;
    assert!(crowded.starts_with("HTTP/1.1 431 "), "{crowded}");

    // HTTP/1.0: no chunked framing; the body ends with the connection.
    let old = format!("GET {events}?after=0 HTTP/1.0\r\nHost: x\r\n{cookie}\r\n");
    let old_head = same_on_both_wires(&app, &old, Until::Head).await;
    assert!(old_head.starts_with("HTTP/1.0 200 OK"), "{old_head}");
    assert!(!old_head.contains("chunked"), "{old_head}");
}
