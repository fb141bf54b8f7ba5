//! The events of a room's live stream: one vocabulary for the server that encodes them and the
//! browser that listens for them. Each event is declared once below; its name is both the SSE
//! `event:` field and the JSON `type` tag, so adding an event is one entry here (and the
//! compiler then asks every `match` over [`LiveEvent`] to handle it).

use crate::ids::{ChatId, MessageId};
use crate::model::ChatMessage;
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
    /// A stored message.
    Message(ChatMessage) = "message",
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
}

impl LiveEvent {
    /// The id a stream resumes from after this event (`Last-Event-ID`), if it has one.
    pub fn resume_id(&self) -> Option<MessageId> {
        match self {
            LiveEvent::Message(message) => Some(message.id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<LiveEvent> {
        let who = || "alice".to_owned();
        vec![
            LiveEvent::Message(ChatMessage {
                id: MessageId(3),
                chat_id: ChatId(1),
                timestamp: "2026-11-24T10:00:00.000Z".into(),
                username: who(),
                content: "hi".into(),
            }),
            LiveEvent::Presence {
                chat_id: ChatId(1),
                online: vec![who()],
            },
            LiveEvent::Joined { username: who() },
            LiveEvent::Left { username: who() },
            LiveEvent::Typing { username: who() },
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
        assert_eq!(ids, [Some(MessageId(3)), None, None, None, None]);
    }
}
