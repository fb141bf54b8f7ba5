//! A lean live client: one raw HTTP/1.1 connection reading the SSE stream (chunked encoding),
//! recording when each change of the room's feed arrived.

use crate::report::{Delivery, Tally};
use crate::setup::{now_nanos, Client};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Listens until the connection ends; every message event is recorded in `tally`. With
/// `split_head` the request goes out in two packets (the server then serves it with hyper
/// instead of its lean live path).
pub async fn listen(
    client: Client,
    tally: Arc<Tally>,
    connected: Arc<AtomicU64>,
    split_head: bool,
) {
    let log = tally.new_log(client.room);
    if let Err(err) = listen_inner(&client, &log, &connected, split_head).await {
        tally.error();
        eprintln!("live client in room {}: {err}", client.room);
    }
}

async fn listen_inner(
    client: &Client,
    log: &std::sync::Mutex<Vec<Delivery>>,
    connected: &AtomicU64,
    split_head: bool,
) -> Result<(), String> {
    let host = client.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.map_err(|e| e.to_string())?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n",
        client.key.events_path(),
        client.cookie
    );
    let cut = if split_head { "GET /".len() } else { 0 };
    if cut > 0 {
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .write_all(&request.as_bytes()[..cut])
            .await
            .map_err(|e| e.to_string())?;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stream
        .write_all(&request.as_bytes()[cut..])
        .await
        .map_err(|e| e.to_string())?;

    let mut buf = [0u8; 4096];
    let (mut raw, chunked) = read_stream_head(&mut stream).await?;
    connected.fetch_add(1, Ordering::Relaxed);

    let mut events = Vec::with_capacity(4096);
    let mut last_position = 0i64;
    loop {
        if chunked {
            dechunk(&mut raw, &mut events)?;
        } else {
            events.append(&mut raw);
        }
        while let Some(end) = find(&events, b"\n\n") {
            record(&events[..end], &mut last_position, log);
            events.drain(..end + 2);
        }
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the stream".into());
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// Reads a live stream's response head: what followed it (the body's start) and whether the
/// body is chunked; any answer but 200 is an error (its first line).
pub(crate) async fn read_stream_head(stream: &mut TcpStream) -> Result<(Vec<u8>, bool), String> {
    let mut raw = Vec::with_capacity(4096);
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before the response head".into());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(pos) = find(&raw, b"\r\n\r\n") {
            break pos + 4;
        }
    };
    if !raw.starts_with(b"HTTP/1.1 200") {
        return Err(String::from_utf8_lossy(&raw[..head_end.min(80)]).into_owned());
    }
    let chunked = String::from_utf8_lossy(&raw[..head_end])
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    raw.drain(..head_end);
    Ok((raw, chunked))
}

/// Moves complete chunks of a chunked body from `raw` to `out`.
pub(crate) fn dechunk(raw: &mut Vec<u8>, out: &mut Vec<u8>) -> Result<(), String> {
    loop {
        let Some(line_end) = find(raw, b"\r\n") else {
            return Ok(());
        };
        let size_text = std::str::from_utf8(&raw[..line_end]).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        if size == 0 {
            return Err("the server ended the stream".into());
        }
        let start = line_end + 2;
        if raw.len() < start + size + 2 {
            return Ok(());
        }
        out.extend_from_slice(&raw[start..start + size]);
        raw.drain(..start + size + 2);
    }
}

fn record(block: &[u8], last_position: &mut i64, log: &std::sync::Mutex<Vec<Delivery>>) {
    let Ok(text) = std::str::from_utf8(block) else {
        return;
    };
    // The event id is the room's change-feed position: one per change (new message, reaction,
    // edit, deletion), only growing on a stream. Events without one (room, presence, typing,
    // keepalives) are not changes.
    let Some(seq) = text
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return;
    };
    let Some(id) = text
        .find("\"id\":")
        .map(|at| &text[at + 5..])
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|n| n.parse::<i64>().ok())
    else {
        return;
    };
    let duplicate = seq <= *last_position;
    *last_position = (*last_position).max(seq);
    if let Ok(mut log) = log.lock() {
        log.push(Delivery {
            id,
            seq,
            received_nanos: now_nanos(),
            duplicate,
        });
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
