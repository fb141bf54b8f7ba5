//! Plain serde types that cross the wire between server and browser (and the JSON API).

use crate::ids::{ChatId, MessageId, Seq};
use crate::input::HashKey;
use crate::moderation::{Deletion, RoomState};
use crate::reactions::Reactions;
use serde::{Deserialize, Serialize};

/// One message as the browser and the JSON API see it (the Message model of
/// `docs/functional-spec.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Database id; orders everything and serves as the paging cursor.
    pub id: MessageId,
    /// The chat this message belongs to.
    pub chat_id: ChatId,
    /// When the server stored it, RFC 3339 in UTC.
    pub timestamp: String,
    /// Who sent it.
    pub username: String,
    /// The text, shown as text, never as HTML (empty once deleted).
    pub content: String,
    /// The room's change-feed number of this message's latest change.
    pub seq: Seq,
    /// Who deleted it, if it was deleted.
    #[serde(default)]
    pub deleted: Option<Deletion>,
    /// When its author last edited it (RFC 3339 in UTC), if ever.
    #[serde(default)]
    pub edited_at: Option<String>,
    /// The message it answers, as quoted above it.
    #[serde(default)]
    pub reply_to: Option<Quote>,
    /// Who reacted with which emoji (none once deleted).
    #[serde(default)]
    pub reactions: Reactions,
}

/// The message a reply answers, as the reply shows it: who wrote it and its first line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quote {
    /// The original's id (the reply links to it).
    pub id: MessageId,
    /// Who wrote the original.
    pub username: String,
    /// The start of the original's first line (empty once it was deleted).
    pub excerpt: String,
    /// Whether the original was deleted (or is gone).
    pub deleted: bool,
}

impl Quote {
    /// Most characters of the original a quote shows.
    pub const EXCERPT_CHARS: usize = 80;

    /// The quote of a message written by `username` with `content` (`None`: deleted or gone).
    pub fn of(id: MessageId, username: &str, content: Option<&str>) -> Self {
        let excerpt = content
            .and_then(|text| text.lines().find(|line| !line.trim().is_empty()))
            .map(|line| {
                let line = line.trim();
                match line.char_indices().nth(Self::EXCERPT_CHARS) {
                    Some((cut, _)) => format!("{}…", &line[..cut]),
                    None => line.to_owned(),
                }
            })
            .unwrap_or_default();
        Self {
            id,
            username: username.to_owned(),
            excerpt,
            deleted: content.is_none(),
        }
    }
}

/// Everything the chatroom page needs on first render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    /// The chat's database id.
    pub chat_id: ChatId,
    /// Name, link, settings and roles.
    pub room: RoomState,
    /// The full share link, built from the address the visitor used.
    pub share_url: String,
    /// The username of the visitor's session.
    pub me: String,
    /// The room's change-feed position when `messages` were read: the live stream resumes here.
    pub seq: Seq,
    /// The latest messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether there may be older messages than the first one in `messages`.
    pub has_older: bool,
    /// Usernames with the room open now, including the visitor.
    pub online: Vec<String>,
    /// `messages` as a JSON array, when the server has them written already: the page embeds
    /// this text instead of writing them again. Never sent itself.
    #[serde(skip)]
    pub messages_json: Option<std::sync::Arc<str>>,
}

/// A room the visitor opened before, for the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRoom {
    /// Display name.
    pub name: String,
    /// The key of its link.
    pub hash_key: HashKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_shows_the_first_non_empty_line_cut_to_its_limit() {
        let quote = Quote::of(MessageId(7), "asta", Some("\n  How?  \nDetails"));
        assert_eq!(quote.excerpt, "How?");
        assert!(!quote.deleted);
        let long = "é".repeat(Quote::EXCERPT_CHARS + 5);
        let quote = Quote::of(MessageId(7), "asta", Some(&long));
        assert_eq!(quote.excerpt.chars().count(), Quote::EXCERPT_CHARS + 1);
        assert!(quote.excerpt.ends_with('…'));
        let gone = Quote::of(MessageId(7), "asta", None);
        assert!(gone.deleted && gone.excerpt.is_empty());
    }
}
