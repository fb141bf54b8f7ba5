//! Logging in: claiming a name (or proving it is ours) and starting a session, in one
//! transaction with ending the browser's previous session.

use super::claims::{self, ClaimError};
use super::sessions::{self, Session};
use crate::rate_limit::{Action, Actor, Limited};
use crate::store::memberships;
use crate::Services;
use domain::{Passphrase, Username};
use sea_orm::TransactionTrait;
use std::net::IpAddr;

/// One login, as the request made it.
#[derive(Debug)]
pub struct LoginAttempt<'a> {
    /// The name asked for.
    pub username: &'a Username,
    /// The passphrase given, if any.
    pub passphrase: Option<Passphrase>,
    /// The browser's current session, if it has one (changing name).
    pub current: Option<&'a Session>,
    /// Where the request came from (passphrase guesses are limited per address too).
    pub client: IpAddr,
    /// The browser's id (from its cookie).
    pub browser: Option<&'a str>,
}

/// A successful login: the new session and its token for the cookie.
#[derive(Debug)]
pub struct LoggedIn {
    /// The token to hand to the browser (the only copy).
    pub token: String,
    /// The new session.
    pub session: Session,
}

/// Why a login did not happen; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The name could not be taken.
    #[error(transparent)]
    Claim(#[from] ClaimError),
    /// Too many passphrase guesses for this name or from this address.
    #[error("too many passphrase guesses")]
    Limited(Limited),
}

impl From<crate::Error> for LoginError {
    fn from(err: crate::Error) -> Self {
        LoginError::Claim(ClaimError::Store(err))
    }
}

impl From<sea_orm::DbErr> for LoginError {
    fn from(err: sea_orm::DbErr) -> Self {
        LoginError::Claim(err.into())
    }
}

/// Logs in as `attempt.username`. Changing name ends the old session; its rooms carry over.
pub async fn log_in(
    services: &Services,
    attempt: LoginAttempt<'_>,
) -> Result<LoggedIn, LoginError> {
    let (db, limiter) = (&services.db, &services.limiter);
    let LoginAttempt {
        username,
        passphrase,
        current,
        client,
        browser,
    } = attempt;
    let holder = current.map(|s| s.claim_id);
    let matching = claims::find_matching(db, username).await?;
    let now = chrono::Utc::now();
    // A passphrase for a name someone else holds is a guess: few per name (whichever
    // look-alike spelling is tried), wherever from.
    if let claims::Owner::Claim(owner) = matching.owner(holder, now) {
        if passphrase.is_some() && owner.passphrase_hash.is_some() && holder != Some(owner.id) {
            let actors = [Actor::Name(owner.name_key.clone()), Actor::ip(client)];
            limiter
                .check(Action::PassphraseTry, &actors)
                .map_err(LoginError::Limited)?;
        }
    }
    let grant = claims::decide(username, passphrase, holder, &matching, now).await?;
    // One transaction: a rename never leaves two sessions, or rooms without their session.
    let txn = db.begin().await?;
    let claim = claims::apply(&txn, grant, username, now).await?;
    let (token, session) = sessions::create(&txn, &claim, browser, now).await?;
    if let Some(old) = current {
        memberships::move_all(&txn, old, &session).await?;
        sessions::delete_by_id(&txn, old.id).await?;
    }
    txn.commit().await?;
    if let Some(old) = current {
        services.sessions.forget(old.id);
    }
    tracing::info!(claim_id = claim.id, "logged in");
    Ok(LoggedIn { token, session })
}
