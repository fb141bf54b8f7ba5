//! A room's roles and bans: everything deciding who may enter and act in it besides its row,
//! read in two queries and kept per room in a [`RoomCache`] while the row's `version` holds
//! (roles and bans bump it in the transaction that changes them; new messages do not).

use super::bans::{self, Visitor};
use super::roles;
use crate::store::entities::room_ban;
use crate::store::room_cache::{RoomCache, Weight};
use crate::store::rooms::Room;
use domain::moderation::{Role, RoleHolder};
use domain::ChatId;
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::Arc;

/// Bytes of rules kept at once (a few hundred per room).
pub const KEPT_BYTES: usize = 4 << 20;

/// Rules kept per room, each valid for the room's `version` it was read at.
pub type KeptRules = RoomCache<Rules, i64>;

/// A room's roles and bans as they were at its row's `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Every role holder as (name, claim id, role): the owner first, then moderators by name.
    roles: Vec<(String, i32, Role)>,
    /// Its bans, oldest first.
    bans: Vec<room_ban::Model>,
}

impl Weight for Rules {
    fn weight(&self) -> usize {
        let roles: usize = self.roles.iter().map(|(name, _, _)| 48 + name.len()).sum();
        let bans: usize = self
            .bans
            .iter()
            .map(|ban| std::mem::size_of::<room_ban::Model>() + ban.username.len() + 64)
            .sum();
        std::mem::size_of::<Self>() + roles + bans
    }
}

impl Rules {
    /// Reads `chat_id`'s rules from the database.
    pub async fn load(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<Self, DbErr> {
        Ok(Self {
            roles: roles::claims_with_roles(db, chat_id).await?,
            bans: bans::all(db, chat_id).await?,
        })
    }

    /// `room`'s rules: the copy kept for its `version`, or read now (and kept). New messages
    /// leave it as it is.
    pub async fn of(
        db: &impl ConnectionTrait,
        kept: &KeptRules,
        room: &Room,
    ) -> Result<Arc<Self>, DbErr> {
        kept.get_or_load(room.id, room.stamp.version, Self::load(db, room.id))
            .await
    }

    /// The role of the name `claim_id`, if any.
    pub fn role_of(&self, claim_id: i32) -> Option<Role> {
        self.roles
            .iter()
            .find(|(_, claim, _)| *claim == claim_id)
            .map(|(_, _, role)| *role)
    }

    /// The role holders as pages show them.
    pub fn holders(&self) -> Vec<RoleHolder> {
        self.roles
            .iter()
            .map(|(username, _, role)| RoleHolder {
                username: username.clone(),
                role: *role,
            })
            .collect()
    }

    /// Whether any ban covers `visitor`.
    pub fn bans(&self, visitor: Visitor<'_>) -> bool {
        bans::cover_any(&self.bans, visitor)
    }
}
