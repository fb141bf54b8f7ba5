//! Plain serde types that cross the wire between server and browser (and the JSON API).

use crate::ids::{ChatId, MessageId};
use crate::input::HashKey;
use serde::{Deserialize, Serialize};

/// One message as the browser and the JSON API see it (the Message model of
/// `docs/functional-spec.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Database id; orders everything and serves as the paging cursor.
    pub id: MessageId,
    /// The chat this message belongs to.
    pub chat_id: ChatId,
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
    pub chat_id: ChatId,
    /// Display name.
    pub name: String,
    /// The random key in the share link.
    pub hash_key: HashKey,
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

/// A room the visitor opened before, for the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRoom {
    /// Display name.
    pub name: String,
    /// The key of its link.
    pub hash_key: HashKey,
}
