//! The moderation log: one line per action of an owner or moderator, for them to read.

use crate::store::entities::moderation_log;
use crate::store::rooms;
use chrono::Utc;
use domain::moderation::LogEntry;
use domain::ChatId;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Lines shown at most.
pub const SHOWN: u64 = 200;

/// Records that `actor` did `action` (e.g. "banned") to `detail` (e.g. a name) in `chat_id`,
/// then moves the room's `version`: the owner's and moderators' pages show the log, and a page
/// is kept by that stamp (an action that changes nothing else, such as setting slow mode to
/// what it was, still adds a line).
pub async fn record(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), DbErr> {
    moderation_log::ActiveModel {
        chat_id: Set(chat_id.0),
        at: Set(Utc::now()),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        detail: Set(detail.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    rooms::bump_version(db, chat_id).await
}

/// The newest [`SHOWN`] lines of `chat_id`, newest first.
pub async fn recent(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<Vec<LogEntry>, DbErr> {
    Ok(moderation_log::Entity::find()
        .filter(moderation_log::Column::ChatId.eq(chat_id.0))
        .order_by_desc(moderation_log::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|row| LogEntry {
            at: row.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            actor: row.actor,
            action: row.action,
            detail: row.detail,
        })
        .collect())
}
