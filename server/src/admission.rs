//! How many connections the server holds: in total (below its open-file limit, so one client
//! cannot use up the descriptors every new visitor needs) and per client address. A connection
//! past either cap is answered 503 and closed at once.

use backend::rate_limit::Actor;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Descriptors kept free for the database pool, the listener, logs and files.
const RESERVED_FILES: usize = 64;

/// The caps, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, from everyone.
    pub total: usize,
    /// Connections open at once from one address (IPv6: one /64); `None` for no cap (behind a
    /// proxy every connection comes from the proxy, and load tests come from one address).
    pub per_address: Option<usize>,
}

impl ConnectionLimits {
    /// Connections one address may hold unless configured otherwise: plenty for a household
    /// or an office behind one address (each open room page holds one).
    pub const DEFAULT_PER_ADDRESS: usize = 256;

    /// The total cap for this process: its open-file limit, minus what the server needs for
    /// itself.
    pub fn total_from_file_limit() -> usize {
        open_file_limit()
            .saturating_sub(RESERVED_FILES)
            .max(RESERVED_FILES)
    }
}

/// The soft limit on open files (descriptors) of this process.
fn open_file_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if read {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        1024
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_address: HashMap<Actor, usize>,
}

/// Counts open connections and admits new ones within the caps.
#[derive(Debug, Clone)]
pub struct Admission {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds as many connections as it can.
    Full,
    /// This address holds as many as one address may.
    AddressFull,
}

impl Admission {
    /// An admission with these caps and nothing open.
    pub fn new(limits: ConnectionLimits) -> Self {
        Self {
            limits,
            counts: Arc::default(),
        }
    }

    /// Admits a connection from `addr`, or says why not; the ticket frees its place when
    /// dropped.
    pub fn admit(&self, addr: IpAddr) -> Result<Ticket, Refusal> {
        let actor = Actor::ip(addr);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.total >= self.limits.total {
            return Err(Refusal::Full);
        }
        let from_here = counts.by_address.get(&actor).copied().unwrap_or(0);
        if self.limits.per_address.is_some_and(|cap| from_here >= cap) {
            return Err(Refusal::AddressFull);
        }
        counts.total += 1;
        *counts.by_address.entry(actor.clone()).or_default() += 1;
        Ok(Ticket {
            counts: Arc::clone(&self.counts),
            actor,
        })
    }
}

/// A connection's place; freed when the connection ends.
#[derive(Debug)]
pub struct Ticket {
    counts: Arc<Mutex<Counts>>,
    actor: Actor,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.by_address.get_mut(&self.actor) {
            *n -= 1;
            if *n == 0 {
                counts.by_address.remove(&self.actor);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    #[test]
    fn caps_hold_per_address_and_in_total_and_places_come_back() {
        let admission = Admission::new(ConnectionLimits {
            total: 3,
            per_address: Some(2),
        });
        let a1 = admission.admit(ip(1)).unwrap();
        let _a2 = admission.admit(ip(1)).unwrap();
        assert_eq!(admission.admit(ip(1)).unwrap_err(), Refusal::AddressFull);
        let _b1 = admission.admit(ip(2)).unwrap();
        assert_eq!(admission.admit(ip(3)).unwrap_err(), Refusal::Full);
        drop(a1);
        assert!(admission.admit(ip(1)).is_ok());
        assert!(admission.counts.lock().unwrap().by_address.len() <= 2);
    }

    #[test]
    fn no_per_address_cap_when_none() {
        let admission = Admission::new(ConnectionLimits {
            total: 100,
            per_address: None,
        });
        let held: Vec<Ticket> = (0..50).map(|_| admission.admit(ip(1)).unwrap()).collect();
        assert_eq!(held.len(), 50);
    }

    #[test]
    fn the_total_follows_the_open_file_limit() {
        assert!(ConnectionLimits::total_from_file_limit() >= RESERVED_FILES);
    }
}
