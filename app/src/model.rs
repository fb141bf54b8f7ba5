//! Plain serde types that cross the wire between server and browser.

use serde::{Deserialize, Serialize};

/// One message as the browser and the JSON API see it (the spec's Message fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Database id; orders everything and serves as the paging cursor.
    pub id: i64,
    /// The chat this message belongs to.
    pub chat_id: i64,
    /// When the server stored it, RFC 3339 in UTC.
    pub timestamp: String,
    /// Who sent it.
    pub username: String,
    /// The text, shown as text, never as HTML.
    pub content: String,
}

impl ChatMessage {
    /// `HH:MM` of the timestamp (UTC), for display next to the message.
    pub fn short_time(&self) -> &str {
        self.timestamp.get(11..16).unwrap_or("")
    }
}

/// Everything the chatroom page needs on first render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    /// The chat's database id.
    pub chat_id: i64,
    /// Display name.
    pub name: String,
    /// The random key in the share link.
    pub hash_key: String,
    /// The full share link, built from the address the visitor used.
    pub share_url: String,
    /// The username of the visitor's session.
    pub me: String,
    /// The latest messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether there may be older messages than the first one in `messages`.
    pub has_older: bool,
    /// Usernames with the room open now, including the visitor.
    pub online: Vec<String>,
}

/// What the live stream of a room carries (the SSE event name matches the `type` tag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A stored message.
    Message(ChatMessage),
    /// Who has the room open now (sorted usernames); sent when a stream starts or resyncs.
    Presence {
        /// The chat.
        chat_id: i64,
        /// Usernames online.
        online: Vec<String>,
    },
    /// Someone opened the room (their first tab).
    Joined {
        /// Who.
        username: String,
    },
    /// Someone closed the room (their last tab).
    Left {
        /// Who.
        username: String,
    },
    /// Someone is typing.
    Typing {
        /// Who.
        username: String,
    },
}

/// A room the visitor opened before, for the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRoom {
    /// Display name.
    pub name: String,
    /// `/chatrooms/<hash_key>/`.
    pub path: String,
}
