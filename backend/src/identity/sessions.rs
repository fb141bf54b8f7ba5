//! Sessions: a random token in an HttpOnly cookie, mapped to a claimed username in the
//! database. A session ends when its user logs out or after [`SESSION_IDLE_DAYS`] without a
//! request.

use super::claims;
use super::cookies::CookiePolicy;
use super::session_cache::SessionCache;
use crate::live::cluster;
use crate::random::{new_session_token, TOKEN_LEN};
use crate::store::entities::{session, username_claim};
use chrono::{DateTime, TimeDelta, Utc};
use domain::policy::SESSION_IDLE_DAYS;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};

/// Activity is written at most this often per session (a write per request would be waste);
/// a cached session is trusted for as long.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(5);

/// A live session: which browser this is and the name it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id.
    pub id: i32,
    /// The username claim it holds.
    pub claim_id: i32,
    /// The name as claimed at login. It was parsed then and is never parsed again: a rule
    /// tightened later must not lock out people who already hold a name.
    pub name: String,
}

/// The oldest last activity a live session can have at `now`.
fn idle_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::days(SESSION_IDLE_DAYS)
}

/// What the database stores for a token: its SHA-256 in hex, so a leaked database holds no
/// usable session (tokens are 258 random bits: no salt or slow hash is needed).
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Every request with a cookie computes this: a `format!` per byte was most of its cost.
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(token.as_bytes()) {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Creates a session holding `claim` in `browser` and returns its token (the browser's copy is
/// the only one) and the session.
pub async fn create(
    db: &impl ConnectionTrait,
    claim: &username_claim::Model,
    browser: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(String, Session), DbErr> {
    let token = new_session_token();
    let row = session::ActiveModel {
        token: Set(token_digest(&token)),
        username: Set(claim.name.clone()),
        claim_id: Set(Some(claim.id)),
        last_active_at: Set(now),
        browser_id: Set(browser.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let session = Session {
        id: row.id,
        claim_id: claim.id,
        name: row.username,
    };
    Ok((token, session))
}

/// The live session whose token has this digest, with when its activity was last noted
/// (noting it now if that was [`TOUCH_EVERY`] ago).
async fn find_live(
    db: &impl ConnectionTrait,
    digest: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Session, DateTime<Utc>)>, DbErr> {
    let Some(found) = session::Entity::find()
        .filter(session::Column::Token.eq(digest))
        .filter(session::Column::LastActiveAt.gt(idle_cutoff(now)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // Sessions from before names were claimed hold no claim: their users choose a name again.
    let Some(claim_id) = found.claim_id else {
        return Ok(None);
    };
    let session = Session {
        id: found.id,
        claim_id,
        name: found.username.clone(),
    };
    if now - found.last_active_at < TOUCH_EVERY {
        return Ok(Some((session, found.last_active_at)));
    }
    let mut row: session::ActiveModel = found.into();
    row.last_active_at = Set(now);
    row.update(db).await?;
    claims::touch(db, claim_id, now).await?;
    Ok(Some((session, now)))
}

/// The live session with this token, from `cache` while its noted activity is recent, else
/// from the database (then kept in `cache`).
pub async fn lookup(
    db: &impl ConnectionTrait,
    cache: &SessionCache,
    token: &str,
) -> Result<Option<Session>, DbErr> {
    // A token we never issued cannot be in the table; skip the query for obvious junk.
    if token.len() != TOKEN_LEN {
        return Ok(None);
    }
    let digest = token_digest(token);
    let now = Utc::now();
    let ticket = match cache.get(&digest, now, TOUCH_EVERY) {
        Ok(session) => return Ok(Some(session)),
        Err(ticket) => ticket,
    };
    let found = find_live(db, &digest, now).await?;
    if let Some((session, active_at)) = &found {
        cache.keep(ticket, digest, session.clone(), *active_at);
    }
    Ok(found.map(|(session, _)| session))
}

/// Deletes sessions idle for longer than [`SESSION_IDLE_DAYS`] at `now`; returns how many.
pub async fn delete_idle(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::LastActiveAt.lte(idle_cutoff(now)))
        .exec(db)
        .await?
        .rows_affected)
}

/// The session whose cookie is in `headers`, if any (see [`lookup`]).
pub async fn from_headers(
    db: &impl ConnectionTrait,
    cache: &SessionCache,
    cookies: CookiePolicy,
    headers: &http::HeaderMap,
) -> Result<Option<Session>, DbErr> {
    match cookies.token_from_headers(headers) {
        Some(token) => lookup(db, cache, token).await,
        None => Ok(None),
    }
}

/// Ends the session with this token (logging out) and returns its id; unknown tokens are
/// ignored. Other instances hear of it when `db`'s transaction commits.
pub async fn delete(db: &impl ConnectionTrait, token: &str) -> Result<Option<i32>, DbErr> {
    let id: Option<i32> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::Token.eq(token_digest(token)))
        .into_tuple()
        .one(db)
        .await?;
    if let Some(id) = id {
        delete_by_id(db, id).await?;
    }
    Ok(id)
}

/// Ends the session with this id; other instances hear of it when `db`'s transaction commits
/// (this one's [`SessionCache`] is the caller's to update).
pub async fn delete_by_id(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id).exec(db).await?;
    cluster::notify_session_ended(db, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_their_sha256() {
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
