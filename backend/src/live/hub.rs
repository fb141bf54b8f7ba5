//! The in-process fan-out hub: per-room broadcast channels carrying ready-to-send SSE frames,
//! and who is present in each room. A frame is serialised once per room, not once per listener.
//!
//! Presence counts the tabs open here and, when several instances share the database, whether
//! another instance reports the person too (set by the `cluster` transport, which does that
//! bookkeeping; the hub only hears "present elsewhere: yes/no"). Listeners hear `joined` and
//! `left` only when the person's presence as a whole changes.
//!
//! Locking: the hub has one lock, `rooms`. The [`PresenceObserver`] is called while it is held
//! (so changes reach it in the order they happened) and must not call back into the hub.

use super::frame::{encode_frame, Delivery, Frame};
use domain::live::LiveEvent;
use domain::model::ChatMessage;
use domain::ChatId;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::broadcast;

/// Frames a slow listener may fall behind before it must catch up from the database.
pub const DEFAULT_ROOM_BUFFER: usize = 1024;

/// Told when a person opens their first tab of a room here, or closes their last one.
pub trait PresenceObserver: Send + Sync + Debug {
    /// `username` is now (`true`) or no longer (`false`) in `chat_id` through this instance.
    /// Called with the hub's lock held: queue the news, do not call the hub.
    fn presence_changed(&self, chat_id: ChatId, username: &str, here: bool);
}

/// One person's presence in one room.
#[derive(Debug, Default)]
struct Presence {
    /// Live connections open here.
    tabs: usize,
    /// Whether another instance reports them in the room.
    elsewhere: bool,
}

impl Presence {
    fn online(&self) -> bool {
        self.tabs > 0 || self.elsewhere
    }
}

#[derive(Debug, Default)]
struct Room {
    /// The channel to this room's listeners here; only while there are some.
    tx: Option<broadcast::Sender<Delivery>>,
    /// Live connections open here.
    listeners: usize,
    /// Everyone present, here or elsewhere (nobody who is not).
    people: BTreeMap<String, Presence>,
}

impl Room {
    fn send(&self, event: &LiveEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Delivery::Frame(Arc::new(encode_frame(event))));
        }
    }

    fn is_unused(&self) -> bool {
        self.listeners == 0 && self.people.is_empty()
    }
}

/// Fan-out of live events to everyone listening in a room, within this process.
#[derive(Debug)]
pub struct Hub {
    rooms: Mutex<HashMap<ChatId, Room>>,
    observer: OnceLock<Arc<dyn PresenceObserver>>,
    room_buffer: usize,
}

impl Hub {
    /// A new, empty hub whose rooms buffer `room_buffer` frames for slow listeners.
    pub fn new(room_buffer: usize) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::default(),
            observer: OnceLock::new(),
            room_buffer: room_buffer.max(1),
        })
    }

    /// Tells `observer` about local presence changes from now on (set once, at start).
    pub fn observe_presence(&self, observer: Arc<dyn PresenceObserver>) {
        if self.observer.set(observer).is_err() {
            tracing::error!("a presence observer was already set; the new one is ignored");
        }
    }

    fn rooms(&self) -> MutexGuard<'_, HashMap<ChatId, Room>> {
        // A panic while holding this lock cannot leave the map half-updated in a harmful way.
        self.rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn observe(&self, chat_id: ChatId, username: &str, here: bool) {
        if let Some(observer) = self.observer.get() {
            observer.presence_changed(chat_id, username, here);
        }
    }

    /// Starts listening to `chat_id` as `username`; presence lasts as long as the subscription.
    pub fn subscribe(self: &Arc<Self>, chat_id: ChatId, username: &str) -> Subscription {
        let mut rooms = self.rooms();
        let room = rooms.entry(chat_id).or_default();
        let buffer = self.room_buffer;
        let rx = room
            .tx
            .get_or_insert_with(|| broadcast::channel(buffer).0)
            .subscribe();
        room.listeners += 1;
        let person = room.people.entry(username.to_owned()).or_default();
        let was_online = person.online();
        person.tabs += 1;
        if person.tabs == 1 {
            self.observe(chat_id, username, true);
        }
        // Only changes are broadcast (a full list per arrival would cost O(n²) in big rooms).
        if !was_online {
            room.send(&LiveEvent::Joined {
                username: username.to_owned(),
            });
        }
        drop(rooms);
        Subscription {
            rx,
            _presence: PresenceGuard {
                hub: Arc::clone(self),
                chat_id,
                username: username.to_owned(),
            },
        }
    }

    fn leave(&self, chat_id: ChatId, username: &str) {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(&chat_id) else {
            return;
        };
        room.listeners = room.listeners.saturating_sub(1);
        if let Some(person) = room.people.get_mut(username) {
            person.tabs = person.tabs.saturating_sub(1);
            if person.tabs == 0 {
                self.observe(chat_id, username, false);
                if !person.online() {
                    room.people.remove(username);
                    room.send(&LiveEvent::Left {
                        username: username.to_owned(),
                    });
                }
            }
        }
        if room.listeners == 0 {
            room.tx = None;
        }
        if room.is_unused() {
            rooms.remove(&chat_id);
        }
    }

    /// Another instance reports whether `username` is in `chat_id` there; listeners here hear
    /// of it only if that changes whether the person is online at all.
    pub fn set_present_elsewhere(&self, chat_id: ChatId, username: &str, present: bool) {
        let mut rooms = self.rooms();
        let room = match rooms.get_mut(&chat_id) {
            Some(room) => room,
            None if present => rooms.entry(chat_id).or_default(),
            None => return,
        };
        let person = room.people.entry(username.to_owned()).or_default();
        let was_online = person.online();
        person.elsewhere = present;
        let is_online = person.online();
        if !is_online {
            room.people.remove(username);
        }
        if was_online != is_online {
            let username = username.to_owned();
            room.send(&if is_online {
                LiveEvent::Joined { username }
            } else {
                LiveEvent::Left { username }
            });
        }
        if room.is_unused() {
            rooms.remove(&chat_id);
        }
    }

    /// Who has a tab open here, per chat (re-announced to instances that ask).
    pub fn local_presence(&self) -> Vec<(ChatId, String)> {
        self.rooms()
            .iter()
            .flat_map(|(chat_id, room)| {
                room.people
                    .iter()
                    .filter(|(_, person)| person.tabs > 0)
                    .map(|(name, _)| (*chat_id, name.clone()))
            })
            .collect()
    }

    /// Tells every listener that messages may have been missed: each re-reads the database
    /// from the last message it sent.
    pub fn resync_all(&self) {
        for room in self.rooms().values() {
            if let Some(tx) = &room.tx {
                let _ = tx.send(Delivery::Resync);
            }
        }
    }

    /// Whether anyone here listens to `chat_id`.
    pub fn has_listeners(&self, chat_id: ChatId) -> bool {
        self.rooms()
            .get(&chat_id)
            .is_some_and(|room| room.listeners > 0)
    }

    /// Delivers a stored message (new or changed) to everyone listening in its room.
    pub fn publish_message(&self, message: &ChatMessage) {
        self.publish(message.chat_id, || LiveEvent::Message(message.clone()));
    }

    /// Delivers a room event (its state, a removal, its deletion) to this instance's listeners.
    pub fn publish_event(&self, chat_id: ChatId, event: LiveEvent) {
        self.publish(chat_id, || event);
    }

    /// Tells this instance's listeners that `username` is typing.
    pub fn publish_typing(&self, chat_id: ChatId, username: &str) {
        self.publish(chat_id, || LiveEvent::Typing {
            username: username.to_owned(),
        });
    }

    /// Encodes the event only if someone listens, then sends it to all listeners at once.
    fn publish(&self, chat_id: ChatId, event: impl FnOnce() -> LiveEvent) {
        let tx = self.rooms().get(&chat_id).and_then(|room| room.tx.clone());
        if let Some(tx) = tx {
            let _ = tx.send(Delivery::Frame(Arc::new(encode_frame(&event()))));
        }
    }

    /// Usernames online in `chat_id` (here or on another instance), sorted.
    pub fn online(&self, chat_id: ChatId) -> Vec<String> {
        self.rooms()
            .get(&chat_id)
            .map(|room| room.people.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The current presence of `chat_id` as a frame (sent first to a new listener).
    pub fn presence_now(&self, chat_id: ChatId) -> Frame {
        encode_frame(&LiveEvent::Presence {
            chat_id,
            online: self.online(chat_id),
        })
    }
}

/// A live listener: the receiver of its room's deliveries, and its presence while it lives.
#[derive(Debug)]
pub struct Subscription {
    /// Deliveries published after the subscription started.
    pub rx: broadcast::Receiver<Delivery>,
    _presence: PresenceGuard,
}

#[derive(Debug)]
struct PresenceGuard {
    hub: Arc<Hub>,
    chat_id: ChatId,
    username: String,
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.hub.leave(self.chat_id, &self.username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{MessageId, Seq};

    const ROOM: ChatId = ChatId(7);

    fn message(id: i64) -> ChatMessage {
        ChatMessage {
            id: MessageId(id),
            chat_id: ROOM,
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            username: "alice".into(),
            content: "hi".into(),
            seq: Seq(id),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Default::default(),
        }
    }

    /// Records what the hub reports, as the cluster's announcer would queue it.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<(ChatId, String, bool)>>);

    impl PresenceObserver for Recorder {
        fn presence_changed(&self, chat_id: ChatId, username: &str, here: bool) {
            self.0
                .lock()
                .unwrap()
                .push((chat_id, username.to_owned(), here));
        }
    }

    fn next_frame(subscription: &mut Subscription) -> Option<Arc<Frame>> {
        match subscription.rx.try_recv() {
            Ok(Delivery::Frame(frame)) => Some(frame),
            _ => None,
        }
    }

    fn assert_next_event(subscription: &mut Subscription, start: &[u8]) {
        let frame = next_frame(subscription).expect("a frame");
        assert!(frame.bytes.starts_with(start), "{:?}", frame.bytes);
    }

    #[tokio::test]
    async fn presence_counts_tabs_once_and_follows_subscriptions() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let a1 = hub.subscribe(ROOM, "alice");
        let a2 = hub.subscribe(ROOM, "alice");
        let b = hub.subscribe(ROOM, "bob");
        assert_eq!(hub.online(ROOM), ["alice", "bob"]);
        drop(a1);
        assert_eq!(hub.online(ROOM), ["alice", "bob"]);
        drop(a2);
        assert_eq!(hub.online(ROOM), ["bob"]);
        drop(b);
        assert!(hub.online(ROOM).is_empty());
        assert!(hub.rooms().is_empty(), "empty rooms are dropped");
    }

    #[tokio::test]
    async fn presence_elsewhere_merges_and_local_changes_are_observed_in_order() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let recorder = Arc::new(Recorder::default());
        hub.observe_presence(recorder.clone());
        let mut alice = hub.subscribe(ROOM, "alice");
        assert_next_event(&mut alice, b"event: joined\n"); // her own arrival

        // Bob is in the room through another instance, then also here: one "joined" only.
        hub.set_present_elsewhere(ROOM, "bob", true);
        assert_next_event(&mut alice, b"event: joined\n");
        assert_eq!(hub.online(ROOM), ["alice", "bob"]);
        let bob_here = hub.subscribe(ROOM, "bob");
        assert!(next_frame(&mut alice).is_none(), "bob was online already");
        drop(bob_here);
        assert!(next_frame(&mut alice).is_none(), "bob is still elsewhere");
        assert_eq!(hub.online(ROOM), ["alice", "bob"]);
        assert_eq!(hub.local_presence(), [(ROOM, "alice".to_owned())]);

        // The other instance no longer has him: he leaves.
        hub.set_present_elsewhere(ROOM, "bob", false);
        assert_next_event(&mut alice, b"event: left\n");
        assert_eq!(hub.online(ROOM), ["alice"]);

        drop(alice);
        let seen = recorder.0.lock().unwrap().clone();
        let expected = [
            ("alice", true),
            ("bob", true),
            ("bob", false),
            ("alice", false),
        ]
        .map(|(name, here)| (ROOM, name.to_owned(), here));
        assert_eq!(seen, expected, "only local tabs are observed, in order");
    }

    #[tokio::test]
    async fn someone_present_only_elsewhere_keeps_no_channel() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        hub.set_present_elsewhere(ROOM, "bob", true);
        assert_eq!(hub.online(ROOM), ["bob"]);
        assert!(!hub.has_listeners(ROOM));
        assert!(hub.rooms()[&ROOM].tx.is_none());
        hub.set_present_elsewhere(ROOM, "bob", false);
        assert!(hub.rooms().is_empty());
        // Reported gone from a room never seen: nothing to do.
        hub.set_present_elsewhere(ChatId(99), "carol", false);
        assert!(hub.rooms().is_empty());
    }

    #[tokio::test]
    async fn listeners_get_messages_of_their_room_only_and_resync_is_not_a_frame() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let mut here = hub.subscribe(ROOM, "alice");
        let mut elsewhere = hub.subscribe(ChatId(8), "bob");
        hub.publish_message(&message(1));
        assert_next_event(&mut here, b"event: joined\n");
        assert_eq!(next_frame(&mut here).unwrap().seq, Some(Seq(1)));
        assert_next_event(&mut elsewhere, b"event: joined\n");
        assert!(elsewhere.rx.try_recv().is_err());
        hub.resync_all();
        assert!(matches!(here.rx.try_recv(), Ok(Delivery::Resync)));
        assert!(matches!(elsewhere.rx.try_recv(), Ok(Delivery::Resync)));
    }
}
