//! A message: who said what, when, in which chat.

use sea_orm::entity::prelude::*;

/// One row of `message`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub chat_id: i64,
    pub timestamp: DateTimeUtc,
    pub username: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The room's change-feed number of this message's latest change.
    pub seq: i64,
    /// Who deleted it (`author` or `moderator`); its content is then empty.
    pub deleted_by: Option<String>,
    /// When its author last edited it.
    pub edited_at: Option<DateTimeUtc>,
    /// The message of the same room it answers.
    pub reply_to: Option<i64>,
    /// Its reactions as JSON (`domain::reactions::Reactions`); `None`: nobody reacted.
    #[sea_orm(column_type = "Text", nullable)]
    pub reactions: Option<String>,
    /// The id its sender's browser gave it (`domain::ClientId`), if any: a repeat of the same
    /// id by the same author in the room is the same message.
    pub client_id: Option<String>,
}

/// A message belongs to one chat.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::chat::Entity",
        from = "Column::ChatId",
        to = "super::chat::Column::Id",
        on_delete = "Cascade"
    )]
    Chat,
}

impl Related<super::chat::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Chat.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
