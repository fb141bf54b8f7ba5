//! Load generator for the chat server: opens N live (SSE) clients across R rooms, sends M
//! messages per second with the send time inside each message, and prints one table: delivery
//! rate, send-to-receive latency percentiles, server memory, errors, lost and duplicated messages.
//!
//! `cargo run --release -p loadgen -- --help` lists the options; the README has examples.

mod abuse;
mod args;
mod chaos;
mod history;
mod report;
mod server;
mod setup;
mod sse;

use args::Args;
use report::{Report, Tally};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}\n\n{}", args::USAGE);
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(count) = args.abuse {
        return finish(run_abuse(&args, count).await.map(|table| (table, true)));
    }
    if let Some(cycles) = args.chaos {
        server::raise_fd_limit();
        return finish(chaos::run(&args, cycles).await);
    }
    if let Some(big) = args.history {
        return finish(run_history(&args, big).await.map(|table| (table, true)));
    }
    finish(run(args).await.map(|report| {
        let passed = report.lost == 0 && report.duplicated == 0 && report.errors == 0;
        (report.to_string(), passed)
    }))
}

/// Prints a run's table (or why it could not run); the exit status says whether it passed.
fn finish(outcome: Result<(String, bool), String>) -> std::process::ExitCode {
    match outcome {
        Ok((table, passed)) => {
            println!("{table}");
            if passed {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("loadgen: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The `--abuse` run against a server it starts.
async fn run_abuse(args: &Args, count: usize) -> Result<String, String> {
    server::raise_fd_limit();
    let bin = args
        .server_bin
        .as_deref()
        .ok_or("--abuse needs --server-bin PATH (it starts the server under ulimit -n 1024)")?;
    let spawned =
        server::Spawned::start_as(bin, args.database_url.as_deref(), server::Profile::Abuse)
            .await?;
    abuse::run(&spawned.base, spawned.pid, count).await
}

/// The `--history` benchmark against a started or given server.
async fn run_history(args: &Args, big: usize) -> Result<String, String> {
    let spawned = match (&args.server_bin, args.targets.first()) {
        (_, Some(_)) => None,
        (Some(bin), None) => Some(server::Spawned::start(bin, args.database_url.as_deref()).await?),
        (None, None) => return Err("give --target URL or --server-bin PATH".into()),
    };
    let base = spawned
        .as_ref()
        .map(|s| s.base.clone())
        .or_else(|| args.targets.first().cloned())
        .unwrap_or_default();
    history::run(&base, big).await
}

async fn run(args: Args) -> Result<Report, String> {
    server::raise_fd_limit();
    // Either start our own release server(s), or use the given address(es).
    let mut spawned = Vec::new();
    let targets = if args.targets.is_empty() {
        let bin = args
            .server_bin
            .clone()
            .ok_or("give --target URL or --server-bin PATH")?;
        for _ in 0..args.instances {
            spawned.push(server::Spawned::start(&bin, args.database_url.as_deref()).await?);
        }
        spawned.iter().map(|s| s.base.clone()).collect()
    } else {
        args.targets.clone()
    };
    let pids: Vec<u32> = if spawned.is_empty() {
        args.server_pids.clone()
    } else {
        spawned.iter().map(|s| s.pid).collect()
    };

    eprintln!(
        "setting up {} rooms and {} sessions…",
        args.rooms, args.clients
    );
    let world = setup::World::create(&targets, args.rooms, args.clients).await?;
    let rss_before = server::total_rss_kib(&pids);

    eprintln!("opening {} live connections…", args.clients);
    let tally = Arc::new(Tally::default());
    let connected = Arc::new(AtomicU64::new(0));
    let mut listeners = Vec::with_capacity(args.clients);
    let split_heads = args.split_heads;
    for client in &world.clients {
        let client = client.clone();
        let tally = Arc::clone(&tally);
        let connected = Arc::clone(&connected);
        listeners.push(tokio::spawn(async move {
            sse::listen(client, tally, connected, split_heads).await
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::Relaxed) < args.clients as u64 {
        if Instant::now() > deadline {
            // Stop the clients before the server they use is stopped, so they do not report
            // its end as errors of their own.
            for listener in &listeners {
                listener.abort();
            }
            return Err(format!(
                "only {} of {} clients connected within 60 s",
                connected.load(Ordering::Relaxed),
                args.clients
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let presence settle before measuring memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected = server::total_rss_kib(&pids);

    eprintln!(
        "sending {} changes/s for {} s (new/reactions/edits/deletions: {})…",
        args.rate,
        args.duration.as_secs(),
        args.mix
    );
    let started = Instant::now();
    let sent = setup::send_at_rate(&world, args.rate, args.duration, args.mix, &tally).await;
    let send_elapsed = started.elapsed();
    // Wait for the last deliveries.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = server::total_rss_kib(&pids);
    for listener in &listeners {
        listener.abort();
    }

    Ok(Report::build(report::Inputs {
        clients: args.clients,
        rooms: args.rooms,
        instances: targets.len(),
        mix: args.mix,
        sent: &sent,
        world: &world,
        tally: &tally,
        elapsed: send_elapsed,
        rss_before,
        rss_connected,
        rss_after,
    }))
}
