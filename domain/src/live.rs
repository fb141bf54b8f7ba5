//! The events of a room's live stream: one vocabulary for the server that encodes them and the
//! browser that listens for them. Each event is declared once below; its name is both the SSE
//! `event:` field and the JSON `type` tag, so adding an event is one entry here (and the
//! compiler then asks every `match` over [`LiveEvent`] to handle it).

use crate::ids::{ChatId, Seq};
use crate::model::ChatMessage;
use crate::moderation::RoomState;
use serde::{Deserialize, Serialize};

/// Declares [`LiveEvent`] with the wire name of each variant, and the list of all names.
macro_rules! live_events {
    ($( $(#[$doc:meta])* $variant:ident $fields:tt = $name:literal ),+ $(,)?) => {
        /// What the live stream of a room carries.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum LiveEvent {
            $( $(#[$doc])* #[serde(rename = $name)] $variant $fields, )+
        }

        impl LiveEvent {
            /// Every event name, for a client that subscribes to each.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// This event's name on the wire (SSE `event:` and JSON `type`).
            pub fn name(&self) -> &'static str {
                match self {
                    $( Self::$variant { .. } => $name, )+
                }
            }
        }
    };
}

live_events! {
    /// A message as it is now: new, or changed (deleted, …). The page shows it in place of any
    /// earlier version with the same id, so receiving it twice changes nothing.
    Message(ChatMessage) = "message",
    /// The room's name, link, settings and roles; sent when a stream starts and after each change.
    Room(RoomState) = "room",
    /// Someone was removed from the room (and banned, if `banned`); their open pages close.
    Removed {
        /// Who.
        username: String,
        /// Whether they are also kept out.
        banned: bool,
    } = "removed",
    /// The room was deleted; every open page closes.
    Closed {} = "closed",
    /// The client was away too long to catch up change by change: it reloads the latest
    /// messages and goes on from `seq`.
    Reset {
        /// The room's change-feed position the stream continues from.
        seq: Seq,
    } = "reset",
    /// Who has the room open now (sorted usernames); sent when a stream starts or resyncs.
    Presence {
        /// The chat.
        chat_id: ChatId,
        /// Usernames online.
        online: Vec<String>,
    } = "presence",
    /// Someone opened the room (their first tab anywhere).
    Joined {
        /// Who.
        username: String,
    } = "joined",
    /// Someone closed the room (their last tab anywhere).
    Left {
        /// Who.
        username: String,
    } = "left",
    /// Someone is typing.
    Typing {
        /// Who.
        username: String,
    } = "typing",
    /// The server is stopping (a restart or a deploy): the stream ends now, and the client
    /// reconnects after `after_ms`, resuming from its last position. Each stream gets its own
    /// delay, so thousands of clients do not all come back in the same instant.
    Reconnect {
        /// Milliseconds to wait before reconnecting.
        after_ms: u32,
    } = "reconnect",
}

impl LiveEvent {
    /// The change-feed position a stream resumes from after this event (`Last-Event-ID`), if
    /// it has one.
    pub fn resume_id(&self) -> Option<Seq> {
        match self {
            LiveEvent::Message(message) => Some(message.seq),
            LiveEvent::Reset { seq } => Some(*seq),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::{Retention, Role, RoleHolder, SlowMode};
    use crate::MessageId;

    fn samples() -> Vec<LiveEvent> {
        let who = || "alice".to_owned();
        vec![
            LiveEvent::Message(ChatMessage {
                id: MessageId(3),
                chat_id: ChatId(1),
                timestamp: "2026-11-24T10:00:00.000Z".into(),
                username: who(),
                content: "hi".into(),
                seq: Seq(9),
                deleted: None,
                edited_at: None,
                reply_to: None,
                reactions: Default::default(),
            }),
            LiveEvent::Room(RoomState {
                name: "Lobby".into(),
                hash_key: crate::HashKey::from_random_bytes([0; 16]),
                locked: true,
                slow_mode: SlowMode::from_secs(30).unwrap(),
                retention: Retention::Week,
                roles: vec![RoleHolder {
                    username: who(),
                    role: Role::Owner,
                }],
            }),
            LiveEvent::Removed {
                username: who(),
                banned: true,
            },
            LiveEvent::Closed {},
            LiveEvent::Reset { seq: Seq(12) },
            LiveEvent::Presence {
                chat_id: ChatId(1),
                online: vec![who()],
            },
            LiveEvent::Joined { username: who() },
            LiveEvent::Left { username: who() },
            LiveEvent::Typing { username: who() },
            LiveEvent::Reconnect { after_ms: 2500 },
        ]
    }

    #[test]
    fn the_name_is_the_json_type_and_listed_once() {
        let events = samples();
        assert_eq!(events.len(), LiveEvent::NAMES.len(), "a sample per event");
        for (event, listed) in events.iter().zip(LiveEvent::NAMES) {
            let json = serde_json::to_value(event).unwrap();
            assert_eq!(json["type"], event.name());
            assert_eq!(event.name(), *listed);
            let back: LiveEvent = serde_json::from_value(json).unwrap();
            assert_eq!(&back, event);
        }
    }

    #[test]
    fn only_messages_move_the_resume_position() {
        let ids: Vec<_> = samples().iter().map(LiveEvent::resume_id).collect();
        assert_eq!(
            ids,
            [
                Some(Seq(9)),
                None,
                None,
                None,
                Some(Seq(12)),
                None,
                None,
                None,
                None,
                None
            ]
        );
    }
}
