//! `retired_link`: a share-link key a room had before its link was rotated.

use sea_orm::entity::prelude::*;

/// One row of `retired_link`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retired_link")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash_key: String,
    pub chat_id: i64,
    pub retired_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
