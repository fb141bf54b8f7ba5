//! Storing and reading chats and their messages.

use super::entities::{chat, message};
use super::random::new_hash_key;
use crate::domain::{HashKey, RoomName};
use crate::model::ChatMessage;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Most messages one read returns (room page, JSON API page, refresh).
pub const MAX_PAGE: u64 = 200;

/// Creates a chat with a fresh random hash key.
pub async fn create_chat(db: &impl ConnectionTrait, name: &RoomName) -> Result<chat::Model, DbErr> {
    // 96 random bits make a collision practically impossible; retry anyway rather than fail.
    let mut last_err = None;
    for _ in 0..3 {
        let row = chat::ActiveModel {
            name: Set(name.as_str().to_owned()),
            hash_key: Set(new_hash_key().as_str().to_owned()),
            ..Default::default()
        };
        match row.insert(db).await {
            Ok(model) => return Ok(model),
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err.unwrap_or_else(|| DbErr::Custom("could not create chat".into())))
}

/// The chat behind a share-link key, if any.
pub async fn find_by_hash_key(
    db: &impl ConnectionTrait,
    key: &HashKey,
) -> Result<Option<chat::Model>, DbErr> {
    chat::Entity::find()
        .filter(chat::Column::HashKey.eq(key.as_str()))
        .one(db)
        .await
}

/// The chat with this id, if any.
pub async fn find_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<chat::Model>, DbErr> {
    chat::Entity::find_by_id(id).one(db).await
}

/// Up to `limit` messages with id greater than `after`, oldest first.
pub async fn messages_after(
    db: &impl ConnectionTrait,
    chat_id: i32,
    after: i64,
    limit: u64,
) -> Result<Vec<ChatMessage>, DbErr> {
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::Id.gt(after))
        .order_by_asc(message::Column::Id)
        .limit(limit.min(MAX_PAGE))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_dto).collect())
}

/// The id of the newest message in `chat_id` (0 when it has none).
pub async fn last_message_id(db: &impl ConnectionTrait, chat_id: i32) -> Result<i64, DbErr> {
    let newest: Option<i32> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::ChatId.eq(chat_id))
        .order_by_desc(message::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.map_or(0, i64::from))
}

/// The newest `limit` messages, oldest first.
pub async fn latest_messages(
    db: &impl ConnectionTrait,
    chat_id: i32,
    limit: u64,
) -> Result<Vec<ChatMessage>, DbErr> {
    messages_before(db, chat_id, i64::MAX, limit).await
}

/// The wire form of a stored message.
pub(crate) fn to_dto(row: message::Model) -> ChatMessage {
    ChatMessage {
        id: i64::from(row.id),
        chat_id: i64::from(row.chat_id),
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
    chat_id: i32,
    before: i64,
    limit: u64,
) -> Result<Vec<ChatMessage>, DbErr> {
    let mut rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::Id.lt(before))
        .order_by_desc(message::Column::Id)
        .limit(limit.min(MAX_PAGE))
        .all(db)
        .await?;
    rows.reverse();
    Ok(rows.into_iter().map(to_dto).collect())
}
