//! A room a name opened: which rooms follow a username to any browser that holds it.

use sea_orm::entity::prelude::*;

/// One row of `claim_room`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim_room")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub claim_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub chat_id: i64,
    /// When a session holding the name last opened the room.
    pub opened_at: DateTimeUtc,
}

/// A claim's room belongs to the chat (and is deleted with it, and with the claim).
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
