//! Live events encoded once as Server-Sent Events frames, and what a room's channel carries.

use bytes::Bytes;
use domain::live::LiveEvent;
use domain::Seq;
use std::sync::Arc;

/// One event, already encoded as an SSE frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The change-feed position of message frames (used to skip what a listener already sent).
    pub seq: Option<Seq>,
    /// The bytes to write to the stream.
    pub bytes: Bytes,
    /// Whose streams end once this frame is written.
    pub ends: Ends,
}

/// Whose live streams a frame ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ends {
    /// Nobody's.
    Nobody,
    /// Those of this person (removed from the room).
    StreamsOf(String),
    /// Everyone's (the room was deleted).
    Everyone,
}

impl Ends {
    /// Whether a stream of `username` ends after this frame.
    pub fn ends_stream_of(&self, username: &str) -> bool {
        match self {
            Ends::Nobody => false,
            Ends::StreamsOf(name) => name == username,
            Ends::Everyone => true,
        }
    }
}

/// What a room's channel carries to its listeners.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// An event to write to the stream.
    Frame(Arc<Frame>),
    /// Not an event: messages may have been missed (the feed between instances was
    /// interrupted), so each listener re-reads the database from the last message it sent.
    Resync,
}

/// Encodes `event` as one SSE frame named after it; message frames carry their change-feed
/// position as the event id, which the browser sends back as `Last-Event-ID` when it reconnects.
pub fn encode_frame(event: &LiveEvent) -> Frame {
    let id = event.resume_id();
    // serde_json never writes a raw newline, so the data fits on one `data:` line.
    let json = serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned());
    let name = event.name();
    let text = match id {
        Some(id) => format!("id: {id}\nevent: {name}\ndata: {json}\n\n"),
        None => format!("event: {name}\ndata: {json}\n\n"),
    };
    let ends = match event {
        LiveEvent::Removed { username, .. } => Ends::StreamsOf(username.clone()),
        LiveEvent::Closed {} => Ends::Everyone,
        _ => Ends::Nobody,
    };
    Frame {
        seq: id,
        bytes: Bytes::from(text),
        ends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::ChatMessage;
    use domain::{ChatId, MessageId};

    #[test]
    fn message_frames_carry_the_id_and_one_data_line() {
        let frame = encode_frame(&LiveEvent::Message(ChatMessage {
            id: MessageId(42),
            chat_id: ChatId(7),
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            username: "alice".into(),
            content: "line\nbreak".into(),
            seq: Seq(42),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Default::default(),
        }));
        let text = std::str::from_utf8(&frame.bytes).unwrap();
        assert!(
            text.starts_with("id: 42\nevent: message\ndata: {"),
            "{text}"
        );
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "{text}");
        assert_eq!(frame.seq, Some(Seq(42)));
        assert_eq!(frame.ends, Ends::Nobody);
    }

    #[test]
    fn other_frames_are_named_and_carry_no_id() {
        let frame = encode_frame(&LiveEvent::Typing {
            username: "bob".into(),
        });
        let text = std::str::from_utf8(&frame.bytes).unwrap();
        assert_eq!(
            text,
            "event: typing\ndata: {\"type\":\"typing\",\"username\":\"bob\"}\n\n"
        );
        assert_eq!(frame.seq, None);
    }

    #[test]
    fn removals_end_their_streams_and_closing_ends_all() {
        let removed = encode_frame(&LiveEvent::Removed {
            username: "troll".into(),
            banned: true,
        });
        assert!(removed.ends.ends_stream_of("troll"));
        assert!(!removed.ends.ends_stream_of("alice"));
        assert!(encode_frame(&LiveEvent::Closed {})
            .ends
            .ends_stream_of("alice"));
    }
}
