//! Sessions: a random token in an HttpOnly cookie, mapped to a claimed username in the
//! database. A session ends when its user logs out or after [`SESSION_IDLE_DAYS`] without a
//! request.

use super::claims;
use super::cookies::CookiePolicy;
use crate::random::{new_session_token, TOKEN_LEN};
use crate::store::entities::{session, username_claim};
use chrono::{DateTime, TimeDelta, Utc};
use domain::policy::SESSION_IDLE_DAYS;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// Activity is written at most this often per session (a write per request would be waste).
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
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

/// The live session with this token, if the token is known and the session has not expired.
/// Notes the activity (on the session and on its name's claim) every few minutes.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Session>, DbErr> {
    // A token we never issued cannot be in the table; skip the query for obvious junk.
    if token.len() != TOKEN_LEN {
        return Ok(None);
    }
    let now = Utc::now();
    let Some(found) = session::Entity::find()
        .filter(session::Column::Token.eq(token_digest(token)))
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
    if now - found.last_active_at >= TOUCH_EVERY {
        let mut row: session::ActiveModel = found.into();
        row.last_active_at = Set(now);
        row.update(db).await?;
        claims::touch(db, claim_id, now).await?;
    }
    Ok(Some(session))
}

/// Deletes sessions idle for longer than [`SESSION_IDLE_DAYS`] at `now`; returns how many.
pub async fn delete_idle(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::LastActiveAt.lte(idle_cutoff(now)))
        .exec(db)
        .await?
        .rows_affected)
}

/// The session whose cookie is in `headers`, if any.
pub async fn from_headers(
    db: &impl ConnectionTrait,
    cookies: CookiePolicy,
    headers: &http::HeaderMap,
) -> Result<Option<Session>, DbErr> {
    match cookies.token_from_headers(headers) {
        Some(token) => find_by_token(db, token).await,
        None => Ok(None),
    }
}

/// Ends the session with this token (logging out); unknown tokens are ignored.
pub async fn delete(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::Token.eq(token_digest(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the session with this id.
pub async fn delete_by_id(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
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
