//! Live events encoded once as Server-Sent Events frames, and what a room's channel carries.

use bytes::Bytes;
use domain::live::LiveEvent;
use domain::MessageId;
use std::sync::Arc;

/// One event, already encoded as an SSE frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The message id for message frames (used to skip what a listener already sent).
    pub message_id: Option<MessageId>,
    /// The bytes to write to the stream.
    pub bytes: Bytes,
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

/// Encodes `event` as one SSE frame named after it; message frames carry their id as the
/// event id, which the browser sends back as `Last-Event-ID` when it reconnects.
pub fn encode_frame(event: &LiveEvent) -> Frame {
    let id = event.resume_id();
    // serde_json never writes a raw newline, so the data fits on one `data:` line.
    let json = serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned());
    let name = event.name();
    let text = match id {
        Some(id) => format!("id: {id}\nevent: {name}\ndata: {json}\n\n"),
        None => format!("event: {name}\ndata: {json}\n\n"),
    };
    Frame {
        message_id: id,
        bytes: Bytes::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::ChatMessage;
    use domain::ChatId;

    #[test]
    fn message_frames_carry_the_id_and_one_data_line() {
        let frame = encode_frame(&LiveEvent::Message(ChatMessage {
            id: MessageId(42),
            chat_id: ChatId(7),
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            username: "alice".into(),
            content: "line\nbreak".into(),
        }));
        let text = std::str::from_utf8(&frame.bytes).unwrap();
        assert!(
            text.starts_with("id: 42\nevent: message\ndata: {"),
            "{text}"
        );
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "{text}");
        assert_eq!(frame.message_id, Some(MessageId(42)));
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
        assert_eq!(frame.message_id, None);
    }
}
