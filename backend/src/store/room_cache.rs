//! Per room, something read from the database (its roles and bans, its latest messages), kept
//! in memory for as long as the room's row says it is still right.
//!
//! Every request that enters a room reads the room's row anyway (on a lone instance from the
//! [`room_mirror`](super::room_mirror), which is exact for this process's changes). The row
//! carries `last_seq`
//! (bumped with every change to a message) and `version` (bumped with every change to roles,
//! bans or messages that `last_seq` does not count), each in the transaction of the change,
//! whichever instance made it. A kept copy is used only if the row read by this request has
//! the same [`Stamp`] as when the copy was loaded; data loaded after reading the row is at
//! least as new as the row, so a copy is never older than its stamp.

use domain::{ChatId, Seq};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What a room's row says about the state of everything kept per room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The room's change-feed position (`chat.last_seq`).
    pub last_seq: Seq,
    /// `chat.version`.
    pub version: i64,
}

/// Both numbers only grow, so of two stamps of one room, one is at least as new as the other.
impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        match (
            self.last_seq.cmp(&other.last_seq),
            self.version.cmp(&other.version),
        ) {
            (a, b) if a == b => Some(a),
            (std::cmp::Ordering::Equal, b) => Some(b),
            (a, std::cmp::Ordering::Equal) => Some(a),
            _ => None,
        }
    }
}

/// Roughly how many bytes a kept copy holds: what a cache's budget counts.
pub trait Weight {
    /// The copy's size in bytes, roughly.
    fn weight(&self) -> usize;
}

/// One kind of per-room copy, `T`, within a budget of bytes, valid at a stamp of kind `S`: a
/// whole [`Stamp`], or only the part `T` depends on (roles and bans do not change with
/// messages).
#[derive(Debug)]
pub struct RoomCache<T, S = Stamp> {
    kept: Mutex<Kept<T, S>>,
    budget: usize,
}

#[derive(Debug)]
struct Kept<T, S> {
    by_room: HashMap<ChatId, (S, Arc<T>)>,
    bytes: usize,
}

impl<T: Weight, S: Copy + PartialOrd> RoomCache<T, S> {
    /// An empty cache holding at most `budget` bytes of copies (past it, it starts over: the
    /// rooms in use fill it again).
    pub fn new(budget: usize) -> Self {
        Self {
            kept: Mutex::new(Kept {
                by_room: HashMap::new(),
                bytes: 0,
            }),
            budget,
        }
    }

    /// The copy kept for `chat_id` at `stamp`, or `load`'s answer, which is then kept.
    /// `stamp` must come from the room's row read before `load` runs.
    pub async fn get_or_load<E, F>(&self, chat_id: ChatId, stamp: S, load: F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some((kept_at, value)) = self.lock().by_room.get(&chat_id) {
            if *kept_at == stamp {
                return Ok(Arc::clone(value));
            }
        }
        let value = Arc::new(load.await?);
        let weight = value.weight();
        let mut kept = self.lock();
        // Two loads at different stamps may finish in either order; keep the newer.
        let newer = kept
            .by_room
            .get(&chat_id)
            .is_none_or(|(kept_at, _)| stamp >= *kept_at);
        if !newer || weight > self.budget {
            return Ok(value);
        }
        if let Some((_, old)) = kept.by_room.remove(&chat_id) {
            kept.bytes -= old.weight();
        }
        if kept.bytes + weight > self.budget {
            kept.by_room.clear();
            kept.bytes = 0;
        }
        kept.bytes += weight;
        kept.by_room.insert(chat_id, (stamp, Arc::clone(&value)));
        Ok(value)
    }

    /// Forgets `chat_id`'s copy (the room was deleted).
    pub fn forget(&self, chat_id: ChatId) {
        let mut kept = self.lock();
        if let Some((_, old)) = kept.by_room.remove(&chat_id) {
            kept.bytes -= old.weight();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept<T, S>> {
        // A poisoned lock only means a panic elsewhere; the map itself is intact.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weight for String {
        fn weight(&self) -> usize {
            self.len()
        }
    }

    fn stamp(last_seq: i64, version: i64) -> Stamp {
        Stamp {
            last_seq: Seq(last_seq),
            version,
        }
    }

    async fn load(cache: &RoomCache<String>, chat: i64, at: Stamp, value: &str) -> String {
        let value = value.to_owned();
        let got = cache
            .get_or_load(ChatId(chat), at, async move { Ok::<_, ()>(value) })
            .await
            .unwrap();
        (*got).clone()
    }

    #[tokio::test]
    async fn a_copy_serves_only_its_own_stamp() {
        let cache = RoomCache::new(1000);
        assert_eq!(load(&cache, 1, stamp(5, 0), "first").await, "first");
        assert_eq!(load(&cache, 1, stamp(5, 0), "not loaded").await, "first");
        // A new message or a new ban changes the stamp: loaded again.
        assert_eq!(load(&cache, 1, stamp(6, 0), "second").await, "second");
        assert_eq!(load(&cache, 1, stamp(6, 1), "third").await, "third");
        assert_eq!(
            load(&cache, 2, stamp(6, 1), "other room").await,
            "other room"
        );
        assert_eq!(load(&cache, 1, stamp(6, 1), "not loaded").await, "third");
    }

    #[tokio::test]
    async fn a_late_load_of_an_older_stamp_does_not_replace_a_newer_copy() {
        let cache = RoomCache::new(1000);
        load(&cache, 1, stamp(7, 2), "new").await;
        assert_eq!(load(&cache, 1, stamp(6, 2), "old").await, "old");
        assert_eq!(load(&cache, 1, stamp(7, 2), "not loaded").await, "new");
    }

    #[test]
    fn stamps_of_one_room_are_ordered_by_both_numbers() {
        assert!(stamp(7, 2) >= stamp(6, 2));
        assert!(stamp(7, 3) >= stamp(7, 2));
        assert!(stamp(7, 3) > stamp(6, 2));
        assert!(stamp(6, 2) < stamp(7, 2));
        assert!(stamp(7, 2) >= stamp(7, 2));
        // Never both grow apart, but if they did neither would count as newer.
        assert_eq!(stamp(7, 1).partial_cmp(&stamp(6, 2)), None);
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_the_budget_holds() {
        let cache: RoomCache<String> = RoomCache::new(10);
        let failed = cache
            .get_or_load(ChatId(1), stamp(1, 0), async {
                Err::<String, _>("db down")
            })
            .await;
        assert_eq!(failed.unwrap_err(), "db down");
        assert_eq!(load(&cache, 1, stamp(1, 0), "four").await, "four");
        assert_eq!(load(&cache, 2, stamp(1, 0), "five5").await, "five5");
        assert_eq!(cache.lock().bytes, 9);
        // Replacing a room's copy counts only the new one.
        load(&cache, 2, stamp(2, 0), "six666").await;
        assert_eq!(cache.lock().bytes, 10);
        // Past the budget it starts over.
        load(&cache, 3, stamp(1, 0), "x").await;
        assert_eq!(cache.lock().bytes, 1);
        assert_eq!(load(&cache, 1, stamp(1, 0), "anew").await, "anew");
        // A copy larger than the whole budget is served, not kept.
        let large = "far too large";
        assert_eq!(load(&cache, 4, stamp(1, 0), large).await, large);
        assert_eq!(load(&cache, 4, stamp(1, 0), "again").await, "again");
        cache.forget(ChatId(1));
        assert_eq!(cache.lock().bytes, 1 + "again".len());
    }
}
