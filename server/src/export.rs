//! `GET /chatrooms/<key>/export/<json|md>`: a room's whole history as a download, for anyone
//! who may enter the room (before retention deletes it). Streamed a page at a time, so a room
//! of any size costs the server one page of memory.

use crate::error_response::TextError;
use crate::live::{enter_room, peer_of};
use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use backend::rate_limit::{Action, Actor};
use backend::store::rooms;
use backend::Services;
use domain::model::ChatMessage;
use domain::paths::ExportFormat;
use domain::{ChatId, MessageId};
use std::convert::Infallible;

/// The handler.
pub async fn export(
    State(services): State<Services>,
    Path((hash_key, format)): Path<(String, String)>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Response {
    let Some(format) = ExportFormat::parse(&format) else {
        return (
            StatusCode::NOT_FOUND,
            "Exports are .../export/json or .../export/md.",
        )
            .into_response();
    };
    let (entry, session) =
        match enter_room(&services, &hash_key, &headers, peer_of(&extensions)).await {
            Ok(entered) => entered,
            Err(err) => return TextError(err).into_response(),
        };
    if let Err(limited) = services
        .limiter
        .check(Action::History, &[Actor::Session(session.id)])
    {
        return TextError::from(limited).into_response();
    }
    let room = entry.room;
    let exported_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let head = match format {
        ExportFormat::Json => format!(
            "{{\"room\":{},\"exported_at\":\"{exported_at}\",\"retention\":\"{}\",\"messages\":[",
            json_string(&room.name),
            room.retention.as_str()
        ),
        ExportFormat::Markdown => format!(
            "# {}\n\nExported {exported_at}. {}\n\n",
            room.name,
            room.retention.describe()
        ),
    };
    let body = Body::from_stream(pages(services, room.id, format, head));
    let mut response = Response::new(body);
    let (content_type, extension) = match format {
        ExportFormat::Json => ("application/json; charset=utf-8", "json"),
        ExportFormat::Markdown => ("text/markdown; charset=utf-8", "md"),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.{extension}\"",
        file_name(&room.name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The room's messages in `format`, oldest first, a page at a time after `head`.
fn pages(
    services: Services,
    chat_id: ChatId,
    format: ExportFormat,
    head: String,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    async_stream::stream! {
        yield Ok(Bytes::from(head));
        let mut after = MessageId::START;
        let mut first = true;
        loop {
            let page = match rooms::messages_after(&services.db, chat_id, after, rooms::MAX_PAGE).await {
                Ok(page) => page,
                Err(err) => {
                    tracing::warn!(error = %err, %chat_id, "export stopped by a database error");
                    // Say so in the file: a truncated export must not pass for a whole one.
                    yield Ok(Bytes::from(match format {
                        ExportFormat::Json => "],\"incomplete\":true}\n",
                        ExportFormat::Markdown => "\n(The export is incomplete: the server could not read further. Please try again.)\n",
                    }));
                    return;
                }
            };
            let Some(last) = page.last() else { break };
            after = last.id;
            let mut chunk = String::new();
            for message in &page {
                match format {
                    ExportFormat::Json => {
                        if !first {
                            chunk.push(',');
                        }
                        chunk.push_str(&serde_json::to_string(message).unwrap_or_default());
                    }
                    ExportFormat::Markdown => chunk.push_str(&markdown_line(message)),
                }
                first = false;
            }
            yield Ok(Bytes::from(chunk));
        }
        if format == ExportFormat::Json {
            yield Ok(Bytes::from_static(b"]}\n"));
        }
    }
}

/// One message as a Markdown list item (continuation lines indented, so they stay in it).
fn markdown_line(message: &ChatMessage) -> String {
    let when = message
        .timestamp
        .get(..19)
        .unwrap_or(&message.timestamp)
        .replace('T', " ");
    let text = match message.deleted {
        Some(deletion) => format!("_{}_", deletion.placeholder()),
        None => message.content.replace('\n', "\n  "),
    };
    format!("- **{}** ({when} UTC): {text}\n", message.username)
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A file name from a room name: letters, digits and dashes only (never a path or a quote).
fn file_name(room_name: &str) -> String {
    let name: String = room_name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let name: String = name.chars().take(60).collect();
    if name.is_empty() {
        "chat".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::moderation::Deletion;
    use domain::Seq;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("Team chat: Q4 \"plans\""), "Team-chat-Q4-plans");
        assert_eq!(file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_name("!!!"), "chat");
        assert_eq!(file_name("Café ☕"), "Café");
    }

    #[test]
    fn markdown_lines_keep_multi_line_text_in_the_item() {
        let mut message = ChatMessage {
            id: MessageId(1),
            chat_id: ChatId(1),
            timestamp: "2026-11-29T10:00:05.123Z".into(),
            username: "alice".into(),
            content: "one\ntwo".into(),
            seq: Seq(1),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Default::default(),
        };
        assert_eq!(
            markdown_line(&message),
            "- **alice** (2026-11-29 10:00:05 UTC): one\n  two\n"
        );
        message.deleted = Some(Deletion::Moderator);
        assert!(markdown_line(&message).contains("_message removed by a moderator_"));
    }
}
