//! `GET /chats/<id>/?after=<message id>&limit=<n>`: the message data of one chat (the "Chat"
//! API of `docs/functional-spec.md`), a page at a time, so a client never downloads the whole
//! history. For members of the chat only, and not for anyone its bans cover.

use crate::error_response::JsonError;
use app::error::AppError;
use axum::{
    extract::{Path, Query, State},
    http::{header::CONTENT_TYPE, HeaderMap},
    response::IntoResponse,
};
use backend::moderation::access;
use backend::moderation::rules::Rules;
use backend::rate_limit::{Action, Actor};
use backend::store::rooms::{self, JsonMessages};
use backend::Services;
use domain::model::ChatMessage;
use domain::{ChatId, MessageId};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

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
) -> Result<impl IntoResponse, JsonError> {
    let id: ChatId = id.parse().map_err(|_| AppError::NotFound)?;
    let session = services
        .session(&headers)
        .await?
        .ok_or(AppError::NotFound)?;
    let chat = access::room_of_member(
        &services.db,
        &services.mirror,
        &services.noted,
        id,
        session.id,
    )
    .await?
    .ok_or(AppError::NotFound)?;
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
    let traits = services.request_traits(&headers, crate::live::peer_of(&extensions));
    let rules = Rules::of(&services.db, &services.rules, &chat)
        .await
        .map_err(backend::Error::from)?;
    if rules.bans(traits.visitor(&session)) {
        return Err(AppError::NotFound.into());
    }
    let messages =
        rooms::after_json_of(&services.db, &services.windows, &chat, after, limit).await?;
    Ok((
        [(CONTENT_TYPE, "application/json")],
        page_json(chat.id, &chat.name, &messages),
    ))
}

/// The [`ChatPage`] of chat `id` named `name` with `messages`, written out: the messages are
/// JSON already.
fn page_json(id: ChatId, name: &str, messages: &JsonMessages) -> String {
    let mut out = String::with_capacity(256);
    // Field by field as serde writes a `ChatPage` (a test holds the two equal).
    let _ = write!(out, r#"{{"id":{},"name":"#, id.0);
    out.push_str(&serde_json::Value::from(name).to_string());
    out.push_str(r#","messages":"#);
    messages.write_array(&mut out);
    match messages.last_id() {
        Some(id) => _ = write!(out, r#","next_after":{}}}"#, id.0),
        None => out.push_str(r#","next_after":null}"#),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::Quote;
    use domain::reactions::Reactions;
    use domain::Seq;

    fn message(id: i64, content: &str) -> ChatMessage {
        ChatMessage {
            id: MessageId(id),
            chat_id: ChatId(3),
            timestamp: "2026-11-30T17:00:00.000Z".into(),
            username: "zoë".into(),
            content: content.into(),
            seq: Seq(id + 40),
            deleted: None,
            edited_at: Some("2026-11-30T17:01:00.000Z".into()),
            reply_to: Some(Quote {
                id: MessageId(1),
                username: "ann".into(),
                excerpt: "a \"quote\"".into(),
                deleted: false,
            }),
            reactions: Reactions::default(),
        }
    }

    #[test]
    fn a_written_page_is_what_serde_writes_for_a_chat_page() {
        let messages = vec![
            message(7, "plain"),
            message(9, "\"quoted\" \\ </script> \u{2028} ✓\n"),
        ];
        for list in [messages.clone(), Vec::new()] {
            let name = "Room \"one\" </script> ✓";
            let written = page_json(ChatId(3), name, &JsonMessages::written(&list));
            let expected = serde_json::to_string(&ChatPage {
                id: ChatId(3),
                name: name.to_owned(),
                next_after: list.last().map(|m| m.id),
                messages: list,
            })
            .unwrap();
            assert_eq!(written, expected);
        }
    }
}
