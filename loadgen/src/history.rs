//! `--history N`: how long a room page takes to open with 10 messages and with N messages.

use crate::setup::{login, post};
use domain::HashKey;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Page loads measured per room.
const LOADS: usize = 200;

/// Fills one room with 10 messages and one with `big`, then times server-rendered page loads.
pub async fn run(base: &str, big: usize) -> Result<String, String> {
    let http = reqwest::Client::new();
    let cookie = login(&http, base, "historian".into()).await?;
    let mut lines = vec![
        "| messages in room | page loads | p50 ms | p99 ms | max ms |".to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    for size in [10, big] {
        let key = post(
            &http,
            format!("{base}/api/create_room"),
            vec![("name", format!("history {size}"))],
        )
        .await?
        .json::<HashKey>()
        .await
        .map_err(|e| e.to_string())?;
        fill(&http, base, &key, &cookie, size).await?;
        let mut times = Vec::with_capacity(LOADS);
        for _ in 0..LOADS {
            let started = Instant::now();
            let res = http
                .get(format!("{base}{}", key.room_path()))
                .header("accept", "text/html")
                .header("cookie", &cookie)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let ok = res.status().is_success();
            let _ = res.bytes().await;
            if !ok {
                return Err("a room page did not load".into());
            }
            times.push(started.elapsed());
        }
        times.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        lines.push(format!(
            "| {size} | {LOADS} | {:.2} | {:.2} | {:.2} |",
            ms(times[LOADS / 2]),
            ms(times[LOADS * 99 / 100]),
            ms(times[LOADS - 1])
        ));
    }
    Ok(lines.join("\n"))
}

/// Sends `count` messages to the room, 64 at a time.
async fn fill(
    http: &reqwest::Client,
    base: &str,
    key: &HashKey,
    cookie: &str,
    count: usize,
) -> Result<(), String> {
    eprintln!("filling a room with {count} messages…");
    let mut running = JoinSet::new();
    for i in 0..count {
        if running.len() >= 64 {
            running
                .join_next()
                .await
                .ok_or("join")?
                .map_err(|e| e.to_string())??;
        }
        let (http, url, key, cookie) = (
            http.clone(),
            format!("{base}/api/send_message"),
            key.to_string(),
            cookie.to_owned(),
        );
        running.spawn(async move {
            let res = http
                .post(url)
                .header("accept", "application/json")
                .header("cookie", cookie)
                .form(&[
                    ("hash_key", key),
                    ("content", format!("history message {i}")),
                ])
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("send: HTTP {}", res.status()))
            }
        });
    }
    while let Some(done) = running.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(())
}
