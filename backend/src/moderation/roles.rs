//! Who holds which role in a room. Roles belong to claimed names, so a name protected by a
//! passphrase keeps its role in any browser; a released name loses its roles with its claim.

use crate::store::entities::{room_role, username_claim};
use crate::store::rooms;
use domain::moderation::{Role, RoleHolder};
use domain::ChatId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// The role of the name `claim_id` in `chat_id`, if any.
pub async fn role_of(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    claim_id: i32,
) -> Result<Option<Role>, DbErr> {
    Ok(room_role::Entity::find()
        .filter(room_role::Column::ChatId.eq(chat_id.0))
        .filter(room_role::Column::ClaimId.eq(claim_id))
        .one(db)
        .await?
        .and_then(|row| Role::from_stored(&row.role)))
}

/// Everyone with a role in `chat_id` as (name, claim id, role): the owner first, then
/// moderators by name.
pub async fn claims_with_roles(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
) -> Result<Vec<(String, i32, Role)>, DbErr> {
    let rows = room_role::Entity::find()
        .filter(room_role::Column::ChatId.eq(chat_id.0))
        .find_also_related(username_claim::Entity)
        .order_by_asc(room_role::Column::Id)
        .all(db)
        .await?;
    let mut holders: Vec<(String, i32, Role)> = rows
        .into_iter()
        .filter_map(|(role, claim)| {
            Some((claim?.name, role.claim_id, Role::from_stored(&role.role)?))
        })
        .collect();
    holders.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    Ok(holders)
}

/// Everyone with a role in `chat_id`, as pages show them.
pub async fn holders(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<Vec<RoleHolder>, DbErr> {
    Ok(claims_with_roles(db, chat_id)
        .await?
        .into_iter()
        .map(|(username, _, role)| RoleHolder { username, role })
        .collect())
}

/// Whether `chat_id` has an owner.
pub async fn has_owner(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<bool, DbErr> {
    Ok(room_role::Entity::find()
        .filter(room_role::Column::ChatId.eq(chat_id.0))
        .filter(room_role::Column::Role.eq(Role::Owner.as_str()))
        .one(db)
        .await?
        .is_some())
}

/// Gives the name `claim_id` `role` in `chat_id` (replacing any role it had).
pub async fn grant(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    claim_id: i32,
    role: Role,
) -> Result<(), DbErr> {
    let row = room_role::ActiveModel {
        chat_id: Set(chat_id.0),
        claim_id: Set(claim_id),
        role: Set(role.as_str().to_owned()),
        ..Default::default()
    };
    room_role::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([room_role::Column::ChatId, room_role::Column::ClaimId])
                .update_column(room_role::Column::Role)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    rooms::bump_version(db, chat_id).await
}

/// Takes any role the name `claim_id` has in `chat_id`.
pub async fn revoke(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    claim_id: i32,
) -> Result<(), DbErr> {
    room_role::Entity::delete_many()
        .filter(room_role::Column::ChatId.eq(chat_id.0))
        .filter(room_role::Column::ClaimId.eq(claim_id))
        .exec(db)
        .await?;
    rooms::bump_version(db, chat_id).await
}

/// Marks the rooms where these claims hold roles as changed: call it before deleting the
/// claims (their roles go with them).
pub async fn bump_rooms_of(db: &impl ConnectionTrait, claim_ids: &[i32]) -> Result<(), DbErr> {
    let chats: Vec<i64> = room_role::Entity::find()
        .select_only()
        .column(room_role::Column::ChatId)
        .filter(room_role::Column::ClaimId.is_in(claim_ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    for chat_id in chats {
        rooms::bump_version(db, ChatId(chat_id)).await?;
    }
    Ok(())
}
