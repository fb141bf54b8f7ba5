//! A chatroom: a name and the random key of its share link.

use sea_orm::entity::prelude::*;

/// One row of `chat`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub hash_key: String,
    /// The room's change-feed position: the seq of its latest message change.
    pub last_seq: i64,
    /// No new people may enter.
    pub locked: bool,
    /// Least seconds between two messages of one person (0: no slow mode).
    pub slow_mode_secs: i32,
    /// Days messages are kept (`None`: forever).
    pub retention_days: Option<i32>,
    /// The browser that created the room, until someone from it becomes the owner.
    pub creator_browser: Option<String>,
    /// Bumped with every change to the room's roles, bans or stored messages that `last_seq`
    /// does not count (see `store::room_cache`).
    pub version: i64,
}

/// A chat has many messages.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::message::Entity")]
    Message,
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
