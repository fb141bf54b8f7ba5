//! Server functions: the only way the pages change or read data. Each works from the hydrated
//! app and from a plain HTML form post (JavaScript off).

use crate::error::AppError;
use crate::model::{ChatMessage, RoomView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{HashKey, LocalPath, MessageText, RoomName, Username},
    server::{
        request::{app_state, current_token, current_username, public_origin, set_session_cookie},
        rooms, sessions,
        state::AppState,
    },
};

/// Messages shown when a room page opens.
pub const ROOM_PAGE_MESSAGES: u64 = 100;
/// Older messages loaded per step when scrolling back.
pub const HISTORY_PAGE: u64 = 50;

/// Creates a chatroom and sends the browser to it.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String) -> Result<String, AppError> {
    let name = RoomName::parse(&name)?;
    let state = app_state()?;
    let chat = rooms::create_chat(&state.db, &name).await?;
    tracing::info!(chat_id = chat.id, "chatroom created");
    let key = HashKey::parse(&chat.hash_key)?;
    leptos_axum::redirect(&key.room_path());
    Ok(chat.hash_key)
}

/// Starts a session under `username`, sets its cookie and returns to `next` (a local path).
#[server(endpoint = "login")]
pub async fn login(username: String, next: Option<String>) -> Result<String, AppError> {
    let username = Username::parse(&username)?;
    let next = LocalPath::parse_or_home(next.as_deref().unwrap_or("/"));
    let state = app_state()?;
    // Changing name: the session this browser had before ends.
    if let Some(old) = current_token()? {
        sessions::delete(&state.db, &old).await?;
    }
    let token = sessions::create(&state.db, &username).await?;
    set_session_cookie(Some(&token))?;
    leptos_axum::redirect(next.as_str());
    Ok(username.to_string())
}

/// Ends the browser's session on the server and forgets its cookie, then goes home.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some(token) = current_token()? {
        sessions::delete(&state.db, &token).await?;
    }
    set_session_cookie(None)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Everything the chatroom page shows on first render.
#[server(endpoint = "load_room")]
pub async fn load_room(hash_key: String) -> Result<RoomView, AppError> {
    let state = app_state()?;
    let (chat, me) = room_and_user(&state, &hash_key).await?;
    let messages = rooms::latest_messages(&state.db, chat.id, ROOM_PAGE_MESSAGES).await?;
    let mut online = state.hub.online(chat.id);
    if !online.contains(&me) {
        online.push(me.clone());
        online.sort();
    }
    Ok(RoomView {
        has_older: messages.len() as u64 == ROOM_PAGE_MESSAGES,
        online,
        chat_id: i64::from(chat.id),
        share_url: format!("{}/chatrooms/{}/", public_origin()?, chat.hash_key),
        name: chat.name,
        hash_key: chat.hash_key,
        me,
        messages,
    })
}

/// Sends a message to the room behind `hash_key` as the session's user.
#[server(endpoint = "send_message")]
pub async fn send_message(hash_key: String, content: String) -> Result<ChatMessage, AppError> {
    let state = app_state()?;
    let (chat, me) = room_and_user(&state, &hash_key).await?;
    let text = MessageText::parse(&content)?;
    let username = Username::parse(&me)?;
    let message = state.writer.send(chat.id, &username, &text).await?;
    tracing::debug!(chat_id = chat.id, message_id = message.id, "message stored");
    Ok(message)
}

/// Up to [`HISTORY_PAGE`] messages older than `before`, oldest first (scrolling back).
#[server(endpoint = "messages_before")]
pub async fn messages_before(hash_key: String, before: i64) -> Result<Vec<ChatMessage>, AppError> {
    let state = app_state()?;
    let (chat, _) = room_and_user(&state, &hash_key).await?;
    Ok(rooms::messages_before(&state.db, chat.id, before, HISTORY_PAGE).await?)
}

/// Tells the room's other listeners that the session's user is typing.
#[server(endpoint = "typing")]
pub async fn typing(hash_key: String) -> Result<(), AppError> {
    let state = app_state()?;
    let (chat, me) = room_and_user(&state, &hash_key).await?;
    state.hub.publish_typing(chat.id, &me);
    Ok(())
}

/// The chat behind a share-link key and the visitor's username; an unknown key is `NotFound`
/// whether or not the visitor is logged in.
#[cfg(feature = "ssr")]
async fn room_and_user(
    state: &AppState,
    hash_key: &str,
) -> Result<(crate::server::entities::chat::Model, String), AppError> {
    let key = HashKey::parse(hash_key).map_err(|_| AppError::NotFound)?;
    let chat = rooms::find_by_hash_key(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = current_username(state).await?;
    Ok((chat, me))
}
