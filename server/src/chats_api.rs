//! `GET /chats/<id>/?after=<message id>&limit=<n>`: the message data of one chat (the "Chat"
//! API of `docs/functional-spec.md`), a page at a time, so a client never downloads the whole
//! history. For members of the chat only, and not for anyone its bans cover.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use backend::moderation::bans;
use backend::rate_limit::{Action, Actor};
use backend::store::{memberships, rooms};
use backend::Services;
use domain::model::ChatMessage;
use domain::{ChatId, MessageId};
use serde::{Deserialize, Serialize};

/// Messages in a page when `limit` is not given.
const DEFAULT_LIMIT: u64 = 100;

/// Query parameters, all optional.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// Return messages with an id greater than this (default 0: from the start).
    after: Option<String>,
    /// How many messages at most (1 to 200, default 100).
    limit: Option<String>,
}

/// One page of a chat's messages.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChatPage {
    /// The chat's id.
    pub id: ChatId,
    /// The chat's name.
    pub name: String,
    /// Messages with id > `after`, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The last id in this page: pass it as `after` for the next one (absent if the page is empty).
    pub next_after: Option<MessageId>,
}

/// Errors of the JSON API, answered as `{"error": "..."}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Unknown or malformed chat id.
    #[error("no chat with this id")]
    NotFound,
    /// A query parameter is not what it should be.
    #[error("{0}")]
    BadQuery(String),
    /// Too many pages read too fast.
    #[error("slow down: try again in {0} s")]
    TooMany(u64),
    /// A database fault (logged, not shown).
    #[error("something went wrong on our side; please try again")]
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadQuery(_) => StatusCode::BAD_REQUEST,
            ApiError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if let ApiError::TooMany(secs) = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<backend::Error> for ApiError {
    fn from(err: backend::Error) -> Self {
        err.log();
        ApiError::Internal
    }
}

/// Parses an optional whole-number query parameter within `range`.
fn parse_param<T>(
    raw: Option<&str>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
    default: T,
) -> Result<T, ApiError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(raw) = raw else { return Ok(default) };
    let value: T = raw
        .parse()
        .map_err(|_| ApiError::BadQuery(format!("`{name}` must be a whole number, got {raw:?}")))?;
    if !range.contains(&value) {
        return Err(ApiError::BadQuery(format!(
            "`{name}` must be between {} and {}",
            range.start(),
            range.end()
        )));
    }
    Ok(value)
}

/// The handler. Only sessions that opened the chat through its link may read it; for everyone
/// else it does not exist (same 404 as an unknown id), so ids cannot be used to find rooms.
pub async fn messages(
    State(services): State<Services>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Result<Json<ChatPage>, ApiError> {
    let id: ChatId = id.parse().map_err(|_| ApiError::NotFound)?;
    let session = services
        .session(&headers)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !memberships::is_member(&services.db, session.id, id).await? {
        return Err(ApiError::NotFound);
    }
    services
        .limiter
        .check(Action::History, &[Actor::Session(session.id)])
        .map_err(|limited| ApiError::TooMany(limited.retry_after_secs))?;
    let after = MessageId(parse_param(
        query.after.as_deref(),
        "after",
        0..=i64::MAX,
        0,
    )?);
    let limit = parse_param(
        query.limit.as_deref(),
        "limit",
        1..=rooms::MAX_PAGE,
        DEFAULT_LIMIT,
    )?;
    let chat = rooms::find_by_id(&services.db, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let traits = services.request_traits(&headers, crate::live::peer_of(&extensions));
    if bans::is_banned(&services.db, chat.id, traits.visitor(&session))
        .await
        .map_err(backend::Error::from)?
    {
        return Err(ApiError::NotFound);
    }
    let messages = rooms::messages_after(&services.db, chat.id, after, limit).await?;
    let next_after = messages.last().map(|m| m.id);
    Ok(Json(ChatPage {
        id: chat.id,
        name: chat.name,
        messages,
        next_after,
    }))
}
