//! Server functions: the only way the pages change or read data. Each works from the hydrated
//! app and from a plain HTML form post (JavaScript off).

use crate::error::AppError;
use crate::model::{ChatMessage, RecentRoom, RoomView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{HashKey, LocalPath, MessageText, Passphrase, RoomName, Username},
    server::{
        claims,
        entities::{chat, session},
        memberships,
        name_key::name_key,
        rate_limit::{Action, Actor},
        request::{
            app_state, client_ip, current_session, current_token, public_origin, rate_limit,
            session_if_any, set_session_cookie,
        },
        rooms, sessions,
        state::AppState,
    },
};
#[cfg(feature = "ssr")]
use sea_orm::TransactionTrait;

/// Messages shown when a room page opens.
pub const ROOM_PAGE_MESSAGES: u64 = 100;
/// Rooms listed under "your recent rooms".
pub const RECENT_ROOMS: u64 = 10;
/// Older messages loaded per step when scrolling back.
pub const HISTORY_PAGE: u64 = 50;

/// Creates a chatroom and sends the browser to it.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String) -> Result<String, AppError> {
    let name = RoomName::parse(&name)?;
    let state = app_state()?;
    let session = session_if_any(&state).await?;
    rate_limit(&state, Action::CreateRoom, session.map(|s| s.id))?;
    let chat = rooms::create_chat(&state.db, &name).await?;
    tracing::info!(chat_id = chat.id, "chatroom created");
    let key = HashKey::parse(&chat.hash_key)?;
    leptos_axum::redirect(&key.room_path());
    Ok(chat.hash_key)
}

/// Starts a session under `username` (claiming the name if nobody holds it, or proving it is
/// ours with `passphrase`), sets its cookie and returns to `next` (a local path). Returns the
/// name as the session shows it.
#[server(endpoint = "login")]
pub async fn login(
    username: String,
    passphrase: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    let username = Username::parse(&username)?;
    let passphrase = Passphrase::parse_optional(passphrase.as_deref())?;
    let next = LocalPath::parse_or_home(next.as_deref().unwrap_or("/"));
    let state = app_state()?;
    let old = session_if_any(&state).await?;
    rate_limit(&state, Action::Login, old.as_ref().map(|s| s.id))?;
    let holder = old.as_ref().and_then(|s| s.claim_id);
    let key = name_key(&username);
    let existing = claims::find_by_key(&state.db, &key).await?;
    let now = chrono::Utc::now();
    // A passphrase for a name someone else holds is a guess: few per name, wherever from.
    let guessing = existing.as_ref().is_some_and(|claim| {
        passphrase.is_some()
            && claim.passphrase_hash.is_some()
            && holder != Some(claim.id)
            && !claims::is_released(claim, now)
    });
    if guessing {
        let actors = [Actor::Name(key), Actor::ip(client_ip(&state)?)];
        state.limiter.check(Action::PassphraseTry, &actors)?;
    }
    let grant = claims::decide(&username, passphrase, holder, existing, now).await?;
    // One transaction: a rename never leaves two sessions, or rooms without their session.
    let txn = state.db.begin().await?;
    let claim = claims::apply(&txn, grant, &username, now).await?;
    let (token, new) = sessions::create(&txn, &claim, now).await?;
    // Changing name: the old session ends, its rooms stay in "recent rooms".
    if let Some(old) = old {
        memberships::move_all(&txn, old.id, new.id).await?;
        sessions::delete_by_id(&txn, old.id).await?;
    }
    txn.commit().await?;
    tracing::info!(claim_id = claim.id, "logged in");
    set_session_cookie(&state, Some(&token))?;
    leptos_axum::redirect(next.as_str());
    Ok(claim.name)
}

/// Ends the browser's session on the server and forgets its cookie, then goes home.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some(token) = current_token(&state)? {
        sessions::delete(&state.db, &token).await?;
    }
    set_session_cookie(&state, None)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Everything the chatroom page shows on first render.
#[server(endpoint = "load_room")]
pub async fn load_room(hash_key: String) -> Result<RoomView, AppError> {
    let state = app_state()?;
    let (chat, session) = room_and_session(&state, &hash_key).await?;
    // Opening the room through its link is what lets this session read it by id later.
    memberships::record(&state.db, session.id, chat.id).await?;
    let me = session.username;
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
    let (chat, session) = room_and_session(&state, &hash_key).await?;
    let text = MessageText::parse(&content)?;
    rate_limit(&state, Action::Send, Some(session.id))?;
    let username = Username::parse(&session.username)?;
    let message = state.writer.send(chat.id, &username, &text).await?;
    tracing::debug!(chat_id = chat.id, message_id = message.id, "message stored");
    Ok(message)
}

/// Up to [`HISTORY_PAGE`] messages older than `before`, oldest first (scrolling back).
#[server(endpoint = "messages_before")]
pub async fn messages_before(hash_key: String, before: i64) -> Result<Vec<ChatMessage>, AppError> {
    let state = app_state()?;
    let (chat, _) = room_and_session(&state, &hash_key).await?;
    Ok(rooms::messages_before(&state.db, chat.id, before, HISTORY_PAGE).await?)
}

/// Tells the room's other listeners that the session's user is typing.
#[server(endpoint = "typing")]
pub async fn typing(hash_key: String) -> Result<(), AppError> {
    let state = app_state()?;
    let (chat, session) = room_and_session(&state, &hash_key).await?;
    rate_limit(&state, Action::Typing, Some(session.id))?;
    state.hub.publish_typing(chat.id, &session.username);
    Ok(())
}

/// The chat behind a share-link key and the visitor's session; an unknown key is `NotFound`
/// whether or not the visitor is logged in.
#[cfg(feature = "ssr")]
async fn room_and_session(
    state: &AppState,
    hash_key: &str,
) -> Result<(chat::Model, session::Model), AppError> {
    let key = HashKey::parse(hash_key).map_err(|_| AppError::NotFound)?;
    let chat = rooms::find_by_hash_key(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = current_session(state).await?;
    Ok((chat, session))
}

/// The rooms this browser's session opened most recently (empty when not logged in).
#[server(endpoint = "recent_rooms")]
pub async fn recent_rooms() -> Result<Vec<RecentRoom>, AppError> {
    let state = app_state()?;
    match session_if_any(&state).await? {
        Some(session) => Ok(memberships::recent(&state.db, session.id, RECENT_ROOMS).await?),
        None => Ok(Vec::new()),
    }
}
