//! Which session opened which chat through its link. Only members may read a chat by its id
//! (`/chats/<id>/`); ids are sequential, the share link's key is what keeps a room private.

use super::entities::{chat, membership};
use domain::model::RecentRoom;
use domain::{ChatId, HashKey};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Notes that `session_id` opened `chat_id` (again): its place in "recent rooms" moves up.
pub async fn record(
    db: &impl ConnectionTrait,
    session_id: i32,
    chat_id: ChatId,
) -> Result<(), crate::Error> {
    let row = membership::ActiveModel {
        session_id: Set(session_id),
        chat_id: Set(chat_id.0),
        joined_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    membership::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([membership::Column::SessionId, membership::Column::ChatId])
                .update_column(membership::Column::JoinedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Whether `session_id` has opened `chat_id`.
pub async fn is_member(
    db: &impl ConnectionTrait,
    session_id: i32,
    chat_id: ChatId,
) -> Result<bool, crate::Error> {
    Ok(membership::Entity::find()
        .filter(membership::Column::SessionId.eq(session_id))
        .filter(membership::Column::ChatId.eq(chat_id.0))
        .count(db)
        .await?
        > 0)
}

/// Hands the rooms of one session to another (a rename keeps "recent rooms").
pub async fn move_all(db: &impl ConnectionTrait, from: i32, to: i32) -> Result<(), crate::Error> {
    membership::Entity::update_many()
        .col_expr(
            membership::Column::SessionId,
            sea_orm::sea_query::Expr::value(to),
        )
        .filter(membership::Column::SessionId.eq(from))
        .exec(db)
        .await?;
    Ok(())
}

/// The rooms this session opened most recently, newest first.
pub async fn recent(
    db: &impl ConnectionTrait,
    session_id: i32,
    limit: u64,
) -> Result<Vec<RecentRoom>, crate::Error> {
    let rows = membership::Entity::find()
        .filter(membership::Column::SessionId.eq(session_id))
        .order_by_desc(membership::Column::JoinedAt)
        .limit(limit)
        .find_also_related(chat::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(_, chat)| chat)
        .filter_map(|chat| {
            Some(RecentRoom {
                hash_key: HashKey::parse(&chat.hash_key).ok()?,
                name: chat.name,
            })
        })
        .collect())
}
