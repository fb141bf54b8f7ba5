//! The in-process fan-out hub: per-room broadcast channels carrying ready-to-send SSE frames,
//! plus who is online in each room. A frame is serialised once per room, not once per listener.

use crate::model::{ChatMessage, LiveEvent};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// Frames a slow listener may fall behind before it must catch up from the database.
pub const DEFAULT_ROOM_BUFFER: usize = 1024;

/// One event, already encoded as an SSE frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The message id for message frames (used to skip what a listener already sent).
    pub message_id: Option<i64>,
    /// The bytes to write to the stream.
    pub bytes: Bytes,
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
    }
}

#[derive(Debug)]
struct Room {
    tx: broadcast::Sender<Arc<Frame>>,
    /// Username → open live connections (several tabs count once).
    online: BTreeMap<String, usize>,
}

/// Fan-out of live events to everyone listening in a room, within this process.
#[derive(Debug)]
pub struct Hub {
    rooms: Mutex<HashMap<i32, Room>>,
    room_buffer: usize,
}

impl Hub {
    /// A new, empty hub whose rooms buffer `room_buffer` frames for slow listeners.
    pub fn new(room_buffer: usize) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::default(),
            room_buffer: room_buffer.max(1),
        })
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
        // Only changes are broadcast (a full list per arrival would cost O(n²) in big rooms).
        if *count == 1 {
            let _ = room.tx.send(Arc::new(encode_frame(&LiveEvent::Joined {
                username: username.to_owned(),
            })));
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

    fn leave(&self, chat_id: i32, username: &str) {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(&chat_id) else {
            return;
        };
        if let Some(count) = room.online.get_mut(username) {
            *count -= 1;
            if *count == 0 {
                room.online.remove(username);
                let _ = room.tx.send(Arc::new(encode_frame(&LiveEvent::Left {
                    username: username.to_owned(),
                })));
            }
        }
        if room.online.is_empty() {
            rooms.remove(&chat_id);
        }
    }

    /// Delivers a stored message to everyone listening in its room.
    pub fn publish_message(&self, message: &ChatMessage) {
        let Ok(chat_id) = i32::try_from(message.chat_id) else {
            return;
        };
        self.publish(chat_id, || LiveEvent::Message(message.clone()));
    }

    /// Tells the room that `username` is typing.
    pub fn publish_typing(&self, chat_id: i32, username: &str) {
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

    /// Usernames with at least one open live connection to `chat_id`, sorted.
    pub fn online(&self, chat_id: i32) -> Vec<String> {
        self.rooms()
            .get(&chat_id)
            .map(|room| room.online.keys().cloned().collect())
            .unwrap_or_default()
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
