//! `GET /chats/<id>/?after=<message id>&limit=<n>`: the message data of one chat (the "Chat"
//! API of `docs/functional-spec.md`), a page at a time, so a client never downloads the whole
//! history. For members of the chat only, and not for anyone its bans cover.

use crate::error_response::JsonError;
use app::error::AppError;
use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    Json,
};
use backend::moderation::rules::Rules;
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

/// Parses an optional whole-number query parameter within `range`.
fn parse_param<T>(
    raw: Option<&str>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
    default: T,
) -> Result<T, AppError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(raw) = raw else { return Ok(default) };
    let value: T = raw.parse().map_err(|_| {
        AppError::BadRequest(format!("`{name}` must be a whole number, got {raw:?}"))
    })?;
    if !range.contains(&value) {
        return Err(AppError::BadRequest(format!(
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
) -> Result<Json<ChatPage>, JsonError> {
    let id: ChatId = id.parse().map_err(|_| AppError::NotFound)?;
    let session = services
        .session(&headers)
        .await?
        .ok_or(AppError::NotFound)?;
    if !memberships::is_member(&services.db, session.id, id).await? {
        return Err(AppError::NotFound.into());
    }
    services
        .limiter
        .check(Action::History, &[Actor::Session(session.id)])?;
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
        .ok_or(AppError::NotFound)?;
    let traits = services.request_traits(&headers, crate::live::peer_of(&extensions));
    let rules = Rules::of(&services.db, &services.rules, &chat)
        .await
        .map_err(backend::Error::from)?;
    if rules.bans(traits.visitor(&session)) {
        return Err(AppError::NotFound.into());
    }
    let messages = rooms::after_of(&services.db, &services.windows, &chat, after, limit).await?;
    let next_after = messages.last().map(|m| m.id);
    Ok(Json(ChatPage {
        id: chat.id,
        name: chat.name,
        messages,
        next_after,
    }))
}
