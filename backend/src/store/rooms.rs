//! Storing and reading chats and their messages.

use super::built_once::BuiltOnce;
use super::entities::{chat, message, retired_link};
use super::room_cache::{RoomCache, Stamp, Weight};
use crate::random::new_hash_key;
use domain::model::{ChatMessage, Quote};
use domain::moderation::{Deletion, Retention, SlowMode};
use domain::reactions::Reactions;
use domain::{ChatId, HashKey, MessageId, RoomName, Seq};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// Most messages one read returns (room page, JSON API page, refresh).
pub const MAX_PAGE: u64 = 200;

/// A chat as the rest of the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Its id.
    pub id: ChatId,
    /// Its display name.
    pub name: String,
    /// The key of its share link.
    pub hash_key: HashKey,
    /// No new people may enter.
    pub locked: bool,
    /// Least time between two messages of one person.
    pub slow_mode: SlowMode,
    /// How long messages are kept.
    pub retention: Retention,
    /// The browser that created the room, until someone from it became the owner.
    pub creator_browser: Option<String>,
    /// Where its change feed and its roles, bans and stored messages stood when the row was
    /// read (what copies kept in memory are checked against).
    pub stamp: Stamp,
}

impl Room {
    /// The room of a stored row; `None` (logged) if the row's key is not one we could have made.
    fn from_row(row: chat::Model) -> Option<Self> {
        match HashKey::parse(&row.hash_key) {
            Ok(hash_key) => Some(Self {
                id: ChatId(row.id),
                name: row.name,
                hash_key,
                locked: row.locked,
                // A value we never offered (edited by hand) means no slow mode, not an error.
                slow_mode: u32::try_from(row.slow_mode_secs)
                    .ok()
                    .and_then(|secs| SlowMode::from_secs(secs).ok())
                    .unwrap_or_default(),
                retention: Retention::from_days(row.retention_days),
                creator_browser: row.creator_browser,
                stamp: Stamp {
                    last_seq: Seq(row.last_seq),
                    version: row.version,
                },
            }),
            Err(_) => {
                tracing::error!(chat_id = row.id, "stored chat has a malformed hash key");
                None
            }
        }
    }
}

/// Creates a chat with a fresh random hash key; `creator_browser` becomes its owner when it
/// first opens the room with a name.
pub async fn create_chat(
    db: &impl ConnectionTrait,
    name: &RoomName,
    creator_browser: Option<&str>,
) -> Result<Room, crate::Error> {
    // 96 random bits make a collision practically impossible; retry anyway rather than fail.
    let mut last_err = None;
    for _ in 0..3 {
        let key = new_hash_key();
        let row = chat::ActiveModel {
            name: Set(name.as_str().to_owned()),
            hash_key: Set(key.as_str().to_owned()),
            last_seq: Set(0),
            locked: Set(false),
            slow_mode_secs: Set(0),
            retention_days: Set(None),
            creator_browser: Set(creator_browser.map(str::to_owned)),
            version: Set(0),
            ..Default::default()
        };
        match row.insert(db).await {
            Ok(model) => match Room::from_row(model) {
                Some(room) => return Ok(room),
                None => return Err(DbErr::Custom("created chat has a malformed key".into()).into()),
            },
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err
        .unwrap_or_else(|| DbErr::Custom("could not create chat".into()))
        .into())
}

/// A room's newest messages (up to [`MAX_PAGE`]), kept in memory per room: every read of
/// the recent part of a room (its page, the JSON API, scrolling back a little) is answered
/// from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The messages, oldest first: every message of the room from the first one on.
    messages: Vec<ChatMessage>,
    /// Whether they are all the room's messages.
    complete: bool,
    /// Each message as JSON, written on first use: the JSON API then sends a page of the
    /// window without serializing it again (most of that request's work).
    json: OnceLock<Vec<Box<str>>>,
}

impl Window {
    /// Up to `limit` messages with id less than `before`, oldest first, if the window holds
    /// every one of them (it holds all messages from its first on).
    pub fn before(&self, before: MessageId, limit: u64) -> Option<Vec<ChatMessage>> {
        self.before_range(before, limit)
            .map(|range| self.messages[range].to_vec())
    }

    /// Where in the window the messages of [`Window::before`] are.
    fn before_range(&self, before: MessageId, limit: u64) -> Option<Range<usize>> {
        let below = self.messages.partition_point(|m| m.id < before);
        let limit = usize::try_from(limit.min(MAX_PAGE)).unwrap_or(usize::MAX);
        if below < limit && !self.complete {
            return None;
        }
        Some(below.saturating_sub(limit)..below)
    }

    /// Up to `limit` messages with id greater than `after`, oldest first, if the window holds
    /// every one of them (the JSON API reads [`Window::after_range`] instead).
    #[cfg(test)]
    fn after(&self, after: MessageId, limit: u64) -> Option<Vec<ChatMessage>> {
        self.after_range(after, limit)
            .map(|range| self.messages[range].to_vec())
    }

    /// Where in the window the messages of [`Window::after`] are.
    fn after_range(&self, after: MessageId, limit: u64) -> Option<Range<usize>> {
        let holds_all = self.complete
            || self
                .messages
                .first()
                .is_some_and(|first| after.0 >= first.id.0.saturating_sub(1));
        if !holds_all {
            return None;
        }
        let from = self.messages.partition_point(|m| m.id <= after);
        let limit = usize::try_from(limit.min(MAX_PAGE)).unwrap_or(usize::MAX);
        Some(from..self.messages.len().min(from.saturating_add(limit)))
    }

    /// Each message as JSON, in the window's order.
    fn json(&self) -> &[Box<str>] {
        self.json
            .get_or_init(|| self.messages.iter().map(message_json).collect())
    }
}

/// The window of a room's newest messages as read (fewer than [`MAX_PAGE`]: they are all).
impl From<Vec<ChatMessage>> for Window {
    fn from(messages: Vec<ChatMessage>) -> Self {
        Self {
            complete: (messages.len() as u64) < MAX_PAGE,
            messages,
            json: OnceLock::new(),
        }
    }
}

/// `message` as JSON, exactly as serde writes it.
fn message_json(message: &ChatMessage) -> Box<str> {
    serde_json::to_string(message)
        .expect("a message is plain data with string keys, which always serializes")
        .into_boxed_str()
}

/// A page of messages already written as JSON (one text per message, oldest first).
#[derive(Debug)]
pub enum JsonMessages {
    /// A part of a kept window, serialized once for every request that reads it.
    Kept(Arc<Window>, Range<usize>),
    /// Read from the database for this request.
    Read(Vec<(MessageId, Box<str>)>),
}

impl JsonMessages {
    /// `messages` written out now.
    pub fn written(messages: &[ChatMessage]) -> Self {
        Self::Read(messages.iter().map(|m| (m.id, message_json(m))).collect())
    }

    /// The id of the last message (none if the page is empty).
    pub fn last_id(&self) -> Option<MessageId> {
        match self {
            Self::Kept(window, range) => range.clone().last().map(|at| window.messages[at].id),
            Self::Read(read) => read.last().map(|(id, _)| *id),
        }
    }

    /// Appends the page to `out` as a JSON array.
    pub fn write_array(&self, out: &mut String) {
        let texts: Vec<&str> = match self {
            Self::Kept(window, range) => window.json()[range.clone()]
                .iter()
                .map(AsRef::as_ref)
                .collect(),
            Self::Read(read) => read.iter().map(|(_, text)| text.as_ref()).collect(),
        };
        out.push('[');
        for (at, text) in texts.into_iter().enumerate() {
            if at > 0 {
                out.push(',');
            }
            out.push_str(text);
        }
        out.push(']');
    }
}

/// Bytes of windows kept at once (a window of short messages takes about 60 KiB).
pub const WINDOW_KEPT_BYTES: usize = 64 << 20;

impl Weight for Window {
    fn weight(&self) -> usize {
        // Counted twice: the messages, and about as much again for their JSON once written.
        2 * self.messages.iter().map(weight_of).sum::<usize>()
    }
}

/// Roughly the bytes `message` holds.
fn weight_of(message: &ChatMessage) -> usize {
    let quote = message.reply_to.as_ref().map_or(0, |q| {
        std::mem::size_of_val(q) + q.username.len() + q.excerpt.len()
    });
    let reactions: usize = message
        .reactions
        .list()
        .iter()
        .map(|r| std::mem::size_of_val(r) + r.users.iter().map(|u| 24 + u.len()).sum::<usize>())
        .sum();
    std::mem::size_of::<ChatMessage>()
        + message.username.len()
        + message.content.len()
        + message.timestamp.len()
        + message.edited_at.as_ref().map_or(0, String::len)
        + quote
        + reactions
}

/// A room found through a share link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The room.
    pub room: Room,
    /// Whether the link was the room's current one (else it was rotated away).
    pub current: bool,
}

/// The chat behind a share-link key, current or retired, if any.
pub async fn find_by_link(
    db: &impl ConnectionTrait,
    key: &HashKey,
) -> Result<Option<Linked>, crate::Error> {
    if let Some(room) = find_by_hash_key(db, key).await? {
        return Ok(Some(Linked {
            room,
            current: true,
        }));
    }
    let Some(retired) = retired_link::Entity::find_by_id(key.as_str().to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(find_by_id(db, ChatId(retired.chat_id))
        .await?
        .map(|room| Linked {
            room,
            current: false,
        }))
}

/// The chat behind its current share-link key, if any.
pub async fn find_by_hash_key(
    db: &impl ConnectionTrait,
    key: &HashKey,
) -> Result<Option<Room>, crate::Error> {
    static SQL: BuiltOnce = BuiltOnce::new();
    let backend = db.get_database_backend();
    // The key is unique: no `LIMIT` (and no value for it) is needed.
    let statement = SQL.statement(backend, vec![key.as_str().into()], || {
        chat::Entity::find()
            .filter(chat::Column::HashKey.eq(key.as_str()))
            .build(backend)
    });
    room_from(db, statement).await
}

/// The room whose row `statement` reads, if any.
async fn room_from(
    db: &impl ConnectionTrait,
    statement: sea_orm::Statement,
) -> Result<Option<Room>, crate::Error> {
    Ok(chat::Entity::find()
        .from_raw_sql(statement)
        .one(db)
        .await?
        .and_then(Room::from_row))
}

/// The chat with this id, if any.
pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: ChatId,
) -> Result<Option<Room>, crate::Error> {
    Ok(chat::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .and_then(Room::from_row))
}

/// The chat `id`, if `session_id` has opened it (one query for both).
pub async fn find_for_member(
    db: &impl ConnectionTrait,
    id: ChatId,
    session_id: i32,
) -> Result<Option<Room>, crate::Error> {
    static SQL: BuiltOnce = BuiltOnce::new();
    let backend = db.get_database_backend();
    let statement = SQL.statement(backend, vec![id.0.into(), session_id.into()], || {
        chat::Entity::find_by_id(id.0)
            .filter(chat::Column::Id.in_subquery(super::memberships::chats_of(session_id)))
            .build(backend)
    });
    room_from(db, statement).await
}

/// Up to `limit` messages changed after `after` in the room's change feed, in feed order: each
/// as it is now (a message created and then deleted comes once, deleted).
pub async fn changes_after(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    after: Seq,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Seq.gt(after.0))
        .order_by_asc(message::Column::Seq)
        .limit(limit.min(MAX_PAGE))
        .all(db)
        .await?;
    with_quotes(db, rows).await
}

/// How many messages changed after `after` (counting stops at `cap`).
pub async fn count_changes_after(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    after: Seq,
    cap: u64,
) -> Result<u64, crate::Error> {
    let seqs: Vec<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Seq)
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Seq.gt(after.0))
        .limit(cap)
        .into_tuple()
        .all(db)
        .await?;
    Ok(seqs.len() as u64)
}

/// Up to `limit` messages with id greater than `after`, oldest first.
pub async fn messages_after(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    after: MessageId,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Id.gt(after.0))
        .order_by_asc(message::Column::Id)
        .limit(limit.min(MAX_PAGE))
        .all(db)
        .await?;
    with_quotes(db, rows).await
}

/// Messages whose latest change is `first..=last` in `chat_id`'s feed, in feed order (a range
/// announced by another instance). A message changed again since is not among them: its newer
/// change is announced too.
pub async fn changes_between(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    first: Seq,
    last: Seq,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Seq.between(first.0, last.0))
        .order_by_asc(message::Column::Seq)
        .all(db)
        .await?;
    with_quotes(db, rows).await
}

/// The newest `limit` messages, oldest first.
pub async fn latest_messages(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    messages_before(db, chat_id, MessageId(i64::MAX), limit).await
}

/// The room's [`Window`]: the copy kept for its stamp, or read now (and kept).
pub async fn window(
    db: &impl ConnectionTrait,
    kept: &RoomCache<Window>,
    room: &Room,
) -> Result<Arc<Window>, crate::Error> {
    let load = async {
        let messages = latest_messages(db, room.id, MAX_PAGE).await?;
        Ok::<_, crate::Error>(Window::from(messages))
    };
    kept.get_or_load(room.id, room.stamp, load).await
}

/// The room's newest `limit` messages, oldest first, and, when they come from its window, the
/// same as a JSON array (each message written once for every read).
pub async fn latest_with_json_of(
    db: &impl ConnectionTrait,
    kept: &RoomCache<Window>,
    room: &Room,
    limit: u64,
) -> Result<(Vec<ChatMessage>, Option<String>), crate::Error> {
    let window = window(db, kept, room).await?;
    let Some(range) = window.before_range(MessageId(i64::MAX), limit) else {
        let messages = messages_before(db, room.id, MessageId(i64::MAX), limit).await?;
        return Ok((messages, None));
    };
    let messages = window.messages[range.clone()].to_vec();
    let mut json = String::new();
    JsonMessages::Kept(window, range).write_array(&mut json);
    Ok((messages, Some(json)))
}

/// Up to `limit` of the room's messages with id less than `before`, oldest first (from its
/// window when it holds them).
pub async fn before_of(
    db: &impl ConnectionTrait,
    kept: &RoomCache<Window>,
    room: &Room,
    before: MessageId,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    match window(db, kept, room).await?.before(before, limit) {
        Some(messages) => Ok(messages),
        None => messages_before(db, room.id, before, limit).await,
    }
}

/// Up to `limit` of the room's messages with id greater than `after`, oldest first, written as
/// JSON: from its window when it holds them, serialized once for every request that reads it.
pub async fn after_json_of(
    db: &impl ConnectionTrait,
    kept: &RoomCache<Window>,
    room: &Room,
    after: MessageId,
    limit: u64,
) -> Result<JsonMessages, crate::Error> {
    let window = window(db, kept, room).await?;
    if let Some(range) = window.after_range(after, limit) {
        return Ok(JsonMessages::Kept(window, range));
    }
    let read = messages_after(db, room.id, after, limit).await?;
    Ok(JsonMessages::written(&read))
}

/// Deletes the messages older than their room's retention at `now`; returns how many.
pub async fn delete_expired_messages(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, crate::Error> {
    let kept: Vec<(i64, Option<i32>)> = chat::Entity::find()
        .select_only()
        .column(chat::Column::Id)
        .column(chat::Column::RetentionDays)
        .filter(chat::Column::RetentionDays.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut deleted = 0;
    for (chat_id, days) in kept {
        let Some(days) = days else { continue };
        let cutoff = now - chrono::TimeDelta::days(i64::from(days));
        let gone = message::Entity::delete_many()
            .filter(message::Column::ChatId.eq(chat_id))
            .filter(message::Column::Timestamp.lt(cutoff))
            .exec(db)
            .await?
            .rows_affected;
        if gone > 0 {
            // Copies of the room's latest messages kept in memory must not show them.
            bump_version(db, ChatId(chat_id)).await?;
        }
        deleted += gone;
    }
    Ok(deleted)
}

/// Marks a change to `chat_id` that its change feed does not count (roles, bans, messages
/// deleted for retention): copies of the room kept in memory are read again. Call it in the
/// change's transaction.
pub async fn bump_version(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<(), DbErr> {
    chat::Entity::update_many()
        .col_expr(
            chat::Column::Version,
            sea_orm::sea_query::ExprTrait::add(
                sea_orm::sea_query::Expr::col(chat::Column::Version),
                1,
            ),
        )
        .filter(chat::Column::Id.eq(chat_id.0))
        .exec(db)
        .await?;
    Ok(())
}

/// The wire form of stored messages, each reply with the quote of what it answers (one query
/// for the whole page).
pub(crate) async fn with_quotes(
    db: &impl ConnectionTrait,
    rows: Vec<message::Model>,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let mut wanted: Vec<i64> = rows.iter().filter_map(|row| row.reply_to).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let originals: std::collections::HashMap<i64, message::Model> = if wanted.is_empty() {
        std::collections::HashMap::new()
    } else {
        message::Entity::find()
            .filter(message::Column::Id.is_in(wanted))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let quote = row.reply_to.map(|id| quote_of(id, originals.get(&id)));
            ChatMessage {
                reply_to: quote,
                ..to_dto(row)
            }
        })
        .collect())
}

/// The quote of message `id`, as `original` (if it still exists) is now.
pub(crate) fn quote_of(id: i64, original: Option<&message::Model>) -> Quote {
    match original {
        Some(row) if row.deleted_by.is_none() => {
            Quote::of(MessageId(id), &row.username, Some(&row.content))
        }
        Some(row) => Quote::of(MessageId(id), &row.username, None),
        None => Quote::of(MessageId(id), "", None),
    }
}

/// The wire form of a stored message (without its quote: see [`with_quotes`]).
pub(crate) fn to_dto(row: message::Model) -> ChatMessage {
    let row_id = row.id;
    ChatMessage {
        id: MessageId(row.id),
        chat_id: ChatId(row.chat_id),
        timestamp: row
            .timestamp
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        username: row.username,
        content: row.content,
        seq: Seq(row.seq),
        deleted: row.deleted_by.as_deref().map(|by| {
            // Anything unexpected still hides the text: it was deleted by someone.
            Deletion::from_stored(by).unwrap_or(Deletion::Moderator)
        }),
        edited_at: row
            .edited_at
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        reply_to: None,
        reactions: stored_reactions(row_id, row.reactions.as_deref()),
    }
}

/// The reactions stored on message `id` (none if unreadable: logged, the message still shows).
pub(crate) fn stored_reactions(id: i64, json: Option<&str>) -> Reactions {
    json.map_or_else(Reactions::default, |json| {
        serde_json::from_str(json).unwrap_or_else(|err| {
            tracing::error!(message_id = id, error = %err, "stored reactions are unreadable");
            Reactions::default()
        })
    })
}

/// Up to `limit` messages with id less than `before`, oldest first (scrolling back in history).
pub async fn messages_before(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    before: MessageId,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let mut rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Id.lt(before.0))
        .order_by_desc(message::Column::Id)
        .limit(limit.min(MAX_PAGE))
        .all(db)
        .await?;
    rows.reverse();
    with_quotes(db, rows).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64) -> ChatMessage {
        ChatMessage {
            id: MessageId(id),
            chat_id: ChatId(1),
            timestamp: String::new(),
            username: "ann".into(),
            content: format!("m{id}"),
            seq: Seq(id),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Reactions::default(),
        }
    }

    /// A window holding messages with these ids (ids of other rooms leave gaps).
    fn window(ids: &[i64], complete: bool) -> Window {
        Window {
            messages: ids.iter().copied().map(message).collect(),
            complete,
            json: OnceLock::new(),
        }
    }

    fn json_of(messages: &JsonMessages) -> (String, Option<MessageId>) {
        let mut out = String::new();
        messages.write_array(&mut out);
        (out, messages.last_id())
    }

    #[test]
    fn a_windows_json_pages_are_its_messages_as_serde_writes_them() {
        let w = Arc::new(window(&[10, 12, 15, 20], true));
        for (after, limit) in [(0, 100), (0, 2), (12, 1), (12, 100), (20, 100), (99, 5)] {
            let range = w.after_range(MessageId(after), limit).unwrap();
            let expected = w.after(MessageId(after), limit).unwrap();
            let kept = JsonMessages::Kept(Arc::clone(&w), range);
            assert_eq!(json_of(&kept), json_of(&JsonMessages::written(&expected)));
            let (text, last) = json_of(&kept);
            assert_eq!(
                serde_json::from_str::<Vec<ChatMessage>>(&text).unwrap(),
                expected
            );
            assert_eq!(last, expected.last().map(|m| m.id));
        }
        assert_eq!(
            json_of(&JsonMessages::written(&[])),
            ("[]".to_owned(), None)
        );
    }

    fn ids(found: Option<Vec<ChatMessage>>) -> Option<Vec<i64>> {
        found.map(|list| list.iter().map(|m| m.id.0).collect())
    }

    #[test]
    fn a_partial_window_answers_only_what_it_holds_entirely() {
        let w = window(&[10, 12, 15, 20], false);
        // The newest pages.
        assert_eq!(ids(w.before(MessageId(i64::MAX), 2)), Some(vec![15, 20]));
        assert_eq!(ids(w.before(MessageId(20), 3)), Some(vec![10, 12, 15]));
        // Older messages may exist below the first one: not answered.
        assert_eq!(ids(w.before(MessageId(20), 4)), None);
        assert_eq!(ids(w.before(MessageId(i64::MAX), 5)), None);
        // After a position inside the window (or just below its first message).
        assert_eq!(ids(w.after(MessageId(12), 10)), Some(vec![15, 20]));
        assert_eq!(ids(w.after(MessageId(9), 2)), Some(vec![10, 12]));
        assert_eq!(ids(w.after(MessageId(20), 2)), Some(vec![]));
        assert_eq!(ids(w.after(MessageId(8), 2)), None);
        assert_eq!(ids(w.after(MessageId(0), 2)), None);
    }

    #[test]
    fn a_complete_window_answers_everything() {
        let w = window(&[10, 12, 15], true);
        assert_eq!(
            ids(w.before(MessageId(i64::MAX), 100)),
            Some(vec![10, 12, 15])
        );
        assert_eq!(ids(w.before(MessageId(12), 100)), Some(vec![10]));
        assert_eq!(ids(w.before(MessageId(10), 100)), Some(vec![]));
        assert_eq!(ids(w.after(MessageId(0), 2)), Some(vec![10, 12]));
        assert_eq!(ids(w.after(MessageId(0), 100)), Some(vec![10, 12, 15]));
        let empty = window(&[], true);
        assert_eq!(ids(empty.after(MessageId(0), 5)), Some(vec![]));
        assert_eq!(ids(empty.before(MessageId(i64::MAX), 5)), Some(vec![]));
    }
}
