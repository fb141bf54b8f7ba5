//! Sessions: a random token in an HttpOnly cookie, mapped to a claimed username in the
//! database. A session ends when its user logs out or after [`SESSION_IDLE_DAYS`] without a
//! request.

use super::claims;
use super::entities::{session, username_claim};
use super::random::new_session_token;
use crate::policy::SESSION_IDLE_DAYS;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// Activity is written at most this often per session (a write per request would be waste).
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(5);

/// The oldest last activity a live session can have at `now`.
fn idle_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::days(SESSION_IDLE_DAYS)
}

/// How the session cookie is named and flagged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CookiePolicy {
    /// Served over HTTPS: the cookie gets `Secure` and the `__Host-` name prefix (which browsers
    /// only accept from a secure origin, for Path=/ and without Domain).
    pub secure: bool,
}

impl CookiePolicy {
    /// The cookie's name.
    pub fn name(self) -> &'static str {
        if self.secure {
            "__Host-chat_session"
        } else {
            "chat_session"
        }
    }

    /// The session token among the request's cookies, if any.
    pub fn token_from_headers(self, headers: &http::HeaderMap) -> Option<&str> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|header| token_from_cookie_header(header, self.name()))
    }

    /// The `Set-Cookie` value that hands `token` to the browser.
    pub fn set_value(self, token: &str) -> String {
        format!(
            "{}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}{}",
            self.name(),
            self.secure_flag()
        )
    }

    /// The `Set-Cookie` value that makes the browser forget its session cookie.
    pub fn clear_value(self) -> String {
        format!(
            "{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
            self.name(),
            self.secure_flag()
        )
    }

    fn secure_flag(self) -> &'static str {
        if self.secure {
            "; Secure"
        } else {
            ""
        }
    }
}

/// How long the browser keeps the cookie: a year (browsers cap it near there). Whether the
/// session is still alive is the server's decision ([`SESSION_IDLE_DAYS`]), not the cookie's.
const COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// What the database stores for a token: its SHA-256 in hex, so a leaked database holds no
/// usable session (tokens are 258 random bits: no salt or slow hash is needed).
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a session holding `claim` and returns its token (the browser's copy is the only one)
/// and its row.
pub async fn create(
    db: &impl ConnectionTrait,
    claim: &username_claim::Model,
    now: DateTime<Utc>,
) -> Result<(String, session::Model), DbErr> {
    let token = new_session_token();
    let row = session::ActiveModel {
        token: Set(token_digest(&token)),
        username: Set(claim.name.clone()),
        claim_id: Set(Some(claim.id)),
        last_active_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, row))
}

/// The live session with this token, if the token is known and the session has not expired.
/// Notes the activity (on the session and on its name's claim) every few minutes.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<session::Model>, DbErr> {
    // A token we never issued cannot be in the table; skip the query for obvious junk.
    if token.len() != super::random::TOKEN_LEN {
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
    if now - found.last_active_at < TOUCH_EVERY {
        return Ok(Some(found));
    }
    let mut row: session::ActiveModel = found.into();
    row.last_active_at = Set(now);
    let touched = row.update(db).await?;
    claims::touch(db, claim_id, now).await?;
    Ok(Some(touched))
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
) -> Result<Option<session::Model>, DbErr> {
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

/// The value of the cookie `name` in a `Cookie` header, if there is one.
fn token_from_cookie_header<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, cookie.parse().unwrap());
        headers
    }

    #[test]
    fn finds_our_cookie_among_others() {
        let plain = CookiePolicy::default();
        assert_eq!(
            plain.token_from_headers(&headers("a=1; chat_session=abc; b=2")),
            Some("abc")
        );
        assert_eq!(plain.token_from_headers(&headers("chat_session_x=1")), None);
        assert_eq!(plain.token_from_headers(&headers("")), None);
        let secure = CookiePolicy { secure: true };
        assert_eq!(
            secure.token_from_headers(&headers("chat_session=abc")),
            None
        );
        assert_eq!(
            secure.token_from_headers(&headers("__Host-chat_session=abc")),
            Some("abc")
        );
    }

    #[test]
    fn tokens_are_stored_as_their_sha256() {
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn cookie_has_the_safety_flags() {
        let value = CookiePolicy::default().set_value("tok");
        for flag in ["chat_session=tok", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(value.contains(flag), "{value}");
        }
        assert!(!value.contains("Secure"));
        let value = CookiePolicy { secure: true }.set_value("tok");
        assert!(value.starts_with("__Host-chat_session=tok;"), "{value}");
        assert!(value.ends_with("; Secure"), "{value}");
        let cleared = CookiePolicy { secure: true }.clear_value();
        assert!(
            cleared.contains("Max-Age=0") && cleared.contains("Secure"),
            "{cleared}"
        );
    }
}
