//! Which session opened which chat through its link. Only members may read a chat by its id
//! (`/chats/<id>/`); ids are sequential, the share link's key is what keeps a room private.
//! The name's rooms (`claim_room`) are kept too: they follow it to another browser, and outlive
//! a logout.

use super::entities::{chat, claim_room, membership, session};
use super::rooms::{self, Room};
use crate::identity::sessions::Session;
use domain::model::RecentRoom;
use domain::{ChatId, HashKey};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;
use std::sync::Mutex;

/// How stale a membership's time may get before a page view moves it up again: a reload within
/// it reads only (no write, no commit to wait for).
const RECORD_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The membership each session last noted on this instance, so that a reload within
/// [`RECORD_EVERY`] reads nothing at all. Used only by a lone instance: with others, one of
/// them may have noted another room for the same session meanwhile.
#[derive(Debug)]
pub struct Noted {
    enabled: bool,
    top: Mutex<HashMap<i32, NotedRoom>>,
}

/// A session's most recent membership as last noted here.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NotedRoom {
    chat_id: ChatId,
    address: String,
    at: chrono::DateTime<chrono::Utc>,
    /// The room's `version` then: removals bump it, so a removed member is noted again.
    version: i64,
}

/// Sessions whose noted membership is kept at once (past it, it starts over).
const NOTED_SESSIONS: usize = 100_000;

impl Noted {
    /// Kept and used if `alone` (this is the only instance), else never used.
    pub fn new(alone: bool) -> Self {
        Self {
            enabled: alone,
            top: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, NotedRoom>> {
        // A poisoned lock only means a panic elsewhere; the map itself is intact.
        self.top
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `session_id`'s most recent membership is already `room`, from `address`,
    /// noted less than [`RECORD_EVERY`] before `now`.
    fn is_current(
        &self,
        session_id: i32,
        room: &Room,
        address: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.enabled
            && self.lock().get(&session_id).is_some_and(|noted| {
                noted.chat_id == room.id
                    && noted.version == room.stamp.version
                    && noted.address == address
                    && now - noted.at < RECORD_EVERY
            })
    }

    /// Whether `session_id` is known here to have opened `room`: it is the session's most
    /// recent membership noted on this lone instance, at the room's current `version` (removing
    /// a member bumps it).
    pub fn knows_member(&self, session_id: i32, room: &Room) -> bool {
        self.enabled
            && self.lock().get(&session_id).is_some_and(|noted| {
                noted.chat_id == room.id && noted.version == room.stamp.version
            })
    }

    fn note(&self, session_id: i32, noted: NotedRoom) {
        if !self.enabled {
            return;
        }
        let mut top = self.lock();
        if top.len() >= NOTED_SESSIONS {
            top.clear();
        }
        top.insert(session_id, noted);
    }
}

/// Notes that `session_id`, holding the name `claim_id`, opened `room` (again) from
/// `address`: its place in "recent rooms" moves up. A membership noted less than
/// [`RECORD_EVERY`] ago from the same address, and still the session's most recent, is left as
/// it is (known from `noted` without a query when this is the only instance).
pub async fn record(
    db: &impl ConnectionTrait,
    noted: &Noted,
    session_id: i32,
    claim_id: i32,
    room: &Room,
    address: &str,
) -> Result<(), crate::Error> {
    let now = chrono::Utc::now();
    if noted.is_current(session_id, room, address, now) {
        return Ok(());
    }
    let chat_id = room.id;
    let mut noting = NotedRoom {
        chat_id,
        address: address.to_owned(),
        at: now,
        version: room.stamp.version,
    };
    // The session's most recent membership, in one query: if it is this room, from this
    // address and recent, nothing would change.
    let top: Option<(i64, chrono::DateTime<chrono::Utc>, Option<String>)> =
        membership::Entity::find()
            .select_only()
            .column(membership::Column::ChatId)
            .column(membership::Column::JoinedAt)
            .column(membership::Column::Address)
            .filter(membership::Column::SessionId.eq(session_id))
            .order_by_desc(membership::Column::JoinedAt)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
    if let Some((top_chat, joined_at, Some(known_address))) = top {
        if top_chat == chat_id.0 && known_address == address && now - joined_at < RECORD_EVERY {
            noting.at = joined_at;
            noted.note(session_id, noting);
            return Ok(());
        }
    }
    let row = membership::ActiveModel {
        session_id: Set(session_id),
        chat_id: Set(chat_id.0),
        joined_at: Set(now),
        address: Set(Some(address.to_owned())),
        ..Default::default()
    };
    membership::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([membership::Column::SessionId, membership::Column::ChatId])
                .update_columns([membership::Column::JoinedAt, membership::Column::Address])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let for_name = claim_room::ActiveModel {
        claim_id: Set(claim_id),
        chat_id: Set(chat_id.0),
        opened_at: Set(now),
    };
    claim_room::Entity::insert(for_name)
        .on_conflict(
            OnConflict::columns([claim_room::Column::ClaimId, claim_room::Column::ChatId])
                .update_column(claim_room::Column::OpenedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    noted.note(session_id, noting);
    Ok(())
}

/// Whether `session_id` has opened `chat_id`.
pub async fn is_member(
    db: &impl ConnectionTrait,
    session_id: i32,
    chat_id: ChatId,
) -> Result<bool, crate::Error> {
    Ok(membership::Entity::find()
        .filter(membership::Column::SessionId.eq(session_id))
        .filter(membership::Column::ChatId.eq(chat_id.0))
        .count(db)
        .await?
        > 0)
}

/// The query of the chats `session_id` has opened (for a filter on the chat's id).
pub(crate) fn chats_of(session_id: i32) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(membership::Column::ChatId)
        .from(membership::Entity)
        .and_where(membership::Column::SessionId.eq(session_id))
        .to_owned()
}

/// Whether any session holding the name `claim_id` has opened `chat_id` (a member keeps access
/// from another browser after logging in there with the name's passphrase).
pub async fn is_member_by_claim(
    db: &impl ConnectionTrait,
    claim_id: i32,
    chat_id: ChatId,
) -> Result<bool, crate::Error> {
    Ok(claim_room::Entity::find()
        .filter(claim_room::Column::ClaimId.eq(claim_id))
        .filter(claim_room::Column::ChatId.eq(chat_id.0))
        .count(db)
        .await?
        > 0)
}

fn sessions_of(claim_id: i32) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(session::Column::Id)
        .from(session::Entity)
        .and_where(session::Column::ClaimId.eq(claim_id))
        .to_owned()
}

/// Ends the membership in `chat_id` of every session holding the name `claim_id` (removed or
/// banned from the room).
pub async fn remove_claim(
    db: &impl ConnectionTrait,
    claim_id: i32,
    chat_id: ChatId,
) -> Result<(), crate::Error> {
    membership::Entity::delete_many()
        .filter(membership::Column::ChatId.eq(chat_id.0))
        .filter(membership::Column::SessionId.in_subquery(sessions_of(claim_id)))
        .exec(db)
        .await?;
    claim_room::Entity::delete_many()
        .filter(claim_room::Column::ClaimId.eq(claim_id))
        .filter(claim_room::Column::ChatId.eq(chat_id.0))
        .exec(db)
        .await?;
    // What instances noted of their memberships no longer holds.
    rooms::bump_version(db, chat_id).await?;
    Ok(())
}

/// A member of a room as a moderator sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The session that opened the room most recently under the name.
    pub session_id: i32,
    /// The name's claim.
    pub claim_id: i32,
    /// That session's browser.
    pub browser_id: Option<String>,
    /// The address it last opened the room from.
    pub address: Option<String>,
}

/// The member of `chat_id` called `username` (its most recent session), if any.
pub async fn participant(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    username: &str,
) -> Result<Option<Participant>, crate::Error> {
    let found = membership::Entity::find()
        .filter(membership::Column::ChatId.eq(chat_id.0))
        .find_also_related(session::Entity)
        .filter(session::Column::Username.eq(username))
        .order_by_desc(membership::Column::JoinedAt)
        .one(db)
        .await?;
    Ok(found.and_then(|(membership, session)| {
        let session = session?;
        Some(Participant {
            session_id: session.id,
            claim_id: session.claim_id?,
            browser_id: session.browser_id,
            address: membership.address,
        })
    }))
}

/// Hands the rooms of one session to another, and the rooms of its name to the new session's
/// name (a rename keeps "recent rooms").
pub async fn move_all(
    db: &impl ConnectionTrait,
    from: &Session,
    to: &Session,
) -> Result<(), crate::Error> {
    membership::Entity::update_many()
        .col_expr(membership::Column::SessionId, Expr::value(to.id))
        .filter(membership::Column::SessionId.eq(from.id))
        .exec(db)
        .await?;
    if from.claim_id != to.claim_id {
        let old_rooms = Query::select()
            .expr(Expr::value(to.claim_id))
            .columns([claim_room::Column::ChatId, claim_room::Column::OpenedAt])
            .from(claim_room::Entity)
            .and_where(claim_room::Column::ClaimId.eq(from.claim_id))
            .to_owned();
        let copy = Query::insert()
            .into_table(claim_room::Entity)
            .columns([
                claim_room::Column::ClaimId,
                claim_room::Column::ChatId,
                claim_room::Column::OpenedAt,
            ])
            .select_from(old_rooms)
            .map_err(|err| crate::Error::from(sea_orm::DbErr::Custom(err.to_string())))?
            .on_conflict(
                OnConflict::columns([claim_room::Column::ClaimId, claim_room::Column::ChatId])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        db.execute(&copy).await?;
    }
    Ok(())
}

/// The rooms the name `claim_id` opened most recently, from any browser, newest first: a
/// passphrase-protected name finds its rooms in every browser it logs in from.
pub async fn recent(
    db: &impl ConnectionTrait,
    claim_id: i32,
    limit: u64,
) -> Result<Vec<RecentRoom>, crate::Error> {
    let rows = claim_room::Entity::find()
        .filter(claim_room::Column::ClaimId.eq(claim_id))
        .order_by_desc(claim_room::Column::OpenedAt)
        .limit(limit)
        .find_also_related(chat::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(_, chat)| chat)
        .filter_map(|chat| {
            Some(RecentRoom {
                hash_key: HashKey::parse(&chat.hash_key).ok()?,
                name: chat.name,
            })
        })
        .collect())
}
