//! Rooms' rows kept in memory on a lone instance, so that entering a room (every send, page and
//! live stream) does not wait for the database.
//!
//! With one instance every change to a room's row is made by this process: the message writer
//! moves `last_seq` (and tells the mirror the new position after its commit), and everything
//! else (moderation, an owner adopting the room) holds a [`Changing`] guard for as long as it
//! writes, during which no row is kept and after which every kept row is read again. A row read
//! while a change was under way is not kept. Changes made behind the server's back (another
//! process on the same SQLite file, the expiry sweep's version bumps) are seen once a kept row
//! is older than [`FRESH_FOR`]. With several instances (PostgreSQL) nothing is kept: rows are
//! read on every request, as their changes come from anywhere.

use super::rooms::Room;
use domain::{ChatId, HashKey, Seq};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a kept row is used before it is read again (what bounds how late a change made
/// outside this process is seen).
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// Most rows (and writer positions) kept; past it the mirror starts over (the rooms in use
/// fill it again).
const MAX_ROWS: usize = 10_000;

/// The rows of rooms entered recently (see the module's comment).
#[derive(Debug)]
pub struct RoomMirror {
    /// `None` when other instances may change rows.
    state: Option<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// Rows by their current share-link key, with when they were read.
    rows: HashMap<HashKey, (Room, Instant)>,
    /// The keys of the kept rows by room id.
    keys: HashMap<ChatId, HashKey>,
    /// Where the writer left each room's change feed (outlives the rows: it is not read from
    /// one, so a row read before a commit and kept after it still gets the new position).
    feed: HashMap<ChatId, Seq>,
    /// Bumped whenever changes start or end: a row read across a bump is not kept.
    epoch: u64,
    /// Changes under way.
    changing: usize,
}

impl State {
    /// The row kept for `key` with the writer's position, unless stale or a change is under way.
    fn fresh(&self, key: &HashKey) -> Option<Room> {
        if self.changing > 0 {
            return None;
        }
        let (room, read_at) = self.rows.get(key)?;
        if read_at.elapsed() >= FRESH_FOR {
            return None;
        }
        let mut room = room.clone();
        if let Some(&seq) = self.feed.get(&room.id) {
            room.stamp.last_seq = room.stamp.last_seq.max(seq);
        }
        Some(room)
    }

    /// Forgets every kept row (not the writer's positions).
    fn clear(&mut self) {
        self.rows.clear();
        self.keys.clear();
    }
}

/// A read of a room's row that may be kept: where the mirror stood when it started.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl RoomMirror {
    /// A mirror that keeps rows only for a `lone` instance.
    pub fn new(lone: bool) -> Self {
        Self {
            state: lone.then(|| Mutex::new(State::default())),
        }
    }

    fn lock(&self) -> Option<MutexGuard<'_, State>> {
        // A panic while holding the lock cannot leave the maps inconsistent for a reader.
        self.state.as_ref().map(|state| {
            state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
    }

    /// The kept row of the room whose current link is `key`, with the feed position the writer
    /// last committed; `None` if none is kept, it is stale, or a change is under way.
    pub fn room(&self, key: &HashKey) -> Option<Room> {
        self.lock()?.fresh(key)
    }

    /// The kept row of room `id`, as [`RoomMirror::room`] gives it.
    pub fn room_by_id(&self, id: ChatId) -> Option<Room> {
        let state = self.lock()?;
        let key = state.keys.get(&id)?;
        state.fresh(key)
    }

    /// Call before reading a row from the database; `None` if it could not be kept.
    pub fn ticket(&self) -> Option<Ticket> {
        let state = self.lock()?;
        (state.changing == 0).then_some(Ticket(state.epoch))
    }

    /// Keeps `room`, read from the database after `ticket` was taken, unless a change started
    /// or ended meanwhile.
    pub fn keep(&self, ticket: Ticket, room: &Room) {
        let Some(mut state) = self.lock() else { return };
        if state.changing > 0 || state.epoch != ticket.0 {
            return;
        }
        if state.rows.len() >= MAX_ROWS {
            state.clear();
        }
        state
            .rows
            .insert(room.hash_key.clone(), (room.clone(), Instant::now()));
        state.keys.insert(room.id, room.hash_key.clone());
    }

    /// The writer committed `chat_id`'s change feed up to `last_seq`.
    pub fn committed(&self, chat_id: ChatId, last_seq: Seq) {
        let Some(mut state) = self.lock() else { return };
        if state.feed.len() >= MAX_ROWS && !state.feed.contains_key(&chat_id) {
            // Kept rows may rely on the positions: they go too, and reads under way are not kept.
            state.feed.clear();
            state.clear();
            state.epoch += 1;
        }
        let seq = state.feed.entry(chat_id).or_insert(last_seq);
        *seq = (*seq).max(last_seq);
    }

    /// Marks a change to rooms' rows (or to what their `version` counts) as under way until the
    /// guard is dropped, after the change's commit.
    pub fn changing(&self) -> Changing<'_> {
        if let Some(mut state) = self.lock() {
            state.changing += 1;
            state.epoch += 1;
            state.clear();
        }
        Changing(self)
    }
}

/// A change under way (see [`RoomMirror::changing`]).
#[derive(Debug)]
pub struct Changing<'a>(&'a RoomMirror);

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        if let Some(mut state) = self.0.lock() {
            state.changing -= 1;
            state.epoch += 1;
            state.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::room_cache::Stamp;
    use domain::moderation::{Retention, SlowMode};

    /// What the kept row's stamp says.
    fn stamp_of(mirror: &RoomMirror, key: &HashKey) -> Option<Stamp> {
        mirror.room(key).map(|room| room.stamp)
    }

    fn room(id: i64, key: &str, last_seq: i64) -> Room {
        Room {
            id: ChatId(id),
            name: format!("room {id}"),
            hash_key: HashKey::parse(key).expect("a valid key"),
            locked: false,
            slow_mode: SlowMode::default(),
            retention: Retention::from_days(None),
            creator_browser: None,
            stamp: Stamp {
                last_seq: Seq(last_seq),
                version: 1,
            },
        }
    }

    const KEY: &str = "abcdefghijklmnop";

    #[test]
    fn a_kept_row_is_found_by_its_key_with_the_writers_position() {
        let mirror = RoomMirror::new(true);
        let key = HashKey::parse(KEY).unwrap();
        assert!(mirror.room(&key).is_none());
        let ticket = mirror.ticket().expect("nothing under way");
        mirror.keep(ticket, &room(7, KEY, 3));
        assert_eq!(mirror.room(&key), Some(room(7, KEY, 3)));
        assert_eq!(mirror.room_by_id(ChatId(7)), Some(room(7, KEY, 3)));
        assert_eq!(mirror.room_by_id(ChatId(8)), None);
        mirror.committed(ChatId(7), Seq(9));
        assert_eq!(stamp_of(&mirror, &key).map(|s| s.last_seq), Some(Seq(9)));
        // An older position (a late report) never moves it back.
        mirror.committed(ChatId(7), Seq(5));
        assert_eq!(stamp_of(&mirror, &key).map(|s| s.last_seq), Some(Seq(9)));
    }

    #[test]
    fn a_row_read_before_a_commit_and_kept_after_it_gets_the_new_position() {
        let mirror = RoomMirror::new(true);
        let key = HashKey::parse(KEY).unwrap();
        let ticket = mirror.ticket().unwrap();
        mirror.committed(ChatId(7), Seq(4));
        mirror.keep(ticket, &room(7, KEY, 3));
        assert_eq!(stamp_of(&mirror, &key).map(|s| s.last_seq), Some(Seq(4)));
    }

    #[test]
    fn nothing_is_kept_or_served_across_a_change() {
        let mirror = RoomMirror::new(true);
        let key = HashKey::parse(KEY).unwrap();
        mirror.keep(mirror.ticket().unwrap(), &room(7, KEY, 3));
        let before = mirror.ticket().unwrap();
        {
            let _changing = mirror.changing();
            assert!(mirror.room(&key).is_none(), "kept rows are dropped");
            assert!(mirror.room_by_id(ChatId(7)).is_none());
            assert!(
                mirror.ticket().is_none(),
                "reads during a change are not kept"
            );
            mirror.keep(before, &room(7, KEY, 3));
            assert!(mirror.room(&key).is_none());
        }
        // A read that started before the change ended is not kept after it either.
        mirror.keep(before, &room(7, KEY, 3));
        assert!(mirror.room(&key).is_none());
        let after = mirror.ticket().unwrap();
        mirror.keep(after, &room(7, KEY, 3));
        assert!(mirror.room(&key).is_some());
    }

    #[test]
    fn forgetting_the_writers_positions_forgets_the_rows_that_relied_on_them() {
        let mirror = RoomMirror::new(true);
        let key = HashKey::parse(KEY).unwrap();
        let ticket = mirror.ticket().unwrap();
        mirror.keep(ticket, &room(7, KEY, 3));
        mirror.committed(ChatId(7), Seq(4));
        let before = mirror.ticket().unwrap();
        for id in 100..100 + i64::try_from(MAX_ROWS).unwrap() {
            mirror.committed(ChatId(id), Seq(1));
        }
        assert!(mirror.room(&key).is_none());
        mirror.keep(before, &room(7, KEY, 3));
        assert!(
            mirror.room(&key).is_none(),
            "a read from before is not kept"
        );
    }

    #[test]
    fn a_shared_database_keeps_nothing() {
        let mirror = RoomMirror::new(false);
        assert!(mirror.ticket().is_none());
        mirror.committed(ChatId(7), Seq(4));
        let _changing = mirror.changing();
        assert!(mirror.room(&HashKey::parse(KEY).unwrap()).is_none());
    }
}
