//! What owners and moderators can do, each action checked here against the actor's role (the
//! server decides; a page that shows no button proves nothing), recorded in the moderation log,
//! and told to every open page of the room.
//!
//! The role matrix: moderators and the owner may delete any message, remove and ban people
//! ranked below them (and lift bans), lock the room, rotate its link, set slow mode and rename
//! it. Only the owner may set retention, delete the room, name or unname moderators and hand
//! the room to someone else. Nobody may act on themselves or on someone of equal or higher rank.

use super::access::Entry;
use super::bans::{self, NewBan};
use super::log;
use super::roles;
use super::state::announce;
use crate::identity::sessions::Session;
use crate::live::cluster::RoomNotice;
use crate::random::new_hash_key;
use crate::store::entities::{chat, retired_link, session};
use crate::store::memberships::{self, Participant};
use crate::store::room_mirror::Changing;
use crate::store::rooms::Room;
use crate::Services;
use domain::moderation::{BanEntry, Deletion, LogEntry, Retention, Role, SlowMode};
use domain::{MessageId, RoomName};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

/// Why a moderation action was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// The actor lacks the role the action needs.
    #[error("Only the room's {0} can do that.")]
    Forbidden(&'static str),
    /// The target ranks as high as the actor (or is the actor).
    #[error("You cannot do that to {0}.")]
    OutOfReach(String),
    /// No such person in the room.
    #[error("{0} is not in this room.")]
    NoSuchPerson(String),
    /// No such message in the room.
    #[error("That message is not in this room.")]
    NoSuchMessage,
    /// No such ban in the room.
    #[error("That ban does not exist (it may have been lifted already).")]
    NoSuchBan,
    /// The database or a task failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl From<sea_orm::DbErr> for ModerationError {
    fn from(err: sea_orm::DbErr) -> Self {
        ModerationError::Store(err.into())
    }
}

/// An owner or moderator reading what only they see of a room (its bans, its log); unlike a
/// [`Moderator`], it changes nothing, so rooms' kept rows stay.
#[derive(Debug)]
pub struct ModerationView<'a> {
    services: &'a Services,
    room: &'a Room,
}

impl<'a> ModerationView<'a> {
    /// The visitor of `entry` reading as a moderator, if they are one.
    pub fn of(services: &'a Services, entry: &'a Entry) -> Result<Self, ModerationError> {
        entry
            .role
            .ok_or(ModerationError::Forbidden("owner and moderators"))?;
        Ok(Self {
            services,
            room: &entry.room,
        })
    }

    /// The room's bans, newest first.
    pub async fn bans(&self) -> Result<Vec<BanEntry>, ModerationError> {
        Ok(bans::list(&self.services.db, self.room.id).await?)
    }

    /// The newest lines of the moderation log.
    pub async fn log_lines(&self) -> Result<Vec<LogEntry>, ModerationError> {
        Ok(log::recent(&self.services.db, self.room.id).await?)
    }
}

/// Someone acting on a room with the role they hold there.
#[derive(Debug)]
pub struct Moderator<'a> {
    services: &'a Services,
    room: &'a Room,
    session: &'a Session,
    role: Role,
    /// Whatever it changes (the room's row, roles, bans, members), kept rows of rooms are read
    /// again once it is done; none is kept meanwhile.
    _changing: Changing<'a>,
}

impl<'a> Moderator<'a> {
    /// The visitor of `entry` as a moderator, if they are one.
    pub fn of(
        services: &'a Services,
        entry: &'a Entry,
        session: &'a Session,
    ) -> Result<Self, ModerationError> {
        let role = entry
            .role
            .ok_or(ModerationError::Forbidden("owner and moderators"))?;
        Ok(Self {
            services,
            room: &entry.room,
            session,
            role,
            _changing: services.mirror.changing(),
        })
    }

    fn owner_only(&self) -> Result<(), ModerationError> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(ModerationError::Forbidden("owner"))
        }
    }

    async fn log(&self, action: &str, detail: &str) -> Result<(), ModerationError> {
        log::record(
            &self.services.db,
            self.room.id,
            &self.session.name,
            action,
            detail,
        )
        .await?;
        tracing::info!(chat_id = %self.room.id, action, "moderation");
        Ok(())
    }

    async fn changed(&self) -> Result<(), ModerationError> {
        Ok(announce(self.services, self.room.id, RoomNotice::Changed).await?)
    }

    /// The member called `username`, if they rank below the actor.
    async fn target(&self, username: &str) -> Result<Participant, ModerationError> {
        let found = memberships::participant(&self.services.db, self.room.id, username)
            .await?
            .ok_or_else(|| ModerationError::NoSuchPerson(username.to_owned()))?;
        self.check_reach(username, Some(found.claim_id)).await?;
        Ok(found)
    }

    /// Refuses acting on oneself, or on someone ranked as high as the actor (found by claim,
    /// or by name for someone who is not a member any more).
    async fn check_reach(
        &self,
        username: &str,
        claim_id: Option<i32>,
    ) -> Result<(), ModerationError> {
        if claim_id == Some(self.session.claim_id) || username == self.session.name {
            return Err(ModerationError::OutOfReach("yourself".into()));
        }
        let theirs = match claim_id {
            Some(claim_id) => roles::role_of(&self.services.db, self.room.id, claim_id).await?,
            None => roles::claims_with_roles(&self.services.db, self.room.id)
                .await?
                .into_iter()
                .find(|(name, _, _)| name == username)
                .map(|(_, _, role)| role),
        };
        if theirs.is_some_and(|theirs| theirs >= self.role) {
            return Err(ModerationError::OutOfReach(username.to_owned()));
        }
        Ok(())
    }

    /// Deletes any message of the room; every open page shows "removed by a moderator".
    pub async fn delete_message(&self, id: MessageId) -> Result<(), ModerationError> {
        let deleted = self
            .services
            .writer
            .delete(self.room.id, id, Deletion::Moderator, None)
            .await?
            .ok_or(ModerationError::NoSuchMessage)?;
        self.log("deleted a message", &format!("by {}", deleted.username))
            .await
    }

    /// Ends `username`'s presence in the room now; they may come back (unless it is locked).
    pub async fn remove(&self, username: &str) -> Result<(), ModerationError> {
        let target = self.target(username).await?;
        memberships::remove_claim(&self.services.db, target.claim_id, self.room.id).await?;
        self.log("removed", username).await?;
        let notice = RoomNotice::Removed {
            username: username.to_owned(),
            banned: false,
        };
        Ok(announce(self.services, self.room.id, notice).await?)
    }

    /// Removes `username` and keeps them out (see [`bans`] for what a ban covers); with
    /// `delete_messages`, every message they wrote in the room is deleted too.
    pub async fn ban(&self, username: &str, delete_messages: bool) -> Result<(), ModerationError> {
        let db = &self.services.db;
        // Someone who left the room can still be banned by name.
        let target = match self.target(username).await {
            Ok(target) => Some(target),
            Err(ModerationError::NoSuchPerson(_)) => {
                self.check_reach(username, None).await?;
                None
            }
            Err(err) => return Err(err),
        };
        let newest_session: Option<i32> = session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .order_by_desc(session::Column::Id)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
        let ban = NewBan {
            username: username.to_owned(),
            claim_id: target.as_ref().map(|t| t.claim_id),
            session_id: target.as_ref().map(|t| t.session_id),
            browser_id: target.as_ref().and_then(|t| t.browser_id.clone()),
            address: target.as_ref().and_then(|t| t.address.clone()),
            sessions_after: newest_session.unwrap_or(0),
            banned_by: self.session.name.clone(),
        };
        let txn = db.begin().await?;
        bans::create(&txn, self.room.id, ban, chrono::Utc::now()).await?;
        if let Some(target) = &target {
            memberships::remove_claim(&txn, target.claim_id, self.room.id).await?;
            roles::revoke(&txn, self.room.id, target.claim_id).await?;
        }
        txn.commit().await?;
        let deleted = if delete_messages {
            self.services
                .writer
                .delete_all_by(self.room.id, username)
                .await?
        } else {
            0
        };
        let detail = match deleted {
            0 => username.to_owned(),
            n => format!("{username} (and deleted {n} of their messages)"),
        };
        self.log("banned", &detail).await?;
        let notice = RoomNotice::Removed {
            username: username.to_owned(),
            banned: true,
        };
        announce(self.services, self.room.id, notice).await?;
        Ok(())
    }

    /// Lifts ban `id`.
    pub async fn lift_ban(&self, id: i32) -> Result<(), ModerationError> {
        let username = bans::lift(&self.services.db, self.room.id, id)
            .await?
            .ok_or(ModerationError::NoSuchBan)?;
        self.log("lifted the ban on", &username).await
    }

    /// Closes the room to new people (or opens it again).
    pub async fn set_locked(&self, locked: bool) -> Result<(), ModerationError> {
        self.update_chat(chat::Column::Locked, Expr::value(locked))
            .await?;
        let action = if locked {
            "locked the room"
        } else {
            "unlocked the room"
        };
        self.log(action, "").await?;
        self.changed().await
    }

    /// Sets slow mode.
    pub async fn set_slow_mode(&self, mode: SlowMode) -> Result<(), ModerationError> {
        let secs = i32::try_from(mode.secs()).unwrap_or(i32::MAX);
        self.update_chat(chat::Column::SlowModeSecs, Expr::value(secs))
            .await?;
        let detail = if mode.is_on() {
            format!("{} s", mode.secs())
        } else {
            "off".to_owned()
        };
        self.log("set slow mode to", &detail).await?;
        self.changed().await
    }

    /// Renames the room.
    pub async fn rename(&self, name: &RoomName) -> Result<(), ModerationError> {
        self.update_chat(chat::Column::Name, Expr::value(name.as_str()))
            .await?;
        self.log(
            "renamed the room",
            &format!("from “{}” to “{}”", self.room.name, name),
        )
        .await?;
        self.changed().await
    }

    /// Gives the room a new share link; the old one keeps working only for members.
    pub async fn rotate_link(&self) -> Result<(), ModerationError> {
        let txn = self.services.db.begin().await?;
        retired_link::ActiveModel {
            hash_key: Set(self.room.hash_key.as_str().to_owned()),
            chat_id: Set(self.room.id.0),
            retired_at: Set(chrono::Utc::now()),
        }
        .insert(&txn)
        .await?;
        let key = new_hash_key();
        chat::Entity::update_many()
            .col_expr(chat::Column::HashKey, Expr::value(key.as_str()))
            .filter(chat::Column::Id.eq(self.room.id.0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.log("rotated the share link", "").await?;
        self.changed().await
    }

    /// Sets how long messages are kept (owner only).
    pub async fn set_retention(&self, retention: Retention) -> Result<(), ModerationError> {
        self.owner_only()?;
        self.update_chat(chat::Column::RetentionDays, Expr::value(retention.days()))
            .await?;
        self.log("set message retention to", retention.label())
            .await?;
        self.changed().await
    }

    /// Makes `username` a moderator (owner only).
    pub async fn make_moderator(&self, username: &str) -> Result<(), ModerationError> {
        self.owner_only()?;
        let target = self.target(username).await?;
        roles::grant(
            &self.services.db,
            self.room.id,
            target.claim_id,
            Role::Moderator,
        )
        .await?;
        self.log("made a moderator", username).await?;
        self.changed().await
    }

    /// Takes the moderator role from `username` (owner only).
    pub async fn revoke_moderator(&self, username: &str) -> Result<(), ModerationError> {
        self.owner_only()?;
        let claim_id = self.role_holder(username).await?;
        roles::revoke(&self.services.db, self.room.id, claim_id).await?;
        self.log("took the moderator role from", username).await?;
        self.changed().await
    }

    /// Hands the room to `username`; the owner becomes a moderator (owner only).
    pub async fn transfer_ownership(&self, username: &str) -> Result<(), ModerationError> {
        self.owner_only()?;
        let target = memberships::participant(&self.services.db, self.room.id, username)
            .await?
            .ok_or_else(|| ModerationError::NoSuchPerson(username.to_owned()))?;
        if target.claim_id == self.session.claim_id {
            return Err(ModerationError::OutOfReach("yourself".into()));
        }
        let txn = self.services.db.begin().await?;
        roles::grant(&txn, self.room.id, self.session.claim_id, Role::Moderator).await?;
        roles::grant(&txn, self.room.id, target.claim_id, Role::Owner).await?;
        txn.commit().await?;
        self.log("handed the room to", username).await?;
        self.changed().await
    }

    /// Deletes the room with every message (owner only); its link then answers 404.
    pub async fn delete_room(&self) -> Result<(), ModerationError> {
        self.owner_only()?;
        chat::Entity::delete_by_id(self.room.id.0)
            .exec(&self.services.db)
            .await?;
        // Its copies here would go unused (no row, no entry); other instances drop theirs
        // when their budget starts over.
        self.services.windows.forget(self.room.id);
        self.services.rules.forget(self.room.id);
        tracing::info!(chat_id = %self.room.id, "room deleted by its owner");
        Ok(announce(self.services, self.room.id, RoomNotice::Closed).await?)
    }

    async fn role_holder(&self, username: &str) -> Result<i32, ModerationError> {
        let holders = roles::claims_with_roles(&self.services.db, self.room.id).await?;
        holders
            .into_iter()
            .find(|(name, _, role)| name == username && *role == Role::Moderator)
            .map(|(_, claim_id, _)| claim_id)
            .ok_or_else(|| ModerationError::NoSuchPerson(format!("Moderator {username}")))
    }

    async fn update_chat(
        &self,
        column: chat::Column,
        value: sea_orm::sea_query::SimpleExpr,
    ) -> Result<(), ModerationError> {
        chat::Entity::update_many()
            .col_expr(column, value)
            .filter(chat::Column::Id.eq(self.room.id.0))
            .exec(&self.services.db)
            .await?;
        Ok(())
    }
}
