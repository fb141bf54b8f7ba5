//! Rate limiting: a token bucket per (action, actor). Each request takes one token from every
//! bucket it touches; buckets refill at a steady rate up to their burst size. A request that
//! finds any bucket empty is refused before anything is stored, with the time until it would
//! pass. Buckets live in this process (with several instances each enforces its own share).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Logging in or changing name.
    Login,
    /// Trying a passphrase for a name someone else holds (guessing).
    PassphraseTry,
    /// Creating a chatroom.
    CreateRoom,
    /// Sending a message.
    Send,
    /// "is typing…" notices.
    Typing,
    /// Reading history: older messages while scrolling back, pages of the JSON API, exports.
    History,
    /// A moderation action (deleting, removing, banning, changing the room's settings).
    Moderate,
}

/// A client address as one client: IPv6 folded to its /64 prefix (one household or server),
/// IPv4-mapped IPv6 as the IPv4 address.
pub fn fold_address(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1_u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

/// Who is being limited.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A browser session (by id).
    Session(i32),
    /// A client address; IPv6 addresses count per /64 (one household or server).
    Ip(IpAddr),
    /// A claimed name (by key), for passphrase guesses from anywhere.
    Name(String),
}

impl Actor {
    /// The actor for a client address, with IPv6 folded to its /64 prefix.
    pub fn ip(addr: IpAddr) -> Self {
        Actor::Ip(fold_address(addr))
    }

    fn kind(&self) -> ActorKind {
        match self {
            Actor::Session(_) => ActorKind::Session,
            Actor::Ip(_) => ActorKind::Ip,
            Actor::Name(_) => ActorKind::Name,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ActorKind {
    Session,
    Ip,
    Name,
}

/// A bucket's shape: `burst` requests at once, then one every `every`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Requests allowed back to back.
    pub burst: u32,
    /// Time for one token to come back.
    pub every: Duration,
}

const fn rate(burst: u32, every_ms: u64) -> Rate {
    Rate {
        burst,
        every: Duration::from_millis(every_ms),
    }
}

/// The limits, stated once. Per-IP budgets are larger than per-session ones because many people
/// can share one address (an office, a school).
fn limit(action: Action, actor: ActorKind) -> Option<Rate> {
    use ActorKind::{Ip, Name, Session};
    match (action, actor) {
        (Action::Login, Ip) => Some(rate(30, 2_000)),
        (Action::Login, Session) => Some(rate(10, 6_000)),
        (Action::PassphraseTry, Name) => Some(rate(5, 60_000)),
        (Action::PassphraseTry, Ip) => Some(rate(10, 30_000)),
        (Action::CreateRoom, Session) => Some(rate(10, 10_000)),
        (Action::CreateRoom, Ip) => Some(rate(30, 2_000)),
        (Action::Send, Session) => Some(rate(20, 500)),
        (Action::Send, Ip) => Some(rate(100, 50)),
        (Action::Typing, Session) => Some(rate(10, 1_000)),
        (Action::History, Session) => Some(rate(60, 200)),
        (Action::History, Ip) => Some(rate(300, 20)),
        (Action::Moderate, Session) => Some(rate(30, 1_000)),
        (Action::Moderate, Ip) => Some(rate(100, 200)),
        _ => None,
    }
}

/// Why a request was refused: how long until it would pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    /// Whole seconds to wait (at least 1).
    pub retry_after_secs: u64,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn tokens_at(&self, rate: Rate, now: Instant) -> f64 {
        let refilled =
            now.saturating_duration_since(self.updated).as_secs_f64() / rate.every.as_secs_f64();
        (self.tokens + refilled).min(f64::from(rate.burst))
    }
}

/// Buckets kept before full (idle) ones are dropped.
const PRUNE_ABOVE: usize = 4096;

/// The limiter shared by every request of this process.
#[derive(Debug)]
pub struct RateLimiter {
    enabled: bool,
    buckets: Mutex<HashMap<(Action, Actor), Bucket>>,
}

impl RateLimiter {
    /// A limiter applying the limits above, or (`enabled = false`, for load tests) none.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `action` from each actor's bucket, or none if any is empty.
    pub fn check(&self, action: Action, actors: &[Actor]) -> Result<(), Limited> {
        self.check_at(action, actors, Instant::now())
    }

    fn check_at(&self, action: Action, actors: &[Actor], now: Instant) -> Result<(), Limited> {
        if !self.enabled {
            return Ok(());
        }
        let limited: Vec<(Actor, Rate)> = actors
            .iter()
            .filter_map(|actor| Some((actor.clone(), limit(action, actor.kind())?)))
            .collect();
        // A poisoned lock only means another request panicked mid-update: buckets are still sane.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for (actor, rate) in &limited {
            let tokens = buckets
                .get(&(action, actor.clone()))
                .map_or(f64::from(rate.burst), |b| b.tokens_at(*rate, now));
            if tokens < 1.0 {
                wait = wait.max(rate.every.mul_f64(1.0 - tokens));
            }
        }
        if !wait.is_zero() {
            return Err(Limited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            });
        }
        for (actor, rate) in limited {
            let bucket = buckets.entry((action, actor)).or_insert(Bucket {
                tokens: f64::from(rate.burst),
                updated: now,
            });
            bucket.tokens = bucket.tokens_at(rate, now) - 1.0;
            bucket.updated = now;
        }
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|(action, actor), bucket| {
                limit(*action, actor.kind())
                    .is_some_and(|rate| bucket.tokens_at(rate, now) < f64::from(rate.burst))
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn a_burst_passes_then_the_next_waits_for_a_token() {
        let limiter = RateLimiter::new(true);
        let start = Instant::now();
        let me = [Actor::Session(1)];
        for _ in 0..20 {
            assert_eq!(limiter.check_at(Action::Send, &me, start), Ok(()));
        }
        let refused = limiter.check_at(Action::Send, &me, start).unwrap_err();
        assert_eq!(refused.retry_after_secs, 1);
        // Another session is not affected; after one token's time the first may send again.
        assert_eq!(
            limiter.check_at(Action::Send, &[Actor::Session(2)], start),
            Ok(())
        );
        let later = start + Duration::from_millis(500);
        assert_eq!(limiter.check_at(Action::Send, &me, later), Ok(()));
        assert!(limiter.check_at(Action::Send, &me, later).is_err());
    }

    #[test]
    fn refusal_takes_no_token_from_any_bucket() {
        let limiter = RateLimiter::new(true);
        let now = Instant::now();
        let name = Actor::Name("alice".into());
        for i in 0..5 {
            let from = Actor::ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, i)));
            assert!(limiter
                .check_at(Action::PassphraseTry, &[name.clone(), from], now)
                .is_ok());
        }
        let fresh_ip = Actor::ip(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 1)));
        let refused = limiter
            .check_at(Action::PassphraseTry, &[name, fresh_ip.clone()], now)
            .unwrap_err();
        assert_eq!(refused.retry_after_secs, 60);
        // The refused try did not spend the fresh address's budget.
        for _ in 0..10 {
            assert!(limiter
                .check_at(Action::PassphraseTry, std::slice::from_ref(&fresh_ip), now)
                .is_ok());
        }
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        let a: Ipv6Addr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Actor::ip(a.into()), Actor::ip(b.into()));
        assert_ne!(Actor::ip(a.into()), Actor::ip(c.into()));
        let mapped: Ipv6Addr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            Actor::ip(mapped.into()),
            Actor::Ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)))
        );
    }

    #[test]
    fn disabled_limiter_lets_everything_through() {
        let limiter = RateLimiter::new(false);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(limiter
                .check_at(Action::Send, &[Actor::Session(1)], now)
                .is_ok());
        }
    }

    #[test]
    fn idle_buckets_are_pruned() {
        let limiter = RateLimiter::new(true);
        let start = Instant::now();
        for id in 0..=PRUNE_ABOVE as i32 {
            assert!(limiter
                .check_at(Action::Typing, &[Actor::Session(id)], start)
                .is_ok());
        }
        let later = start + Duration::from_secs(60);
        assert!(limiter
            .check_at(Action::Typing, &[Actor::Session(-1)], later)
            .is_ok());
        let kept = limiter.buckets.lock().unwrap().len();
        assert_eq!(kept, 1, "only the bucket just used is not full");
    }
}
