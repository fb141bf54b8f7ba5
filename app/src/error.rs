//! The one error type of the app layer: what a server function can answer, with the HTTP status
//! each case maps to. Messages are written for the person using the app.

use domain::InvalidInput;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Everything a server function can answer instead of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The user's input was refused; nothing was stored.
    #[error("{0}")]
    Invalid(String),
    /// No chatroom behind this link.
    #[error("This chatroom does not exist.")]
    NotFound,
    /// The action needs a username first.
    #[error("Please choose a username first.")]
    NotLoggedIn,
    /// A ban of this room covers the visitor.
    #[error("You were banned from this room.")]
    Banned,
    /// The room is locked and the visitor is not a member.
    #[error("This room is closed to new people.")]
    Locked,
    /// The visitor may not do this (e.g. moderate without the role); nothing changed.
    #[error("{0}")]
    Forbidden(String),
    /// Slow mode: the author must wait before their next message; nothing was stored.
    #[error("Slow mode: wait {wait_secs} s before your next message.")]
    SlowMode {
        /// Seconds still to wait.
        wait_secs: u32,
    },
    /// Too many requests of this kind: nothing was stored.
    #[error("Slow down: try again in {retry_after_secs} s.")]
    TooMany {
        /// Seconds until the request would pass (sent as `Retry-After`).
        retry_after_secs: u64,
    },
    /// This browser holds as many live streams of the room as it may.
    #[error("Too many open pages of this chat in this browser. Close some tabs and try again.")]
    TooManyPages,
    /// The request itself was malformed (missing or undecodable fields).
    #[error("The request was malformed: {0}")]
    BadRequest(String),
    /// The browser could not reach the server.
    #[error("Could not reach the server ({0}). Check your connection and try again.")]
    Unreachable(String),
    /// The database cannot be reached right now; nothing was stored.
    #[error("The chat is briefly unavailable. Please try again in a moment.")]
    Unavailable,
    /// Too many expensive requests (passphrase checks) at once; nothing was done.
    #[error("The server is busy. Please try again in a few seconds.")]
    Busy,
    /// A fault on our side; details are in the server log, never in the answer.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::NotFound => 404,
            AppError::NotLoggedIn => 401,
            AppError::Banned | AppError::Locked | AppError::Forbidden(_) => 403,
            AppError::SlowMode { .. } => 429,
            AppError::BadRequest(_) => 400,
            AppError::TooMany { .. } | AppError::TooManyPages => 429,
            AppError::Unreachable(_) | AppError::Unavailable | AppError::Busy => 503,
            AppError::Internal => 500,
        }
    }

    /// Seconds after which the same request may pass (answered as `Retry-After`), if known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooMany { retry_after_secs } => Some(*retry_after_secs),
            AppError::SlowMode { wait_secs } => Some(u64::from(*wait_secs)),
            // Passphrase checks take well under a second each: the queue moves fast.
            AppError::Busy => Some(2),
            // Connections come back within seconds (the pool retries on its own).
            AppError::Unavailable => Some(2),
            _ => None,
        }
    }
}

impl From<InvalidInput> for AppError {
    fn from(err: InvalidInput) -> Self {
        AppError::Invalid(err.0)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e) => AppError::Unreachable(e),
            ServerFnErrorErr::Args(e)
            | ServerFnErrorErr::MissingArg(e)
            | ServerFnErrorErr::Deserialization(e) => AppError::BadRequest(e),
            ServerFnErrorErr::UnsupportedRequestMethod(e) => AppError::BadRequest(e),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function transport error");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::Error> for AppError {
    fn from(err: backend::Error) -> Self {
        err.log();
        if err.is_transient() {
            // The database is down or unreachable: the request can simply be retried.
            AppError::Unavailable
        } else {
            AppError::Internal
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::moderation::access::AccessError> for AppError {
    fn from(err: backend::moderation::access::AccessError) -> Self {
        use backend::moderation::access::{AccessError, Refusal};
        match err {
            AccessError::Refused(Refusal::NotFound) => AppError::NotFound,
            AccessError::Refused(Refusal::Banned) => AppError::Banned,
            AccessError::Refused(Refusal::Locked) => AppError::Locked,
            AccessError::Store(err) => err.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::moderation::actions::ModerationError> for AppError {
    fn from(err: backend::moderation::actions::ModerationError) -> Self {
        use backend::moderation::actions::ModerationError;
        match err {
            ModerationError::Forbidden(_) | ModerationError::OutOfReach(_) => {
                AppError::Forbidden(err.to_string())
            }
            ModerationError::NoSuchPerson(_)
            | ModerationError::NoSuchMessage
            | ModerationError::NoSuchBan => AppError::Invalid(err.to_string()),
            ModerationError::Store(err) => err.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::live::writer::PostError> for AppError {
    fn from(err: backend::live::writer::PostError) -> Self {
        use backend::live::writer::PostError;
        match err {
            PostError::SlowMode(wait_secs) => AppError::SlowMode { wait_secs },
            PostError::BadReply => AppError::Invalid(err.to_string()),
            PostError::Store(err) => err.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::live::writer::ReactError> for AppError {
    fn from(err: backend::live::writer::ReactError) -> Self {
        use backend::live::writer::ReactError;
        match err {
            ReactError::NoMessage | ReactError::TooMany(_) => AppError::Invalid(err.to_string()),
            ReactError::Store(err) => err.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::rate_limit::Limited> for AppError {
    fn from(limited: backend::rate_limit::Limited) -> Self {
        AppError::TooMany {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::identity::claims::ClaimError> for AppError {
    fn from(err: backend::identity::claims::ClaimError) -> Self {
        use backend::identity::claims::ClaimError;
        use backend::identity::passphrase_hash::HashError;
        match err {
            ClaimError::Store(err) => err.into(),
            ClaimError::Hash(HashError::Busy) => {
                tracing::warn!("passphrase hashing is saturated; a login was turned away");
                AppError::Busy
            }
            ClaimError::Hash(err) => {
                tracing::error!(error = %err, "passphrase hashing failed");
                AppError::Internal
            }
            refused => AppError::Invalid(refused.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::identity::login::LoginError> for AppError {
    fn from(err: backend::identity::login::LoginError) -> Self {
        use backend::identity::login::LoginError;
        match err {
            LoginError::Claim(err) => err.into(),
            LoginError::Limited(limited) => limited.into(),
        }
    }
}
