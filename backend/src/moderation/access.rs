//! Who may enter a room, decided in one place for every way in (the page, sending, history, the
//! live stream, the JSON API, exports): the link must be the room's current one (or a member's
//! old one), the visitor must not be banned, and a locked room admits only its members.
//! Owners and moderators always get in.

use super::bans::Visitor;
use super::roles;
use super::rules::{KeptRules, Rules};
use crate::store::entities::chat;
use crate::store::memberships::{self, Noted};
use crate::store::room_mirror::RoomMirror;
use crate::store::rooms::{self, Room};
use domain::moderation::Role;
use domain::{ChatId, HashKey};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::sync::Arc;

/// Why a visitor may not enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such room (or an old link of a room the visitor never joined).
    #[error("This chatroom does not exist.")]
    NotFound,
    /// A ban covers the visitor.
    #[error("You were banned from this room.")]
    Banned,
    /// The room is locked and the visitor is not a member.
    #[error("This room is closed to new people.")]
    Locked,
}

/// Why entering failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The visitor may not enter.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl From<sea_orm::DbErr> for AccessError {
    fn from(err: sea_orm::DbErr) -> Self {
        AccessError::Store(err.into())
    }
}

/// A visitor let into a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The room, as it is now (its current link may differ from the one used).
    pub room: Room,
    /// The visitor's role in it.
    pub role: Option<Role>,
    /// Its roles and bans, as they were when it was entered.
    pub rules: Arc<Rules>,
}

impl Entry {
    /// Whether the visitor may moderate (owner or moderator).
    pub fn moderates(&self) -> bool {
        self.role.is_some()
    }
}

/// Lets `visitor` into the room behind `key`, or says why not. The browser that created the
/// room becomes its owner the first time it enters with a name.
pub async fn enter(
    db: &impl ConnectionTrait,
    kept: &KeptRules,
    mirror: &RoomMirror,
    key: &HashKey,
    visitor: Visitor<'_>,
) -> Result<Entry, AccessError> {
    let linked = find_by_link(db, mirror, key).await?;
    let mut room = linked.room;
    let session = visitor.session;
    let mut rules = Rules::of(db, kept, &room).await?;
    let mut role = rules.role_of(session.claim_id);
    if role.is_none() && adopt(db, mirror, &room, visitor).await? {
        room.creator_browser = None;
        role = Some(Role::Owner);
        // Once per room: the page this visitor sees already shows them as its owner.
        rules = Arc::new(Rules::load(db, room.id).await?);
    }
    if role.is_some() {
        return Ok(Entry { room, role, rules });
    }
    if rules.bans(visitor) {
        return Err(Refusal::Banned.into());
    }
    if !linked.current || room.locked {
        let member = memberships::is_member(db, session.id, room.id).await?
            || memberships::is_member_by_claim(db, session.claim_id, room.id).await?;
        if !member {
            return Err(if linked.current {
                Refusal::Locked
            } else {
                Refusal::NotFound
            }
            .into());
        }
    }
    Ok(Entry { room, role, rules })
}

/// Room `id` if `session_id` has opened it (through any of its links), else `None`: from the
/// rows and memberships a lone instance keeps when it knows both, else from the database. Bans
/// are not checked here.
pub async fn room_of_member(
    db: &impl ConnectionTrait,
    mirror: &RoomMirror,
    noted: &Noted,
    id: ChatId,
    session_id: i32,
) -> Result<Option<Room>, crate::Error> {
    if let Some(room) = mirror
        .room_by_id(id)
        .filter(|room| noted.knows_member(session_id, room))
    {
        return Ok(Some(room));
    }
    let ticket = mirror.ticket();
    let room = rooms::find_for_member(db, id, session_id).await?;
    if let (Some(ticket), Some(room)) = (ticket, &room) {
        mirror.keep(ticket, room);
    }
    Ok(room)
}

/// The room behind `key` (a current link from the mirror when it keeps one), or `NotFound`.
async fn find_by_link(
    db: &impl ConnectionTrait,
    mirror: &RoomMirror,
    key: &HashKey,
) -> Result<rooms::Linked, AccessError> {
    if let Some(room) = mirror.room(key) {
        return Ok(rooms::Linked {
            room,
            current: true,
        });
    }
    let ticket = mirror.ticket();
    let linked = rooms::find_by_link(db, key)
        .await?
        .ok_or(Refusal::NotFound)?;
    // Only current links are kept: an old one also needs the visitor's membership.
    if let (Some(ticket), true) = (ticket, linked.current) {
        mirror.keep(ticket, &linked.room);
    }
    Ok(linked)
}

/// Makes the visitor the owner if their browser created the room and nobody owns it yet. The
/// role is granted before the creator mark is cleared, so a failure between the two leaves the
/// room adoptable rather than ownerless.
async fn adopt(
    db: &impl ConnectionTrait,
    mirror: &RoomMirror,
    room: &Room,
    visitor: Visitor<'_>,
) -> Result<bool, AccessError> {
    let (Some(creator), Some(browser)) = (room.creator_browser.as_deref(), visitor.browser) else {
        return Ok(false);
    };
    if creator != browser {
        return Ok(false);
    }
    // The row and the roles change: kept rows are read again once this is done.
    let _changing = mirror.changing();
    let adopted = !roles::has_owner(db, room.id).await?;
    if adopted {
        roles::grant(db, room.id, visitor.session.claim_id, Role::Owner).await?;
        tracing::info!(chat_id = %room.id, claim_id = visitor.session.claim_id, "room owner set");
    }
    chat::Entity::update_many()
        .col_expr(
            chat::Column::CreatorBrowser,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(chat::Column::Id.eq(room.id.0))
        .exec(db)
        .await?;
    Ok(adopted)
}
