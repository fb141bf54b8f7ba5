//! `--abuse N`: one client (127.0.0.1) tries to hold the server's connections and its
//! expensive work, while a prober on another loopback address (127.0.0.2) asks for the home
//! page every 100 ms. Phases: N slow request heads, N slow bodies, N live streams that stop
//! reading while messages flow, and 50 concurrent passphrase logins. For each: how many
//! connections were turned away (503), how many were held and how soon the server closed them,
//! the prober's latency and failures, and the server's memory. Only to 127.0.0.1, bounded in
//! count and time.

use crate::server::total_rss_kib;
use crate::setup::{login, post};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// Longest a phase waits for the server to close what it holds.
const CLOSE_WAIT: Duration = Duration::from_secs(75);

/// What one connection saw at first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Answered 503 at once.
    TurnedAway,
    /// Accepted (and then left silent, or not read).
    Held,
    /// Could not even connect.
    Failed,
}

/// How a phase ended on the server's side.
struct Drain {
    /// Most sockets the server had open.
    peak_sockets: usize,
    /// Seconds from the last connection opened until the server was back near its baseline,
    /// or `None` if it was not within [`CLOSE_WAIT`].
    released_after: Option<f64>,
}

/// Probe results: latencies of good answers, and failures.
#[derive(Default)]
struct Probes {
    latencies_ms: Vec<f64>,
    failures: usize,
}

/// Runs the phases against `base` (a server whose pid is `pid`); returns a Markdown table.
pub async fn run(base: &str, pid: u32, count: usize) -> Result<String, String> {
    let addr: SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("{base}: {e}"))?;
    let http = reqwest::Client::new();
    let key = post(
        &http,
        format!("{base}/api/create_room"),
        vec![("name", "abuse".to_owned())],
    )
    .await?
    .json::<String>()
    .await
    .map_err(|e| e.to_string())?;
    let mut lines = vec![
        "| phase | attempted | turned away (503) | held | server sockets (peak) | server let go after | probe p50 / p99 / max ms | probe failures | server RSS KiB (peak) |".to_owned(),
        "|---|---|---|---|---|---|---|---|---|".to_owned(),
    ];
    let slow_head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow:".to_vec();
    let slow_body = b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=".to_vec();
    for (phase, request) in [("slow heads", slow_head), ("slow bodies", slow_body)] {
        eprintln!("{phase}: {count} connections…");
        let ((outcomes, drain), probes, peak) = with_probe(
            addr,
            pid,
            hold_many(addr, pid, count, move |_| request.clone()),
        )
        .await;
        lines.push(row(phase, &outcomes, &drain, &probes, peak));
    }

    eprintln!("stalled live streams: {count} connections while messages flow…");
    let sessions = count.div_ceil(20).max(1);
    let mut cookies = Vec::with_capacity(sessions);
    for i in 0..sessions {
        cookies.push(login(&http, base, format!("stall{i}")).await?);
    }
    let path = format!("/chatrooms/{key}/events");
    // Every session opens the room once, so its streams are allowed.
    for cookie in &cookies {
        let _ = http
            .get(format!("{base}/chatrooms/{key}/"))
            .header("cookie", cookie)
            .send()
            .await;
    }
    // The messages come from another address (127.0.0.3): from the stalling client's own, they
    // would be turned away once its connections fill its share, and nothing would flow.
    let flooder = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 3]))
        .build()
        .map_err(|e| e.to_string())?;
    let sender = tokio::spawn(flood(
        flooder,
        base.to_owned(),
        key.clone(),
        cookies[0].clone(),
    ));
    let ((outcomes, drain), probes, peak) = with_probe(
        addr,
        pid,
        hold_many(addr, pid, count, move |i| {
            format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
                cookies[i % cookies.len()]
            )
            .into_bytes()
        }),
    )
    .await;
    sender.abort();
    lines.push(row(
        "live streams that stop reading",
        &outcomes,
        &drain,
        &probes,
        peak,
    ));

    eprintln!("50 concurrent passphrase logins…");
    let started = Instant::now();
    let (statuses, probes, peak) = with_probe(addr, pid, async {
        let mut logins = JoinSet::new();
        for i in 0..50 {
            let http = http.clone();
            let url = format!("{base}/api/login");
            logins.spawn(async move {
                let form = [
                    ("username", format!("hasher{i}")),
                    ("passphrase", format!("a long passphrase number {i}")),
                ];
                match http
                    .post(url)
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
                    .await
                {
                    Ok(res) => res.status().as_u16(),
                    Err(_) => 0,
                }
            });
        }
        let mut statuses = Vec::new();
        while let Some(done) = logins.join_next().await {
            statuses.push(done.unwrap_or(0));
        }
        statuses
    })
    .await;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let busy = statuses.iter().filter(|s| **s == 503).count();
    lines.push(format!(
        "| 50 passphrase logins ({ok} in, {busy} busy, {:.1} s) | 50 | – | – | – | – | {} | {} | {peak} |",
        started.elapsed().as_secs_f64(),
        percentiles(&probes),
        probes.failures
    ));
    Ok(lines.join("\n"))
}

/// Runs `work` while probing the home page every 100 ms from 127.0.0.2 and sampling the
/// server's memory.
async fn with_probe<T>(
    addr: SocketAddr,
    pid: u32,
    work: impl std::future::Future<Output = T>,
) -> (T, Probes, u64) {
    let probes = Arc::new(Mutex::new(Probes::default()));
    let peak = Arc::new(Mutex::new(0_u64));
    let prober = {
        let (probes, peak) = (Arc::clone(&probes), Arc::clone(&peak));
        tokio::spawn(async move {
            loop {
                let started = Instant::now();
                let answered = tokio::time::timeout(Duration::from_secs(2), probe(addr)).await;
                let took = started.elapsed().as_secs_f64() * 1e3;
                record(&probes, &peak, answered.is_ok_and(|a| a.is_ok()), took, pid);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = work.await;
    prober.abort();
    let probes = std::mem::take(&mut *probes.lock().unwrap_or_else(|e| e.into_inner()));
    let peak = *peak.lock().unwrap_or_else(|e| e.into_inner());
    (result, probes, peak)
}

/// Notes one probe and the server's memory now (no lock is held across an await).
fn record(probes: &Mutex<Probes>, peak: &Mutex<u64>, ok: bool, took_ms: f64, pid: u32) {
    {
        let mut probes = probes.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            probes.latencies_ms.push(took_ms);
        } else {
            probes.failures += 1;
        }
    }
    let rss = total_rss_kib(&[pid]);
    let mut peak = peak.lock().unwrap_or_else(|e| e.into_inner());
    *peak = (*peak).max(rss);
}

/// One `GET /` from another loopback address (the per-address cap must not count it with the
/// abuser), read up to the status line.
async fn probe(addr: SocketAddr) -> Result<(), String> {
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(
            "127.0.0.2:0"
                .parse()
                .map_err(|e: std::net::AddrParseError| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    let mut stream = socket.connect(addr).await.map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = [0_u8; 16];
    let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
    if buf[..n].starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&buf[..n]).into_owned())
    }
}

/// Open sockets of process `pid` (not files: the database pool opens a few more of those
/// under load and keeps them, which says nothing about connections).
fn open_sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| {
        dir.filter_map(Result::ok)
            .filter(|entry| {
                std::fs::read_link(entry.path())
                    .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
            })
            .count()
    })
}

/// Opens `count` connections at once, each sending `request(i)` and then never reading, and
/// keeps them open; waits (at most [`CLOSE_WAIT`]) until the server has let go of them, judged
/// by its open sockets.
async fn hold_many(
    addr: SocketAddr,
    pid: u32,
    count: usize,
    request: impl Fn(usize) -> Vec<u8>,
) -> (Vec<Outcome>, Drain) {
    let baseline = open_sockets(pid);
    let mut opening = JoinSet::new();
    for i in 0..count {
        let bytes = request(i);
        opening.spawn(async move { hold(addr, bytes).await });
    }
    let mut outcomes = Vec::with_capacity(count);
    let mut connections = Vec::with_capacity(count);
    while let Some(done) = opening.join_next().await {
        match done {
            Ok((outcome, stream)) => {
                outcomes.push(outcome);
                connections.extend(stream);
            }
            Err(_) => outcomes.push(Outcome::Failed),
        }
    }
    let started = Instant::now();
    let mut peak_sockets = open_sockets(pid);
    let mut released_after = None;
    while started.elapsed() < CLOSE_WAIT {
        let fds = open_sockets(pid);
        peak_sockets = peak_sockets.max(fds);
        if fds <= baseline + 8 {
            released_after = Some(started.elapsed().as_secs_f64());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(connections);
    (
        outcomes,
        Drain {
            peak_sockets,
            released_after,
        },
    )
}

/// Connects, sends `request`, reads only the first bytes (a refusal, or the start of an
/// answer), then stops reading; returns the still-open connection unless it was turned away.
async fn hold(addr: SocketAddr, request: Vec<u8>) -> (Outcome, Option<TcpStream>) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return (Outcome::Failed, None);
    };
    if stream.write_all(&request).await.is_err() {
        return (Outcome::Failed, None);
    }
    let mut first = [0_u8; 12];
    match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut first)).await {
        Ok(Ok(n)) if first[..n].starts_with(b"HTTP/1.1 503") => (Outcome::TurnedAway, None),
        _ => (Outcome::Held, Some(stream)),
    }
}

/// Sends long messages to the room, so stalled streams fill their buffers.
async fn flood(http: reqwest::Client, base: String, key: String, cookie: String) {
    let content = "x".repeat(2000);
    let mut refused = 0_u64;
    loop {
        let sent = http
            .post(format!("{base}/api/send_message"))
            .header("accept", "application/json")
            .header("cookie", &cookie)
            .form(&[("hash_key", key.as_str()), ("content", content.as_str())])
            .send()
            .await;
        if !sent.is_ok_and(|res| res.status().is_success()) {
            refused += 1;
            if refused == 1 {
                eprintln!("  (a flood message was not stored; the phase may not fill buffers)");
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn percentiles(probes: &Probes) -> String {
    let mut sorted = probes.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    };
    format!("{:.1} / {:.1} / {:.1}", at(0.5), at(0.99), at(1.0))
}

fn row(phase: &str, outcomes: &[Outcome], drain: &Drain, probes: &Probes, peak: u64) -> String {
    let counted = |wanted: Outcome| outcomes.iter().filter(|o| **o == wanted).count();
    let released = drain.released_after.map_or_else(
        || format!("not within {} s", CLOSE_WAIT.as_secs()),
        |s| format!("{s:.1} s"),
    );
    format!(
        "| {phase} | {} | {} | {} | {} | {released} | {} | {} | {peak} |",
        outcomes.len(),
        counted(Outcome::TurnedAway),
        counted(Outcome::Held),
        drain.peak_sockets,
        percentiles(probes),
        probes.failures
    )
}
