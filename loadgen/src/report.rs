//! Counting deliveries and printing the result table.

use crate::args::Mix;
use crate::setup::{Sent, World};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One change received by one client.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    /// The change's position in the room's feed.
    pub seq: i64,
    /// When it arrived, in ns since the Unix epoch.
    pub received_nanos: u64,
    /// Seen at or below a position this client already had.
    pub duplicate: bool,
}

/// One client's deliveries.
type Log = Arc<Mutex<Vec<Delivery>>>;

/// Shared counters; each client writes to its own log (no contention).
#[derive(Default)]
pub struct Tally {
    logs: Mutex<Vec<(usize, Log)>>,
    errors: AtomicU64,
}

impl Tally {
    /// A new log for a client of room `room`.
    pub fn new_log(&self, room: usize) -> Log {
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Ok(mut logs) = self.logs.lock() {
            logs.push((room, Arc::clone(&log)));
        }
        log
    }

    /// Counts a failed send or a broken connection.
    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the report is computed from.
pub struct Inputs<'a> {
    pub clients: usize,
    pub rooms: usize,
    pub instances: usize,
    pub mix: Mix,
    pub sent: &'a [Sent],
    pub world: &'a World,
    pub tally: &'a Tally,
    pub elapsed: Duration,
    pub rss_before: u64,
    pub rss_connected: u64,
    pub rss_after: u64,
}

/// The numbers printed at the end.
pub struct Report {
    clients: usize,
    rooms: usize,
    instances: usize,
    offered_per_s: f64,
    mix: Mix,
    delivered_per_s: f64,
    deliveries: u64,
    expected: u64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    rss_connected: u64,
    rss_after: u64,
    rss_per_conn: f64,
    pub errors: u64,
    pub lost: u64,
    pub duplicated: u64,
}

impl Report {
    /// Merges the client logs and computes the table.
    pub fn build(input: Inputs<'_>) -> Self {
        let sent_at: HashMap<(usize, i64), u64> = input
            .sent
            .iter()
            .map(|s| ((s.room, s.seq), s.sent_nanos))
            .collect();
        let mut received: HashMap<(usize, i64), u64> = HashMap::new();
        let mut latencies = Vec::new();
        let mut duplicated = 0;
        let logs = input
            .tally
            .logs
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        for (room, log) in logs {
            if let Ok(log) = log.lock() {
                for d in log.iter() {
                    if d.duplicate {
                        duplicated += 1;
                        continue;
                    }
                    // Changes whose acknowledgement never came back have no send time.
                    let Some(sent) = sent_at.get(&(room, d.seq)) else {
                        continue;
                    };
                    *received.entry((room, d.seq)).or_default() += 1;
                    let latency_us = d.received_nanos.saturating_sub(*sent) / 1000;
                    latencies.push(u32::try_from(latency_us).unwrap_or(u32::MAX));
                }
            }
        }
        let mut expected = 0;
        let mut lost = 0;
        for s in input.sent {
            let want = input.world.per_room[s.room] as u64;
            expected += want;
            lost += want.saturating_sub(received.get(&(s.room, s.seq)).copied().unwrap_or(0));
        }
        latencies.sort_unstable();
        let pct = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            f64::from(latencies[i]) / 1000.0
        };
        let secs = input.elapsed.as_secs_f64().max(1e-9);
        let deliveries = latencies.len() as u64;
        Report {
            clients: input.clients,
            rooms: input.rooms,
            instances: input.instances,
            offered_per_s: input.sent.len() as f64 / secs,
            mix: input.mix,
            delivered_per_s: deliveries as f64 / secs,
            deliveries,
            expected,
            p50: pct(0.50),
            p95: pct(0.95),
            p99: pct(0.99),
            max: pct(1.0),
            rss_connected: input.rss_connected,
            rss_after: input.rss_after,
            rss_per_conn: input.rss_connected.saturating_sub(input.rss_before) as f64
                / input.clients.max(1) as f64,
            errors: input.tally.errors.load(Ordering::Relaxed),
            lost,
            duplicated,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| instances | connections | rooms | changes/s offered (mix) | acked→delivered (deliveries/s) | p50 ms | p95 ms | p99 ms | max ms | server RSS KiB (connected / end) | RSS/conn KiB | errors | lost | duplicated |")?;
        writeln!(
            f,
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        )?;
        write!(
            f,
            "| {} | {} | {} | {:.0} ({}) | {:.0} ({} of {} deliveries) | {:.2} | {:.2} | {:.2} | {:.2} | {} / {} | {:.2} | {} | {} | {} |",
            self.instances,
            self.clients,
            self.rooms,
            self.offered_per_s,
            self.mix,
            self.delivered_per_s,
            self.deliveries,
            self.expected,
            self.p50,
            self.p95,
            self.p99,
            self.max,
            self.rss_connected,
            self.rss_after,
            self.rss_per_conn,
            self.errors,
            self.lost,
            self.duplicated
        )
    }
}
