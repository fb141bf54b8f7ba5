//! One key of a claimed name: a name with any key in common with a claimed one is that name.

use sea_orm::entity::prelude::*;

/// One row of `username_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "username_key")]
pub struct Model {
    /// The key (see `identity::name_key`); unique across all claims.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The claim it belongs to (deleted with it).
    pub claim_id: i32,
}

/// A key belongs to one claim.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::username_claim::Entity",
        from = "Column::ClaimId",
        to = "super::username_claim::Column::Id",
        on_delete = "Cascade"
    )]
    UsernameClaim,
}

impl ActiveModelBehavior for ActiveModel {}
