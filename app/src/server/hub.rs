//! The in-process fan-out hub: per-room broadcast channels carrying ready-to-send SSE frames,
//! plus who is online in each room. A frame is serialised once per room, not once per listener.
//! With several instances (see `cluster`), the hub also reports its own presence changes and
//! typing to the other instances and merges theirs into what its listeners see.

use crate::model::{ChatMessage, LiveEvent};
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::{broadcast, mpsc};

/// Frames a slow listener may fall behind before it must catch up from the database.
pub const DEFAULT_ROOM_BUFFER: usize = 1024;

/// One event, already encoded as an SSE frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The message id for message frames (used to skip what a listener already sent).
    pub message_id: Option<i64>,
    /// The bytes to write to the stream.
    pub bytes: Bytes,
    /// Not an event: "messages may have been missed, re-read from the database".
    pub resync: bool,
}

/// Encodes `event` as one SSE frame; message frames carry their id as the event id.
pub fn encode_frame(event: &LiveEvent) -> Frame {
    let (name, id) = match event {
        LiveEvent::Message(m) => ("message", Some(m.id)),
        LiveEvent::Presence { .. } => ("presence", None),
        LiveEvent::Joined { .. } => ("joined", None),
        LiveEvent::Left { .. } => ("left", None),
        LiveEvent::Typing { .. } => ("typing", None),
    };
    // serde_json never writes a raw newline, so the data fits on one `data:` line.
    let json = serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned());
    let text = match id {
        Some(id) => format!("id: {id}\nevent: {name}\ndata: {json}\n\n"),
        None => format!("event: {name}\ndata: {json}\n\n"),
    };
    Frame {
        message_id: id,
        bytes: Bytes::from(text),
        resync: false,
    }
}

#[derive(Debug)]
struct Room {
    tx: broadcast::Sender<Arc<Frame>>,
    /// Username → open live connections here (several tabs count once).
    online: BTreeMap<String, usize>,
}

/// What this instance tells the other instances (only sent when some are listening).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    /// `username` opened a first live connection to `chat_id` here.
    Joined {
        /// The chat.
        chat_id: i32,
        /// Who.
        username: String,
    },
    /// `username` closed the last live connection to `chat_id` here.
    Left {
        /// The chat.
        chat_id: i32,
        /// Who.
        username: String,
    },
    /// `username` is typing in `chat_id`.
    Typing {
        /// The chat.
        chat_id: i32,
        /// Who.
        username: String,
    },
}

/// Who is online through other instances: chat → username → instances.
type RemotePresence = HashMap<i32, BTreeMap<String, BTreeSet<u64>>>;

/// Fan-out of live events to everyone listening in a room, within this process.
#[derive(Debug)]
pub struct Hub {
    rooms: Mutex<HashMap<i32, Room>>,
    remote: Mutex<RemotePresence>,
    outbox: OnceLock<mpsc::Sender<Announcement>>,
    room_buffer: usize,
}

impl Hub {
    /// A new, empty hub whose rooms buffer `room_buffer` frames for slow listeners.
    pub fn new(room_buffer: usize) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::default(),
            remote: Mutex::default(),
            outbox: OnceLock::new(),
            room_buffer: room_buffer.max(1),
        })
    }

    /// Sends this hub's presence changes and typing to `outbox` from now on (several instances).
    pub fn announce_to(&self, outbox: mpsc::Sender<Announcement>) {
        let _ = self.outbox.set(outbox);
    }

    fn announce(&self, announcement: Announcement) {
        if let Some(outbox) = self.outbox.get() {
            // Full only while the database is unreachable: presence is re-announced in full
            // after reconnecting, and a lost typing hint does not matter.
            if outbox.try_send(announcement).is_err() {
                tracing::debug!("announcement dropped: the other instances are unreachable");
            }
        }
    }

    fn remote(&self) -> MutexGuard<'_, RemotePresence> {
        self.remote
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `username` is online in `chat_id` through another instance.
    fn online_elsewhere(&self, chat_id: i32, username: &str) -> bool {
        self.remote()
            .get(&chat_id)
            .is_some_and(|users| users.contains_key(username))
    }

    fn rooms(&self) -> MutexGuard<'_, HashMap<i32, Room>> {
        // A panic while holding this lock cannot leave the map half-updated in a harmful way.
        self.rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts listening to `chat_id` as `username`; presence lasts as long as the subscription.
    pub fn subscribe(self: &Arc<Self>, chat_id: i32, username: &str) -> Subscription {
        let mut rooms = self.rooms();
        let room = rooms.entry(chat_id).or_insert_with(|| Room {
            tx: broadcast::channel(self.room_buffer).0,
            online: BTreeMap::new(),
        });
        let rx = room.tx.subscribe();
        let count = room.online.entry(username.to_owned()).or_insert(0);
        *count += 1;
        let first_here = *count == 1;
        // Only changes are broadcast (a full list per arrival would cost O(n²) in big rooms).
        if first_here && !self.online_elsewhere(chat_id, username) {
            let _ = room.tx.send(Arc::new(encode_frame(&LiveEvent::Joined {
                username: username.to_owned(),
            })));
        }
        drop(rooms);
        if first_here {
            self.announce(Announcement::Joined {
                chat_id,
                username: username.to_owned(),
            });
        }
        Subscription {
            rx,
            _presence: PresenceGuard {
                hub: Arc::clone(self),
                chat_id,
                username: username.to_owned(),
            },
        }
    }

    fn leave(&self, chat_id: i32, username: &str) {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(&chat_id) else {
            return;
        };
        let mut last_here = false;
        if let Some(count) = room.online.get_mut(username) {
            *count -= 1;
            if *count == 0 {
                room.online.remove(username);
                last_here = true;
                if !self.online_elsewhere(chat_id, username) {
                    let _ = room.tx.send(Arc::new(encode_frame(&LiveEvent::Left {
                        username: username.to_owned(),
                    })));
                }
            }
        }
        if room.online.is_empty() {
            rooms.remove(&chat_id);
        }
        drop(rooms);
        if last_here {
            self.announce(Announcement::Left {
                chat_id,
                username: username.to_owned(),
            });
        }
    }

    /// Another instance reports `username` online (`true`) or gone (`false`) in `chat_id`;
    /// local listeners hear of it only if that changes whether the user is online at all.
    pub fn remote_presence(&self, instance: u64, chat_id: i32, username: &str, online: bool) {
        let (was, is) = {
            let mut remote = self.remote();
            let users = remote.entry(chat_id).or_default();
            let was = users.contains_key(username);
            if online {
                users
                    .entry(username.to_owned())
                    .or_default()
                    .insert(instance);
            } else if let Some(instances) = users.get_mut(username) {
                instances.remove(&instance);
                if instances.is_empty() {
                    users.remove(username);
                }
            }
            let is = users.contains_key(username);
            if users.is_empty() {
                remote.remove(&chat_id);
            }
            (was, is)
        };
        if was == is || self.is_online_here(chat_id, username) {
            return;
        }
        let username = username.to_owned();
        self.publish(chat_id, || {
            if is {
                LiveEvent::Joined { username }
            } else {
                LiveEvent::Left { username }
            }
        });
    }

    /// Forgets everything another instance reported (it stopped or went silent).
    pub fn forget_instance(&self, instance: u64) {
        let gone: Vec<(i32, String)> = self
            .remote()
            .iter()
            .flat_map(|(chat_id, users)| {
                users
                    .iter()
                    .filter(|(_, instances)| instances.contains(&instance))
                    .map(|(username, _)| (*chat_id, username.clone()))
            })
            .collect();
        for (chat_id, username) in gone {
            self.remote_presence(instance, chat_id, &username, false);
        }
    }

    /// Who is online here, per chat (re-announced when another instance asks).
    pub fn local_presence(&self) -> Vec<(i32, String)> {
        self.rooms()
            .iter()
            .flat_map(|(chat_id, room)| room.online.keys().map(|name| (*chat_id, name.clone())))
            .collect()
    }

    fn is_online_here(&self, chat_id: i32, username: &str) -> bool {
        self.rooms()
            .get(&chat_id)
            .is_some_and(|room| room.online.contains_key(username))
    }

    /// Tells every listener that messages may have been missed (the cross-instance feed was
    /// interrupted): each re-reads the database from the last message it sent.
    pub fn resync_all(&self) {
        let frame = Arc::new(Frame {
            message_id: None,
            bytes: Bytes::new(),
            resync: true,
        });
        for room in self.rooms().values() {
            let _ = room.tx.send(Arc::clone(&frame));
        }
    }

    /// Whether anyone here listens to `chat_id`.
    pub fn has_listeners(&self, chat_id: i32) -> bool {
        self.rooms().contains_key(&chat_id)
    }

    /// Delivers a stored message to everyone listening in its room.
    pub fn publish_message(&self, message: &ChatMessage) {
        let Ok(chat_id) = i32::try_from(message.chat_id) else {
            return;
        };
        self.publish(chat_id, || LiveEvent::Message(message.clone()));
    }

    /// Tells the room (on every instance) that `username` is typing.
    pub fn publish_typing(&self, chat_id: i32, username: &str) {
        self.publish_remote_typing(chat_id, username);
        self.announce(Announcement::Typing {
            chat_id,
            username: username.to_owned(),
        });
    }

    /// Tells this instance's listeners that `username` is typing (reported by another one).
    pub fn publish_remote_typing(&self, chat_id: i32, username: &str) {
        self.publish(chat_id, || LiveEvent::Typing {
            username: username.to_owned(),
        });
    }

    /// Encodes the event only if someone listens, then sends it to all listeners at once.
    fn publish(&self, chat_id: i32, event: impl FnOnce() -> LiveEvent) {
        let tx = self.rooms().get(&chat_id).map(|room| room.tx.clone());
        if let Some(tx) = tx {
            let _ = tx.send(Arc::new(encode_frame(&event())));
        }
    }

    /// Usernames with at least one open live connection to `chat_id` on any instance, sorted.
    pub fn online(&self, chat_id: i32) -> Vec<String> {
        let mut online: BTreeSet<String> = self
            .rooms()
            .get(&chat_id)
            .map(|room| room.online.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(users) = self.remote().get(&chat_id) {
            online.extend(users.keys().cloned());
        }
        online.into_iter().collect()
    }

    /// The current presence of `chat_id` as a frame (sent first to a new listener).
    pub fn presence_now(&self, chat_id: i32) -> Frame {
        encode_frame(&LiveEvent::Presence {
            chat_id: i64::from(chat_id),
            online: self.online(chat_id),
        })
    }
}

/// A live listener: the receiver of its room's frames, and its presence while it lives.
#[derive(Debug)]
pub struct Subscription {
    /// Frames published after the subscription started.
    pub rx: broadcast::Receiver<Arc<Frame>>,
    _presence: PresenceGuard,
}

#[derive(Debug)]
struct PresenceGuard {
    hub: Arc<Hub>,
    chat_id: i32,
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

    fn message(id: i64) -> ChatMessage {
        ChatMessage {
            id,
            chat_id: 7,
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            username: "alice".into(),
            content: "line\nbreak".into(),
        }
    }

    #[test]
    fn message_frames_carry_the_id_and_one_data_line() {
        let frame = encode_frame(&LiveEvent::Message(message(42)));
        let text = std::str::from_utf8(&frame.bytes).unwrap();
        assert!(
            text.starts_with("id: 42\nevent: message\ndata: {"),
            "{text}"
        );
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "{text}");
        assert_eq!(frame.message_id, Some(42));
    }

    #[tokio::test]
    async fn presence_counts_tabs_once_and_follows_subscriptions() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let a1 = hub.subscribe(7, "alice");
        let a2 = hub.subscribe(7, "alice");
        let b = hub.subscribe(7, "bob");
        assert_eq!(hub.online(7), ["alice", "bob"]);
        drop(a1);
        assert_eq!(hub.online(7), ["alice", "bob"]);
        drop(a2);
        assert_eq!(hub.online(7), ["bob"]);
        drop(b);
        assert!(hub.online(7).is_empty());
        assert!(hub.rooms().is_empty(), "empty rooms are dropped");
    }

    async fn assert_next_event(subscription: &mut Subscription, start: &[u8]) {
        let frame = subscription.rx.recv().await.unwrap();
        assert!(frame.bytes.starts_with(start), "{:?}", frame.bytes);
    }

    #[tokio::test]
    async fn presence_merges_other_instances_and_announces_local_changes() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let (outbox, mut announced) = mpsc::channel(16);
        hub.announce_to(outbox);
        let mut alice = hub.subscribe(7, "alice");
        assert_eq!(
            announced.try_recv().unwrap(),
            Announcement::Joined {
                chat_id: 7,
                username: "alice".into()
            }
        );
        let _ = alice.rx.recv().await; // her own arrival

        // Bob is online through instance 2, then also here: one "joined" only.
        hub.remote_presence(2, 7, "bob", true);
        assert_next_event(&mut alice, b"event: joined\n").await;
        assert_eq!(hub.online(7), ["alice", "bob"]);
        let bob_here = hub.subscribe(7, "bob");
        assert!(alice.rx.try_recv().is_err(), "bob was online already");
        drop(bob_here);
        assert!(
            alice.rx.try_recv().is_err(),
            "bob is still online elsewhere"
        );
        assert_eq!(hub.online(7), ["alice", "bob"]);

        // Instance 2 goes silent: bob leaves.
        hub.forget_instance(2);
        assert_next_event(&mut alice, b"event: left\n").await;
        assert_eq!(hub.online(7), ["alice"]);

        hub.publish_typing(7, "alice");
        let typed: Vec<_> = std::iter::from_fn(|| announced.try_recv().ok()).collect();
        assert!(typed.contains(&Announcement::Typing {
            chat_id: 7,
            username: "alice".into()
        }));
    }

    #[tokio::test]
    async fn listeners_get_messages_of_their_room_only() {
        let hub = Hub::new(DEFAULT_ROOM_BUFFER);
        let mut here = hub.subscribe(7, "alice");
        let mut elsewhere = hub.subscribe(8, "bob");
        hub.publish_message(&message(1));
        // First our own arrival, then the message.
        let joined = here.rx.recv().await.unwrap();
        assert!(joined.bytes.starts_with(b"event: joined\n"));
        assert_eq!(here.rx.recv().await.unwrap().message_id, Some(1));
        assert!(elsewhere.rx.recv().await.unwrap().message_id.is_none());
        assert!(elsewhere.rx.try_recv().is_err());
    }
}
