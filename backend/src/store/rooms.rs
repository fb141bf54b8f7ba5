//! Storing and reading chats and their messages.

use super::entities::{chat, message};
use crate::random::new_hash_key;
use domain::model::ChatMessage;
use domain::{ChatId, HashKey, MessageId, RoomName};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

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
}

impl Room {
    /// The room of a stored row; `None` (logged) if the row's key is not one we could have made.
    fn from_row(row: chat::Model) -> Option<Self> {
        match HashKey::parse(&row.hash_key) {
            Ok(hash_key) => Some(Self {
                id: ChatId(row.id),
                name: row.name,
                hash_key,
            }),
            Err(_) => {
                tracing::error!(chat_id = row.id, "stored chat has a malformed hash key");
                None
            }
        }
    }
}

/// Creates a chat with a fresh random hash key.
pub async fn create_chat(db: &impl ConnectionTrait, name: &RoomName) -> Result<Room, crate::Error> {
    // 96 random bits make a collision practically impossible; retry anyway rather than fail.
    let mut last_err = None;
    for _ in 0..3 {
        let key = new_hash_key();
        let row = chat::ActiveModel {
            name: Set(name.as_str().to_owned()),
            hash_key: Set(key.as_str().to_owned()),
            ..Default::default()
        };
        match row.insert(db).await {
            Ok(model) => {
                return Ok(Room {
                    id: ChatId(model.id),
                    name: model.name,
                    hash_key: key,
                })
            }
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err
        .unwrap_or_else(|| DbErr::Custom("could not create chat".into()))
        .into())
}

/// The chat behind a share-link key, if any.
pub async fn find_by_hash_key(
    db: &impl ConnectionTrait,
    key: &HashKey,
) -> Result<Option<Room>, crate::Error> {
    Ok(chat::Entity::find()
        .filter(chat::Column::HashKey.eq(key.as_str()))
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
    Ok(rows.into_iter().map(to_dto).collect())
}

/// Messages `first..=last` of `chat_id`, oldest first (a range announced by another instance).
pub async fn messages_between(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    first: MessageId,
    last: MessageId,
) -> Result<Vec<ChatMessage>, crate::Error> {
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Id.between(first.0, last.0))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_dto).collect())
}

/// The id of the newest message in `chat_id` ([`MessageId::START`] when it has none).
pub async fn last_message_id(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
) -> Result<MessageId, crate::Error> {
    let newest: Option<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::ChatId.eq(chat_id.0))
        .order_by_desc(message::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.map_or(MessageId::START, MessageId))
}

/// The newest `limit` messages, oldest first.
pub async fn latest_messages(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    limit: u64,
) -> Result<Vec<ChatMessage>, crate::Error> {
    messages_before(db, chat_id, MessageId(i64::MAX), limit).await
}

/// The wire form of a stored message.
pub(crate) fn to_dto(row: message::Model) -> ChatMessage {
    ChatMessage {
        id: MessageId(row.id),
        chat_id: ChatId(row.chat_id),
        timestamp: row
            .timestamp
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        username: row.username,
        content: row.content,
    }
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
    Ok(rows.into_iter().map(to_dto).collect())
}
