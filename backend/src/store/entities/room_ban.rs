//! `room_ban`: someone kept out of a room, by every trait the ban covers.

use sea_orm::entity::prelude::*;

/// One row of `room_ban`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "room_ban")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub chat_id: i64,
    /// The banned name (names that look like it are banned too).
    pub username: String,
    pub session_id: Option<i32>,
    pub claim_id: Option<i32>,
    pub browser_id: Option<String>,
    /// The address (IPv6: /64) the banned session last opened the room from.
    pub address: Option<String>,
    /// The address counts only for sessions with a greater id (made after the ban).
    pub sessions_after: i32,
    pub banned_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
