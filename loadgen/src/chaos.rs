//! The chaos run: steady load (live clients in every room, one sender per room sending at a
//! fixed rate), while the server is killed with SIGKILL at random moments and restarted. Senders
//! behave as the browser's outbox does (one message at a time, each with its client id, sent
//! again after any failure until acknowledged, to the other instance when there are two); live
//! clients reconnect as the browser does (resuming after the last position they got). At the end
//! the database is read back through the JSON API and compared with what was acknowledged and
//! with what every client saw.

use crate::args::Args;
use crate::server::Spawned;
use crate::setup::{self, Client, World};
use crate::sse::{dechunk, find, read_stream_head};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Longest a sender keeps trying one message before it gives up (and the run fails).
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// Longest wait for every client to have received every acknowledged message at the end.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(60);

/// One acknowledged message: its number among its room's sends, and what the server answered.
#[derive(Debug, Clone, Copy)]
struct Acked {
    n: u64,
    id: i64,
    chat_id: i64,
}

/// What one room's sender did.
#[derive(Debug, Default)]
struct SenderLog {
    acked: Vec<Acked>,
    /// Sends tried again after a failure.
    retries: u64,
    /// Messages refused for good, or given up on (each is a failure of the run).
    failed: Vec<String>,
}

/// What one live client saw.
#[derive(Debug)]
struct View {
    /// Message ids in the order they arrived.
    ids: Vec<i64>,
    /// The newest position received; -1 until the first connection opened.
    last_seq: i64,
    /// Message events at or below a position already received.
    duplicates: u64,
    reconnects: u64,
    resets: u64,
}

impl View {
    fn new() -> Self {
        View {
            ids: Vec::new(),
            last_seq: -1,
            duplicates: 0,
            reconnects: 0,
            resets: 0,
        }
    }
}

/// The chaos run against `args.instances` servers it starts; returns the table and whether
/// nothing was lost, doubled or out of order.
pub async fn run(args: &Args, cycles: usize) -> Result<(String, bool), String> {
    let bin = args
        .server_bin
        .as_deref()
        .ok_or("--chaos needs --server-bin PATH (it kills and restarts the server)")?;
    let mut servers = Vec::with_capacity(args.instances);
    for _ in 0..args.instances {
        servers.push(Spawned::start(bin, args.database_url.as_deref()).await?);
    }
    let bases: Arc<Vec<String>> = Arc::new(servers.iter().map(|s| s.base.clone()).collect());
    eprintln!(
        "chaos: {} rooms, {} sessions on {} instance(s)…",
        args.rooms,
        args.clients,
        bases.len()
    );
    let world = World::create(&bases, args.rooms, args.clients).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();

    // Live clients first, so each sees its room from the first message on.
    let (stop_tx, stop) = watch::channel(false);
    let views: Vec<Arc<Mutex<View>>> = world
        .clients
        .iter()
        .map(|_| Arc::new(Mutex::new(View::new())))
        .collect();
    let mut listeners = Vec::with_capacity(views.len());
    for (client, view) in world.clients.iter().zip(&views) {
        let (client, view, bases, stop) = (
            client.clone(),
            Arc::clone(view),
            Arc::clone(&bases),
            stop.clone(),
        );
        listeners.push(tokio::spawn(listen(client, bases, view, stop)));
    }
    wait_for_connections(&views).await?;

    eprintln!(
        "chaos: sending {} messages/s; {cycles} kill -9 cycles…",
        args.rate
    );
    let per_room = Duration::from_secs_f64(args.rooms as f64 / args.rate.max(1) as f64);
    let mut senders = Vec::with_capacity(world.senders.len());
    for (r, sender) in world.senders.iter().enumerate() {
        let (sender, bases, http, stop) = (
            sender.clone(),
            Arc::clone(&bases),
            http.clone(),
            stop.clone(),
        );
        senders.push(tokio::spawn(async move {
            send_room(r, sender, bases, http, per_room, stop).await
        }));
    }

    let mut random = Random::seeded();
    for cycle in 1..=cycles {
        tokio::time::sleep(Duration::from_millis(300 + random.below(900))).await;
        let victim = random.below(servers.len() as u64) as usize;
        // One instance alone comes straight back; of two, one stays down for a while, so the
        // other carries everyone meanwhile.
        let down_for = if servers.len() > 1 {
            Duration::from_millis(200 + random.below(800))
        } else {
            Duration::from_millis(random.below(300))
        };
        servers[victim].kill_and_restart(down_for).await?;
        if cycle % 10 == 0 {
            eprintln!("chaos: {cycle}/{cycles} cycles");
        }
    }
    // Some load after the last restart too.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop_tx.send(true);
    let mut logs = Vec::with_capacity(senders.len());
    for sender in senders {
        logs.push(sender.await.map_err(|e| e.to_string())?);
    }
    let load_time = started.elapsed();

    let newest = wait_for_catch_up(&world, &views, &logs).await;
    for listener in &listeners {
        listener.abort();
    }
    let stored = read_back(&http, &bases, &world, &logs).await?;
    let client_rooms: Vec<usize> = world.clients.iter().map(|c| c.room).collect();
    let check = Check::of(&client_rooms, &logs, &views, &stored, newest.is_ok());
    let backend = match args.database_url.as_deref() {
        Some(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    };
    Ok((
        check.table(backend, bases.len(), cycles, args, load_time),
        check.passed(),
    ))
}

/// Waits until every client's first connection is open.
async fn wait_for_connections(views: &[Arc<Mutex<View>>]) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = views
            .iter()
            .filter(|v| v.lock().is_ok_and(|v| v.last_seq >= 0))
            .count();
        if ready == views.len() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "only {ready} of {} clients connected within 60 s",
                views.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One room's sender: a message every `every`, each sent until acknowledged (same client id
/// each time), in order, as the browser's outbox does.
async fn send_room(
    room: usize,
    sender: Client,
    bases: Arc<Vec<String>>,
    http: reqwest::Client,
    every: Duration,
    stop: watch::Receiver<bool>,
) -> SenderLog {
    let mut log = SenderLog::default();
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let home = bases.iter().position(|b| *b == sender.base).unwrap_or(0);
    for n in 0.. {
        ticker.tick().await;
        if *stop.borrow() {
            break;
        }
        let content = content_of(room, n);
        let client_id = format!("chaos-{room}-{n}");
        let (first_try, mut target, mut backoff) = (Instant::now(), home, 50);
        loop {
            match send_once(&http, &bases[target], &sender, &content, &client_id).await {
                Ok((id, chat_id)) => {
                    log.acked.push(Acked { n, id, chat_id });
                    break;
                }
                Err(Failure::Permanent(why)) => {
                    log.failed.push(format!("{content}: refused: {why}"));
                    break;
                }
                Err(Failure::Transient(why)) => {
                    if first_try.elapsed() > GIVE_UP_AFTER {
                        log.failed.push(format!("{content}: gave up: {why}"));
                        break;
                    }
                    log.retries += 1;
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                    backoff = (backoff * 2).min(1000);
                    target = (target + 1) % bases.len();
                }
            }
        }
    }
    log
}

/// Why a send did not go through.
enum Failure {
    /// Worth trying again (no answer, 5xx, 429).
    Transient(String),
    /// Refused for good.
    Permanent(String),
}

/// One try of one message; its id and chat on success.
async fn send_once(
    http: &reqwest::Client,
    base: &str,
    sender: &Client,
    content: &str,
    client_id: &str,
) -> Result<(i64, i64), Failure> {
    let res = http
        .post(format!("{base}/api/send_message"))
        .header("accept", "application/json")
        .header("cookie", &sender.cookie)
        .form(&[
            ("hash_key", sender.key.to_string().as_str()),
            ("content", content),
            ("client_id", client_id),
        ])
        .send()
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let status = res.status();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(Failure::Transient(format!("HTTP {status}")));
    }
    if !status.is_success() {
        return Err(Failure::Permanent(format!("HTTP {status}")));
    }
    let json = res
        .json::<serde_json::Value>()
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    match (json["id"].as_i64(), json["chat_id"].as_i64()) {
        (Some(id), Some(chat_id)) => Ok((id, chat_id)),
        _ => Err(Failure::Permanent(format!("unexpected answer {json}"))),
    }
}

fn content_of(room: usize, n: u64) -> String {
    format!("chaos r{room} n{n}")
}

/// One live client for the whole run: reconnects after every break (to the other instance
/// when there are two), resuming after the last position it got.
async fn listen(
    client: Client,
    bases: Arc<Vec<String>>,
    view: Arc<Mutex<View>>,
    stop: watch::Receiver<bool>,
) {
    let home = bases.iter().position(|b| *b == client.base).unwrap_or(0);
    let mut random = Random::seeded();
    let (mut target, mut backoff) = (home, 100);
    loop {
        let after = view.lock().map(|v| v.last_seq.max(0)).unwrap_or(0);
        let outcome = stream_once(&client, &bases[target], after, &view).await;
        if *stop.borrow() {
            return;
        }
        let wait = match outcome {
            // It was open: come back soon (as a browser does), spread out a little.
            Ok(()) => {
                backoff = 100;
                100 + random.below(200)
            }
            // Not up yet: back off, and try the other instance.
            Err(_) => {
                backoff = (backoff * 2).min(1000);
                target = (target + 1) % bases.len();
                backoff
            }
        };
        if let Ok(mut view) = view.lock() {
            view.reconnects += 1;
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// Reads one live connection until it ends: `Ok` once it was open, `Err` if it never opened.
async fn stream_once(
    client: &Client,
    base: &str,
    after: i64,
    view: &Mutex<View>,
) -> Result<(), String> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.map_err(|e| e.to_string())?;
    let request = format!(
        "GET {}?after={after} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n",
        client.key.events_path(),
        client.cookie
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 4096];
    let (mut raw, chunked) = read_stream_head(&mut stream).await?;
    if let Ok(mut view) = view.lock() {
        view.last_seq = view.last_seq.max(0);
    }
    let mut events = Vec::with_capacity(4096);
    loop {
        if chunked {
            // The last chunk (or garbage) ends this connection; the caller reconnects.
            if dechunk(&mut raw, &mut events).is_err() {
                return Ok(());
            }
        } else {
            events.append(&mut raw);
        }
        while let Some(end) = find(&events, b"\n\n") {
            record(&events[..end], view);
            events.drain(..end + 2);
        }
        match stream.read(&mut buf).await {
            Ok(n) if n > 0 => raw.extend_from_slice(&buf[..n]),
            _ => return Ok(()),
        }
    }
}

/// Notes one event block: a new message, a duplicate, or a reset.
fn record(block: &[u8], view: &Mutex<View>) {
    let Ok(text) = std::str::from_utf8(block) else {
        return;
    };
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name));
    let Ok(mut view) = view.lock() else { return };
    match field("event: ") {
        Some("message") => {
            let seq = field("id: ").and_then(|v| v.parse::<i64>().ok());
            let id = field("data: ")
                .and_then(|data| serde_json::from_str::<serde_json::Value>(data).ok())
                .and_then(|json| json["id"].as_i64());
            if let (Some(seq), Some(id)) = (seq, id) {
                if seq <= view.last_seq {
                    view.duplicates += 1;
                } else {
                    view.last_seq = seq;
                    view.ids.push(id);
                }
            }
        }
        Some("reset") => view.resets += 1,
        _ => {}
    }
}

/// Waits until every client has the newest acknowledged message of its room.
async fn wait_for_catch_up(
    world: &World,
    views: &[Arc<Mutex<View>>],
    logs: &[SenderLog],
) -> Result<(), String> {
    let newest: Vec<Option<i64>> = logs
        .iter()
        .map(|log| log.acked.iter().map(|a| a.id).max())
        .collect();
    let deadline = Instant::now() + CATCH_UP_LIMIT;
    loop {
        let behind = world
            .clients
            .iter()
            .zip(views)
            .filter(|(client, view)| {
                let Some(newest) = newest[client.room] else {
                    return false;
                };
                !view.lock().is_ok_and(|v| v.ids.contains(&newest))
            })
            .count();
        if behind == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{behind} clients still behind"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every room's stored messages, `(id, content)` oldest first, read through the JSON API.
async fn read_back(
    http: &reqwest::Client,
    bases: &[String],
    world: &World,
    logs: &[SenderLog],
) -> Result<Vec<Vec<(i64, String)>>, String> {
    let mut rooms = Vec::with_capacity(logs.len());
    for (sender, log) in world.senders.iter().zip(logs) {
        let Some(chat_id) = log.acked.first().map(|a| a.chat_id) else {
            rooms.push(Vec::new());
            continue;
        };
        // Opening the room's page is what lets a session read the room by id.
        http.get(format!("{}{}", bases[0], sender.key.room_path()))
            .header("cookie", &sender.cookie)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let mut stored = Vec::new();
        let mut after = 0;
        loop {
            let page = http
                .get(format!(
                    "{}/chats/{chat_id}/?after={after}&limit=200",
                    bases[0]
                ))
                .header("cookie", &sender.cookie)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json::<serde_json::Value>()
                .await
                .map_err(|e| e.to_string())?;
            if let Some(error) = page["error"].as_str() {
                return Err(format!("reading chat {chat_id} back: {error}"));
            }
            let messages = page["messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let id = message["id"].as_i64().ok_or("a message without an id")?;
                let content = message["content"].as_str().unwrap_or_default().to_owned();
                stored.push((id, content));
                after = id;
            }
        }
        rooms.push(stored);
    }
    Ok(rooms)
}

/// The verdict.
#[derive(Debug, Default)]
struct Check {
    acked: usize,
    retries: u64,
    failed: Vec<String>,
    stored: usize,
    lost: usize,
    duplicated: usize,
    never_acked: usize,
    out_of_order: usize,
    clients: usize,
    reconnects: u64,
    duplicate_deliveries: u64,
    resets: u64,
    views_differing: usize,
    caught_up: bool,
}

impl Check {
    /// Compares what was acknowledged (`logs`, by room) and what each client saw (`views`, whose
    /// rooms are `client_rooms`) with what is `stored` (by room).
    fn of(
        client_rooms: &[usize],
        logs: &[SenderLog],
        views: &[Arc<Mutex<View>>],
        stored: &[Vec<(i64, String)>],
        caught_up: bool,
    ) -> Self {
        let mut check = Check {
            clients: views.len(),
            caught_up,
            ..Check::default()
        };
        for (room, (log, stored)) in logs.iter().zip(stored).enumerate() {
            check.acked += log.acked.len();
            check.retries += log.retries;
            check.failed.extend(log.failed.iter().cloned());
            check.stored += stored.len();
            let mut copies: HashMap<&str, Vec<i64>> = HashMap::new();
            for (id, content) in stored {
                copies.entry(content.as_str()).or_default().push(*id);
            }
            check.duplicated += copies.values().map(|ids| ids.len() - 1).sum::<usize>();
            let mut previous = 0;
            for acked in &log.acked {
                let content = content_of(room, acked.n);
                match copies.get(content.as_str()) {
                    // Stored as acknowledged: same id, after the room's previous message.
                    Some(ids) if ids.contains(&acked.id) => {
                        if acked.id <= previous {
                            check.out_of_order += 1;
                        }
                        previous = acked.id;
                    }
                    _ => check.lost += 1,
                }
            }
            let acked: std::collections::HashSet<String> =
                log.acked.iter().map(|a| content_of(room, a.n)).collect();
            check.never_acked += copies.keys().filter(|c| !acked.contains(**c)).count();
        }
        for (room, view) in client_rooms.iter().zip(views) {
            let Ok(view) = view.lock() else { continue };
            check.reconnects += view.reconnects;
            check.duplicate_deliveries += view.duplicates;
            check.resets += view.resets;
            let expected: Vec<i64> = stored[*room].iter().map(|(id, _)| *id).collect();
            if view.ids != expected {
                check.views_differing += 1;
            }
        }
        check
    }

    fn passed(&self) -> bool {
        self.failed.is_empty()
            && self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.duplicate_deliveries == 0
            && self.views_differing == 0
            && self.caught_up
    }

    fn table(
        &self,
        backend: &str,
        instances: usize,
        cycles: usize,
        args: &Args,
        elapsed: Duration,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| database | instances | kill -9 cycles | live clients | offered msg/s | seconds | acked | retried sends | stored | lost | duplicated | out of order | stored, never acked | client reconnects | duplicate deliveries | resets | clients whose view differs from the database |"
        );
        let _ = writeln!(
            out,
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        let _ = writeln!(
            out,
            "| {backend} | {instances} | {cycles} | {} | {} | {:.0} | {} | {} | {} | **{}** | **{}** | {} | {} | {} | {} | {} | {} |",
            self.clients,
            args.rate,
            elapsed.as_secs_f64(),
            self.acked,
            self.retries,
            self.stored,
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.never_acked,
            self.reconnects,
            self.duplicate_deliveries,
            self.resets,
            self.views_differing,
        );
        if !self.caught_up {
            let _ = writeln!(out, "\nsome clients never caught up");
        }
        for failure in self.failed.iter().take(10) {
            let _ = writeln!(out, "\nfailed: {failure}");
        }
        out
    }
}

/// A small xorshift generator for the random moments (no need for a crate).
struct Random(u64);

impl Random {
    fn seeded() -> Self {
        Random(setup::now_nanos() | 1)
    }

    /// A number in `0..bound` (0 if `bound` is 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.checked_rem(bound).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(acked: &[(u64, i64)]) -> SenderLog {
        SenderLog {
            acked: acked
                .iter()
                .map(|&(n, id)| Acked { n, id, chat_id: 1 })
                .collect(),
            ..SenderLog::default()
        }
    }

    fn stored(rows: &[(i64, u64)]) -> Vec<(i64, String)> {
        rows.iter().map(|&(id, n)| (id, content_of(0, n))).collect()
    }

    fn saw(ids: &[i64]) -> Arc<Mutex<View>> {
        let mut view = View::new();
        view.ids = ids.to_vec();
        Arc::new(Mutex::new(view))
    }

    #[test]
    fn the_verdict_catches_loss_doubles_disorder_and_wrong_views() {
        let acked = [log(&[(0, 10), (1, 11), (2, 12)])];
        let good = Check::of(
            &[0],
            &acked,
            &[saw(&[10, 11, 12])],
            &[stored(&[(10, 0), (11, 1), (12, 2)])],
            true,
        );
        assert!(good.passed(), "{good:?}");

        let lost = Check::of(
            &[0],
            &acked,
            &[saw(&[10, 12])],
            &[stored(&[(10, 0), (12, 2)])],
            true,
        );
        assert_eq!((lost.lost, lost.passed()), (1, false));

        let doubled = Check::of(
            &[0],
            &acked,
            &[saw(&[10, 11, 12, 13])],
            &[stored(&[(10, 0), (11, 1), (12, 2), (13, 2)])],
            true,
        );
        assert_eq!((doubled.duplicated, doubled.passed()), (1, false));

        let disorder = Check::of(
            &[0],
            &[log(&[(0, 11), (1, 10)])],
            &[saw(&[10, 11])],
            &[stored(&[(10, 1), (11, 0)])],
            true,
        );
        assert_eq!((disorder.out_of_order, disorder.passed()), (1, false));

        let missed = Check::of(
            &[0],
            &acked,
            &[saw(&[10, 12])],
            &[stored(&[(10, 0), (11, 1), (12, 2)])],
            true,
        );
        assert_eq!((missed.views_differing, missed.passed()), (1, false));
    }
}
