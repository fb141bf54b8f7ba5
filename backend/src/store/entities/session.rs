//! A session: a random token in a cookie, mapped to the username chosen at login.

use sea_orm::entity::prelude::*;

/// One row of `session`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token: String,
    pub username: String,
    /// The username claim this session holds (`None` only for sessions older than claims).
    pub claim_id: Option<i32>,
    /// Last request made with this session; idle sessions expire.
    pub last_active_at: DateTimeUtc,
    /// The browser cookie it logged in with.
    pub browser_id: Option<String>,
}

/// Sessions relate to nothing else (the username is copied onto each message).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
