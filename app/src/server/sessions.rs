//! Sessions: a random token in an HttpOnly cookie, mapped to a username in the database.

use super::entities::session;
use super::random::new_session_token;
use crate::domain::Username;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// Name of the cookie holding the session token.
pub const COOKIE_NAME: &str = "chat_session";

/// How long the browser keeps the cookie: 30 days.
const COOKIE_MAX_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// What the database stores for a token: its SHA-256 in hex, so a leaked database holds no
/// usable session (tokens are 258 random bits: no salt or slow hash is needed).
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a session for `username` and returns its token (the browser's copy is the only one)
/// and its row.
pub async fn create(
    db: &impl ConnectionTrait,
    username: &Username,
) -> Result<(String, session::Model), DbErr> {
    let token = new_session_token();
    let row = session::ActiveModel {
        token: Set(token_digest(&token)),
        username: Set(username.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, row))
}

/// The session with this token, if the token is known.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<session::Model>, DbErr> {
    // A token we never issued cannot be in the table; skip the query for obvious junk.
    if token.len() != super::random::TOKEN_LEN {
        return Ok(None);
    }
    session::Entity::find()
        .filter(session::Column::Token.eq(token_digest(token)))
        .one(db)
        .await
}

/// The session whose cookie is in `headers`, if any.
pub async fn from_headers(
    db: &impl ConnectionTrait,
    headers: &http::HeaderMap,
) -> Result<Option<session::Model>, DbErr> {
    match token_from_headers(headers) {
        Some(token) => find_by_token(db, token).await,
        None => Ok(None),
    }
}

/// The session token among the request's cookies, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(token_from_cookie_header)
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

/// The session token in a `Cookie` header, if there is one.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim_matches('"'))
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn set_cookie_value(token: &str) -> String {
    format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}")
}

/// The `Set-Cookie` value that makes the browser forget its session cookie.
pub fn clear_cookie_value() -> String {
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_cookie_among_others() {
        assert_eq!(
            token_from_cookie_header("a=1; chat_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("chat_session_x=1"), None);
        assert_eq!(token_from_cookie_header(""), None);
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
        let value = set_cookie_value("tok");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(value.contains(flag), "{value}");
        }
    }
}
