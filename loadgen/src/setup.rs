//! Rooms, sessions and the sending side.

use crate::report::Tally;
use domain::HashKey;
use std::sync::Arc;
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
    senders: Vec<Client>,
    http: reqwest::Client,
}

/// A message the server acknowledged.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// Its room.
    pub room: usize,
    /// Its id.
    pub id: i64,
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

/// Sends `rate` messages per second for `duration`, round-robin over the rooms; each message
/// carries its send time. Returns the acknowledged messages.
pub async fn send_at_rate(
    world: &World,
    rate: u64,
    duration: Duration,
    tally: &Arc<Tally>,
) -> Vec<Sent> {
    if rate == 0 {
        tokio::time::sleep(duration).await;
        return Vec::new();
    }
    let total = rate * duration.as_secs();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut running = JoinSet::new();
    let mut acknowledged = Vec::with_capacity(total as usize);
    for seq in 0..total {
        ticker.tick().await;
        let sender = &world.senders[seq as usize % world.senders.len()];
        let (http, url, key, cookie, room) = (
            world.http.clone(),
            format!("{}/api/send_message", sender.base),
            sender.key.clone(),
            sender.cookie.clone(),
            sender.room,
        );
        let tally = Arc::clone(tally);
        running.spawn(async move {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let content = format!("lg {nanos} {seq}");
            let res = http
                .post(url)
                .header("accept", "application/json")
                .header("cookie", cookie)
                .form(&[("hash_key", key.to_string()), ("content", content)])
                .send()
                .await;
            match res {
                Ok(res) if res.status().is_success() => match res.json::<serde_json::Value>().await
                {
                    Ok(json) => json["id"].as_i64().map(|id| Sent { room, id }),
                    Err(_) => None,
                },
                _ => None,
            }
            .or_else(|| {
                tally.error();
                None
            })
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
