//! Bans: who may not enter a room. A ban covers the banned session, its claimed name and every
//! name that looks like it (so neither a new spelling nor a released name gets back in), the
//! browser it was made against (a new name in the same browser is still banned), and the
//! address it last came from (IPv6: its /64), for sessions made after the ban: people already
//! in the room who share the address (an office, a household) are not thrown out with it.

use crate::identity::name_key::keys_of;
use crate::identity::sessions::Session;
use crate::store::entities::room_ban;
use crate::store::rooms;
use chrono::{DateTime, Utc};
use domain::moderation::BanEntry;
use domain::ChatId;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// The person asking to enter, with every trait a ban may cover.
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    /// Their session.
    pub session: &'a Session,
    /// Their browser id (from its cookie), if the browser sent a valid one.
    pub browser: Option<&'a str>,
    /// Their address (IPv6: the /64), as [`address_key`] writes it.
    pub address: &'a str,
}

/// What a ban may cover about one request, besides its session: its browser and its address.
#[derive(Debug, Clone)]
pub struct RequestTraits {
    /// The browser id from its cookie, if the browser sent a valid one.
    pub browser: Option<String>,
    /// The client address as [`address_key`] writes it.
    pub address: String,
}

impl RequestTraits {
    /// Reads them from a request's `headers` and `peer` address (behind a trusted proxy the
    /// address is the last hop of `X-Forwarded-For`).
    pub fn of(
        cookies: crate::identity::cookies::CookiePolicy,
        trusted_proxy: bool,
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> Self {
        Self {
            browser: cookies.browser_from_headers(headers).map(str::to_owned),
            address: address_key(crate::client_address::client_address(
                headers,
                peer,
                trusted_proxy,
            )),
        }
    }

    /// The visitor `session` is, with these traits.
    pub fn visitor<'a>(&'a self, session: &'a Session) -> Visitor<'a> {
        Visitor {
            session,
            browser: self.browser.as_deref(),
            address: &self.address,
        }
    }
}

/// The form in which addresses are stored and compared: IPv4 as is (and IPv4-mapped IPv6 as
/// IPv4), IPv6 as its /64 prefix.
pub fn address_key(addr: std::net::IpAddr) -> String {
    crate::rate_limit::fold_address(addr).to_string()
}

/// What a new ban covers.
#[derive(Debug, Clone)]
pub struct NewBan {
    /// The banned name.
    pub username: String,
    /// Its claim, if it still has one.
    pub claim_id: Option<i32>,
    /// The session it was using in the room.
    pub session_id: Option<i32>,
    /// That session's browser.
    pub browser_id: Option<String>,
    /// The address it last opened the room from.
    pub address: Option<String>,
    /// The newest session id when the ban was made (the address counts for newer ones).
    pub sessions_after: i32,
    /// Who banned.
    pub banned_by: String,
}

/// Stores a ban on `chat_id`.
pub async fn create(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    ban: NewBan,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    room_ban::ActiveModel {
        chat_id: Set(chat_id.0),
        username: Set(ban.username),
        session_id: Set(ban.session_id),
        claim_id: Set(ban.claim_id),
        browser_id: Set(ban.browser_id),
        address: Set(ban.address),
        sessions_after: Set(ban.sessions_after),
        banned_by: Set(ban.banned_by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    rooms::bump_version(db, chat_id).await
}

/// The bans of `chat_id`, newest first.
pub async fn list(db: &impl ConnectionTrait, chat_id: ChatId) -> Result<Vec<BanEntry>, DbErr> {
    Ok(all(db, chat_id)
        .await?
        .into_iter()
        .rev()
        .map(|ban| BanEntry {
            id: ban.id,
            username: ban.username,
            banned_by: ban.banned_by,
            created_at: ban
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
        .collect())
}

/// The bans of `chat_id`, oldest first.
pub(crate) async fn all(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
) -> Result<Vec<room_ban::Model>, DbErr> {
    room_ban::Entity::find()
        .filter(room_ban::Column::ChatId.eq(chat_id.0))
        .order_by_asc(room_ban::Column::Id)
        .all(db)
        .await
}

/// Lifts ban `id` of `chat_id`; returns the name it banned, or `None` if there is no such ban.
pub async fn lift(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    id: i32,
) -> Result<Option<String>, DbErr> {
    let Some(ban) = room_ban::Entity::find_by_id(id)
        .filter(room_ban::Column::ChatId.eq(chat_id.0))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    room_ban::Entity::delete_by_id(ban.id).exec(db).await?;
    rooms::bump_version(db, chat_id).await?;
    Ok(Some(ban.username))
}

/// Whether any of `bans` covers `visitor`.
pub(crate) fn cover_any(bans: &[room_ban::Model], visitor: Visitor<'_>) -> bool {
    if bans.is_empty() {
        return false;
    }
    let visitor_keys = keys_of(&visitor.session.name);
    bans.iter().any(|ban| covers(ban, &visitor, &visitor_keys))
}

fn covers(ban: &room_ban::Model, visitor: &Visitor<'_>, visitor_keys: &[String]) -> bool {
    let session = visitor.session;
    ban.session_id == Some(session.id)
        || ban.claim_id == Some(session.claim_id)
        || keys_of(&ban.username)
            .iter()
            .any(|key| visitor_keys.contains(key))
        || (ban.browser_id.is_some() && ban.browser_id.as_deref() == visitor.browser)
        || (ban.address.as_deref() == Some(visitor.address) && session.id > ban.sessions_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban() -> room_ban::Model {
        room_ban::Model {
            id: 1,
            chat_id: 1,
            username: "Troll".into(),
            session_id: Some(10),
            claim_id: Some(20),
            browser_id: Some("b".repeat(22)),
            address: Some("203.0.113.7".into()),
            sessions_after: 50,
            banned_by: "owner".into(),
            created_at: Utc::now(),
        }
    }

    fn covered(session: Session, browser: Option<&str>, address: &str) -> bool {
        let visitor = Visitor {
            session: &session,
            browser,
            address,
        };
        covers(&ban(), &visitor, &keys_of(&session.name))
    }

    fn session(id: i32, claim_id: i32, name: &str) -> Session {
        Session {
            id,
            claim_id,
            name: name.into(),
        }
    }

    #[test]
    fn a_ban_covers_session_name_look_alikes_browser_and_new_sessions_from_the_address() {
        let elsewhere = "198.51.100.1";
        assert!(
            covered(session(10, 99, "Renamed"), None, elsewhere),
            "same session"
        );
        assert!(
            covered(session(60, 20, "Troll"), None, elsewhere),
            "same claim, new browser"
        );
        assert!(
            covered(session(61, 98, "TROLL"), None, elsewhere),
            "same name in capitals"
        );
        assert!(
            covered(session(62, 97, "Tro11"), None, elsewhere),
            "look-alike digits"
        );
        assert!(
            covered(session(63, 96, "Someone"), Some(&"b".repeat(22)), elsewhere),
            "same browser, new name"
        );
        assert!(
            covered(session(64, 95, "Newbie"), None, "203.0.113.7"),
            "new session from the address"
        );
        assert!(
            !covered(session(40, 94, "Regular"), None, "203.0.113.7"),
            "older session sharing the address"
        );
        assert!(!covered(
            session(65, 93, "Stranger"),
            Some(&"c".repeat(22)),
            elsewhere
        ));
    }

    #[test]
    fn ipv6_addresses_are_kept_per_64() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        let mapped: std::net::IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.1");
    }
}
