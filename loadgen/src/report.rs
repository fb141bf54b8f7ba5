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
    /// The message as it is after the change.
    pub id: i64,
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
    superseded: u64,
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
        // Each room's acknowledged changes by message, in feed order: (seq, sent at).
        let mut changes: HashMap<(usize, i64), Vec<(i64, u64)>> = HashMap::new();
        for s in input.sent {
            changes
                .entry((s.room, s.id))
                .or_default()
                .push((s.seq, s.sent_nanos));
        }
        for list in changes.values_mut() {
            list.sort_unstable();
        }
        let mut latencies = Vec::new();
        let (mut duplicated, mut superseded) = (0, 0);
        let logs = input
            .tally
            .logs
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        for (room, log) in logs {
            let Ok(log) = log.lock() else { continue };
            // A version of a message carries every earlier change of it: one that arrives at
            // seq 12 delivers the edit at seq 10 too if that was never sent on its own (several
            // instances read a changed row as it is when they read it).
            let mut seen: HashMap<i64, i64> = HashMap::new();
            for d in log.iter() {
                if d.duplicate {
                    duplicated += 1;
                    continue;
                }
                // Changes whose acknowledgement never came back are not counted.
                let Some(list) = changes.get(&(room, d.id)) else {
                    continue;
                };
                let after = seen.get(&d.id).copied().unwrap_or(0);
                for (seq, sent) in list.iter().filter(|(seq, _)| *seq > after && *seq <= d.seq) {
                    superseded += u64::from(*seq != d.seq);
                    let latency_us = d.received_nanos.saturating_sub(*sent) / 1000;
                    latencies.push(u32::try_from(latency_us).unwrap_or(u32::MAX));
                }
                seen.insert(d.id, after.max(d.seq));
            }
        }
        let expected: u64 = input
            .sent
            .iter()
            .map(|s| input.world.per_room[s.room] as u64)
            .sum();
        let lost = expected.saturating_sub(latencies.len() as u64);
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
            superseded,
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
            "| {} | {} | {} | {:.0} ({}) | {:.0} ({} of {} deliveries{}) | {:.2} | {:.2} | {:.2} | {:.2} | {} / {} | {:.2} | {} | {} | {} |",
            self.instances,
            self.clients,
            self.rooms,
            self.offered_per_s,
            self.mix,
            self.delivered_per_s,
            self.deliveries,
            self.expected,
            match self.superseded {
                0 => String::new(),
                n => format!(", {n} by a newer version"),
            },
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
