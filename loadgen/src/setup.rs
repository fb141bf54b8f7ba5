//! Rooms, sessions and the sending side.

use crate::args::Mix;
use crate::report::Tally;
use domain::reactions::COMMON;
use domain::HashKey;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;

/// One live client: which instance, which room, which session.
#[derive(Debug, Clone)]
pub struct Client {
    /// `http://host:port` of its instance.
    pub base: String,
    /// Room index.
    pub room: usize,
    /// The room's hash key.
    pub key: HashKey,
    /// `chat_session=...`.
    pub cookie: String,
}

/// The rooms, their listeners, and one sender session per room.
pub struct World {
    /// Listener count per room.
    pub per_room: Vec<usize>,
    /// All listeners.
    pub clients: Vec<Client>,
    /// One sender session per room, in room order.
    pub senders: Vec<Client>,
    http: reqwest::Client,
}

/// A change the server acknowledged: the room's feed position it took and when it was sent.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// Its room.
    pub room: usize,
    /// The message it created or changed.
    pub id: i64,
    /// Its position in the room's change feed (the live stream's event id).
    pub seq: i64,
    /// When the request left, in ns since the Unix epoch.
    pub sent_nanos: u64,
}

/// Nanoseconds since the Unix epoch.
pub fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Post,
    React,
    Edit,
    Delete,
}

impl Op {
    /// The kind of change number `tick` under `mix`: a fixed permutation of each hundred ticks,
    /// so the kinds interleave instead of coming in runs.
    fn pick(mix: Mix, tick: u64) -> Self {
        let slot = u8::try_from(tick * 37 % 100).unwrap_or(0);
        let (p, r, e) = (
            mix.posts,
            mix.posts + mix.reactions,
            mix.posts + mix.reactions + mix.edits,
        );
        match slot {
            s if s < p => Op::Post,
            s if s < r => Op::React,
            s if s < e => Op::Edit,
            _ => Op::Delete,
        }
    }
}

/// POSTs a form as the hydrated app does; non-2xx is an error.
pub async fn post(
    http: &reqwest::Client,
    url: String,
    form: Vec<(&'static str, String)>,
) -> Result<reqwest::Response, String> {
    let res = http
        .post(url)
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().is_success() {
        Ok(res)
    } else {
        Err(format!("HTTP {}", res.status()))
    }
}

/// Logs in as `name` and returns the session cookie pair.
pub async fn login(http: &reqwest::Client, base: &str, name: String) -> Result<String, String> {
    let res = post(
        http,
        format!("{base}/api/login"),
        vec![("username", name), ("next", "/".into())],
    )
    .await?;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chat_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| "login set no cookie".to_owned())
}

impl World {
    /// Creates `rooms` rooms and `clients` sessions, spread over `targets` round-robin.
    pub async fn create(targets: &[String], rooms: usize, clients: usize) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| e.to_string())?;
        let mut keys = Vec::with_capacity(rooms);
        for r in 0..rooms {
            let base = &targets[r % targets.len()];
            let res = post(
                &http,
                format!("{base}/api/create_room"),
                vec![("name", format!("load room {r}"))],
            )
            .await?;
            keys.push(res.json::<HashKey>().await.map_err(|e| e.to_string())?);
        }
        let mut senders = Vec::with_capacity(rooms);
        for (r, key) in keys.iter().enumerate() {
            let base = targets[r % targets.len()].clone();
            let cookie = login(&http, &base, format!("sender{r}")).await?;
            senders.push(Client {
                base,
                room: r,
                key: key.clone(),
                cookie,
            });
        }
        // Logins in parallel, 64 at a time.
        let mut out = vec![None; clients];
        let mut next = 0;
        let mut running = JoinSet::new();
        while next < clients || !running.is_empty() {
            while next < clients && running.len() < 64 {
                let (http, base, i) = (http.clone(), targets[next % targets.len()].clone(), next);
                running.spawn(async move { (i, login(&http, &base, format!("u{i}")).await, base) });
                next += 1;
            }
            if let Some(done) = running.join_next().await {
                let (i, cookie, base) = done.map_err(|e| e.to_string())?;
                let room = i % rooms;
                out[i] = Some(Client {
                    base,
                    room,
                    key: keys[room].clone(),
                    cookie: cookie?,
                });
            }
        }
        let clients: Vec<Client> = out.into_iter().flatten().collect();
        let mut per_room = vec![0; rooms];
        for c in &clients {
            per_room[c.room] += 1;
        }
        Ok(World {
            per_room,
            clients,
            senders,
            http,
        })
    }
}

/// The sender's messages of each room that are still there, oldest first: what edits,
/// reactions (the newest) and deletions (the oldest) act on.
type Alive = Arc<Vec<Mutex<VecDeque<i64>>>>;

/// Sends `rate` changes per second for `duration`, round-robin over the rooms, of the kinds
/// `mix` asks for (a change that needs a message falls back to a new one while the room has too
/// few). Returns the acknowledged changes.
pub async fn send_at_rate(
    world: &World,
    rate: u64,
    duration: Duration,
    mix: Mix,
    tally: &Arc<Tally>,
) -> Vec<Sent> {
    if rate == 0 {
        tokio::time::sleep(duration).await;
        return Vec::new();
    }
    let total = rate * duration.as_secs();
    let alive: Alive = Arc::new(
        world
            .senders
            .iter()
            .map(|_| Mutex::new(VecDeque::new()))
            .collect(),
    );
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut running = JoinSet::new();
    let mut acknowledged = Vec::with_capacity(total as usize);
    for tick in 0..total {
        ticker.tick().await;
        let sender = world.senders[tick as usize % world.senders.len()].clone();
        let (http, tally, alive) = (world.http.clone(), Arc::clone(tally), Arc::clone(&alive));
        let op = Op::pick(mix, tick);
        running.spawn(async move {
            let sent = send_one(&http, &sender, op, tick, &alive).await;
            if sent.is_none() {
                tally.error();
            }
            sent
        });
        // Collect finished sends as we go so the set stays small.
        while let Some(done) = running.try_join_next() {
            acknowledged.extend(done.ok().flatten());
        }
    }
    while let Some(done) = running.join_next().await {
        acknowledged.extend(done.ok().flatten());
    }
    acknowledged
}

/// Sends one change of kind `op` (or a new message if the room has too few for it).
async fn send_one(
    http: &reqwest::Client,
    sender: &Client,
    op: Op,
    tick: u64,
    alive: &Alive,
) -> Option<Sent> {
    let mine = &alive[sender.room];
    // Deletions take the oldest, edits and reactions the newest: they never meet while the room
    // has two messages or more.
    let target = {
        let mut list = mine.lock().ok()?;
        match op {
            Op::Post => None,
            Op::Delete if list.len() >= 2 => list.pop_front().map(|id| (Op::Delete, id)),
            Op::React | Op::Edit if list.len() >= 2 => list.back().map(|id| (op, *id)),
            _ => None,
        }
    };
    let key = sender.key.to_string();
    let (endpoint, form) = match target {
        None => (
            "send_message",
            vec![("hash_key", key), ("content", format!("lg {tick}"))],
        ),
        Some((Op::React, id)) => (
            "react_to_message",
            vec![
                ("hash_key", key),
                ("message_id", id.to_string()),
                ("emoji", COMMON[tick as usize % COMMON.len()].to_owned()),
            ],
        ),
        Some((Op::Edit, id)) => (
            "edit_message",
            vec![
                ("hash_key", key),
                ("message_id", id.to_string()),
                ("content", format!("lg {tick} edited")),
            ],
        ),
        Some((_, id)) => (
            "delete_my_message",
            vec![("hash_key", key), ("message_id", id.to_string())],
        ),
    };
    let sent_nanos = now_nanos();
    let res = http
        .post(format!("{}/api/{endpoint}", sender.base))
        .header("accept", "application/json")
        .header("cookie", &sender.cookie)
        .form(&form)
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let json = res.json::<serde_json::Value>().await.ok()?;
    let (id, seq) = (json["id"].as_i64()?, json["seq"].as_i64()?);
    if target.is_none() {
        mine.lock().ok()?.push_back(id);
    }
    Some(Sent {
        room: sender.room,
        id,
        seq,
        sent_nanos,
    })
}
