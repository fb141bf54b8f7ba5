//! `room_role`: a claimed name's role (owner or moderator) in a room.

use sea_orm::entity::prelude::*;

/// One row of `room_role`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "room_role")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub chat_id: i64,
    pub claim_id: i32,
    /// `owner` or `moderator`.
    pub role: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::username_claim::Entity",
        from = "Column::ClaimId",
        to = "super::username_claim::Column::Id",
        on_delete = "Cascade"
    )]
    Claim,
}

impl Related<super::username_claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Claim.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
