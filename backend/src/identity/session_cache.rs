//! Sessions recently found by their token, so most requests learn who is asking without asking
//! the database.
//!
//! An entry is used only while the session's last noted activity is younger than the touch
//! interval: after that the next request asks the database again (which notes the activity),
//! so an idle or lapsed session can never be served from here. Ending a session removes it
//! here at once, and on every other instance through the cluster's notice (sent in the
//! ending transaction). An instance that may have missed notices (its PostgreSQL listener is
//! down) does not use the cache, and empties it before using it again.

use super::sessions::Session;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Most sessions kept; past it the cache starts over (each then costs one query again).
const MAX_ENTRIES: usize = 100_000;

/// A session as the database had it, with the activity noted for it then.
#[derive(Debug, Clone)]
struct Cached {
    session: Session,
    active_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By the SHA-256 of the token (what the database stores), never by the token itself.
    by_digest: Mutex<HashMap<String, Cached>>,
    /// Bumped by every removal: an answer read from the database before a removal is not
    /// kept after it.
    generation: AtomicU64,
    /// Whether every session ended elsewhere is heard of (false while the listener is down).
    trusted: AtomicBool,
}

/// The cache: cheap to clone (one `Arc`).
#[derive(Debug, Clone, Default)]
pub struct SessionCache(Arc<Inner>);

/// What a lookup that missed must hand back to [`SessionCache::keep`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl SessionCache {
    /// A cache that is used from the start (one instance: every ending happens here).
    pub fn trusted() -> Self {
        let cache = Self::default();
        cache.0.trusted.store(true, Ordering::SeqCst);
        cache
    }

    /// The session kept for `digest` if its noted activity is younger than `fresh_for` at
    /// `now`; otherwise a ticket for keeping what the database says.
    pub fn get(
        &self,
        digest: &str,
        now: DateTime<Utc>,
        fresh_for: TimeDelta,
    ) -> Result<Session, Ticket> {
        let ticket = Ticket(self.0.generation.load(Ordering::SeqCst));
        if !self.0.trusted.load(Ordering::SeqCst) {
            return Err(ticket);
        }
        match self.lock().get(digest) {
            Some(cached) if now - cached.active_at < fresh_for => Ok(cached.session.clone()),
            _ => Err(ticket),
        }
    }

    /// Keeps `session` (whose activity was noted at `active_at`) unless something was removed
    /// since `ticket` was taken, or the cache is not trusted.
    pub fn keep(&self, ticket: Ticket, digest: String, session: Session, active_at: DateTime<Utc>) {
        let mut map = self.lock();
        // Checked under the lock: removals bump the generation under it too.
        if !self.0.trusted.load(Ordering::SeqCst)
            || self.0.generation.load(Ordering::SeqCst) != ticket.0
        {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(digest, Cached { session, active_at });
    }

    /// Forgets the session with this id (it ended).
    pub fn forget(&self, session_id: i32) {
        let mut map = self.lock();
        self.0.generation.fetch_add(1, Ordering::SeqCst);
        map.retain(|_, cached| cached.session.id != session_id);
    }

    /// Stops using the cache and empties it (endings elsewhere may go unheard).
    pub fn distrust(&self) {
        let mut map = self.lock();
        self.0.trusted.store(false, Ordering::SeqCst);
        self.0.generation.fetch_add(1, Ordering::SeqCst);
        map.clear();
    }

    /// Uses the cache again, empty (called once every ending elsewhere is heard of again).
    pub fn trust(&self) {
        let mut map = self.lock();
        self.0.generation.fetch_add(1, Ordering::SeqCst);
        map.clear();
        self.0.trusted.store(true, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A poisoned lock only means a panic elsewhere; the map itself is intact.
        self.0
            .by_digest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: TimeDelta = TimeDelta::minutes(5);

    fn session(id: i32) -> Session {
        Session {
            id,
            claim_id: id * 10,
            name: format!("user{id}"),
        }
    }

    #[test]
    fn keeps_what_the_database_said_while_it_is_fresh() {
        let cache = SessionCache::trusted();
        let now = Utc::now();
        let ticket = cache.get("d1", now, FRESH).unwrap_err();
        cache.keep(ticket, "d1".into(), session(1), now);
        assert_eq!(cache.get("d1", now, FRESH).unwrap(), session(1));
        // Past the touch interval the database is asked again (it notes the activity).
        assert!(cache.get("d1", now + FRESH, FRESH).is_err());
        assert!(cache.get("other", now, FRESH).is_err());
    }

    #[test]
    fn an_ended_session_is_gone_even_if_a_slow_lookup_read_it_before() {
        let cache = SessionCache::trusted();
        let now = Utc::now();
        let ticket = cache.get("d1", now, FRESH).unwrap_err();
        cache.keep(ticket, "d1".into(), session(1), now);
        // A lookup reads the session from the database, then it ends, then the lookup ends.
        let slow = cache.get("d2", now, FRESH).unwrap_err();
        cache.forget(1);
        cache.keep(slow, "d1".into(), session(1), now);
        assert!(cache.get("d1", now, FRESH).is_err());
        // Later lookups are kept again.
        let ticket = cache.get("d2", now, FRESH).unwrap_err();
        cache.keep(ticket, "d2".into(), session(2), now);
        assert_eq!(cache.get("d2", now, FRESH).unwrap(), session(2));
    }

    #[test]
    fn an_untrusted_cache_answers_nothing_and_keeps_nothing() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let ticket = cache.get("d1", now, FRESH).unwrap_err();
        cache.keep(ticket, "d1".into(), session(1), now);
        assert!(cache.get("d1", now, FRESH).is_err());
        cache.trust();
        let ticket = cache.get("d1", now, FRESH).unwrap_err();
        cache.keep(ticket, "d1".into(), session(1), now);
        assert!(cache.get("d1", now, FRESH).is_ok());
        cache.distrust();
        assert!(cache.get("d1", now, FRESH).is_err());
        cache.trust();
        assert!(
            cache.get("d1", now, FRESH).is_err(),
            "emptied when trusted again"
        );
    }
}
