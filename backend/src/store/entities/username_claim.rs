//! A claimed username: the first person to log in with a name owns it until it is released.

use sea_orm::entity::prelude::*;

/// One row of `username_claim`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "username_claim")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The name with case, width, look-alike and invisible differences folded away.
    #[sea_orm(unique)]
    pub name_key: String,
    /// The name as its owner first wrote it; every session holding the claim shows this.
    pub name: String,
    /// argon2id PHC string; `None` when the owner set no passphrase.
    pub passphrase_hash: Option<String>,
    /// Last time any session holding the name was active.
    pub last_used_at: DateTimeUtc,
}

/// Claims relate to sessions through `session.claim_id` (kept consistent in code).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
