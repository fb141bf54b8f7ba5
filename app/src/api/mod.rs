//! Server functions: the only way the pages change or read data. Each works from the hydrated
//! app and from a plain HTML form post (JavaScript off). Each parses its inputs, then hands the
//! work to the `backend` crate. The room owners' and moderators' actions are in [`moderation`].
//! Editing and deleting one's own messages, and reactions, are here: they are everyone's.

pub mod moderation;

use crate::error::AppError;
use domain::model::{ChatMessage, RecentRoom, RoomView};
use domain::theme::Theme;
use domain::MessageId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::request::{
    back_to_after_plain_form, client_ip, current_token, ensure_browser_id, rate_limit,
    request_traits, session_if_any, set_session_cookie, set_theme_cookie, Request,
};
#[cfg(feature = "ssr")]
use crate::server::room_page::{self, Preloaded};
#[cfg(feature = "ssr")]
use backend::{
    identity::{
        login::{log_in, LoginAttempt},
        sessions::Session,
    },
    live::writer::Post,
    moderation::{
        access::{self, Entry},
        roles,
    },
    rate_limit::Action,
    store::{memberships, rooms},
};
#[cfg(feature = "ssr")]
use domain::moderation::{Deletion, Role, SlowMode};
#[cfg(feature = "ssr")]
use domain::reactions::Emoji;
#[cfg(feature = "ssr")]
use domain::{ClientId, HashKey, LocalPath, MessageText, Passphrase, RoomName, Username};

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
    let request = Request::current()?;
    let session = session_if_any(&request).await?;
    rate_limit(&request, Action::CreateRoom, session.as_ref().map(|s| s.id))?;
    // Whoever creates the room owns it: their name now, or, before they chose one, the name
    // their browser first enters the room with.
    let creator_browser = match &session {
        Some(_) => None,
        None => Some(ensure_browser_id(&request)?),
    };
    let room = rooms::create_chat(&request.db, &name, creator_browser.as_deref()).await?;
    if let Some(session) = &session {
        roles::grant(&request.db, room.id, session.claim_id, Role::Owner)
            .await
            .map_err(backend::Error::from)?;
    }
    tracing::info!(chat_id = %room.id, "chatroom created");
    leptos_axum::redirect(&room.hash_key.room_path());
    Ok(room.hash_key.into())
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
    let request = Request::current()?;
    let current = session_if_any(&request).await?;
    rate_limit(&request, Action::Login, current.as_ref().map(|s| s.id))?;
    let browser = ensure_browser_id(&request)?;
    let attempt = LoginAttempt {
        username: &username,
        passphrase,
        current: current.as_ref(),
        client: client_ip(&request),
        browser: Some(&browser),
    };
    let logged_in = log_in(&request, attempt).await?;
    set_session_cookie(&request, Some(&logged_in.token))?;
    leptos_axum::redirect(next.as_str());
    Ok(logged_in.session.name)
}

/// Ends the browser's session on the server and forgets its cookie, then goes home.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let request = Request::current()?;
    if let Some(token) = current_token(&request) {
        request.end_session(&token).await?;
    }
    set_session_cookie(&request, None)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Remembers the colour theme the visitor chose ("system", "light" or "dark") in a cookie.
#[server(endpoint = "set_theme")]
pub async fn set_theme(theme: String) -> Result<Theme, AppError> {
    let request = Request::current()?;
    let theme = Theme::parse(&theme)
        .ok_or_else(|| AppError::Invalid("Choose the system's theme, light or dark.".to_owned()))?;
    set_theme_cookie(&request, theme)?;
    Ok(theme)
}

/// Everything the chatroom page shows on first render.
#[server(endpoint = "load_room")]
pub async fn load_room(hash_key: String) -> Result<RoomView, AppError> {
    let request = Request::current()?;
    // The page's server read it already to name the page it keeps (`server/src/page_cache`).
    if let Some(view) = Preloaded::of_request(&request, &hash_key) {
        return Ok(view);
    }
    room_page::load(&request, &hash_key).await
}

/// Sends a message to the room behind `hash_key` as the session's user, as a reply to message
/// `reply_to` of the same room if given (a form sends an empty field for none). A message
/// carrying the `client_id` of one this person already sent to the room is not stored again:
/// the answer is the stored message (a retry never doubles a message).
#[server(endpoint = "send_message")]
pub async fn send_message(
    hash_key: String,
    content: String,
    #[server(default)] reply_to: Option<String>,
    #[server(default)] client_id: Option<String>,
) -> Result<ChatMessage, AppError> {
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    let text = MessageText::parse(&content)?;
    let client_id = ClientId::parse_optional(client_id.as_deref())?;
    let reply_to = match reply_to.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<MessageId>().map_err(|_| {
            AppError::Invalid("You can reply only to a message in this room.".into())
        })?),
    };
    rate_limit(&request, Action::Send, Some(session.id))?;
    // Owners and moderators are not slowed down.
    let slow_mode = if entry.moderates() {
        SlowMode::default()
    } else {
        entry.room.slow_mode
    };
    let chat_id = entry.room.id;
    let post = Post {
        text: &text,
        slow_mode,
        reply_to,
        client_id,
    };
    let message = request.writer.send(chat_id, &session, post).await?;
    tracing::debug!(%chat_id, message_id = %message.id, "message stored");
    Ok(message)
}

/// Replaces the text of one of the session's own messages (any time); returns it as it is now.
/// Someone else's message, a deleted one or one that does not exist is refused alike (403).
#[server(endpoint = "edit_message")]
pub async fn edit_message(
    hash_key: String,
    message_id: MessageId,
    content: String,
) -> Result<ChatMessage, AppError> {
    let text = MessageText::parse(&content)?;
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    rate_limit(&request, Action::Send, Some(session.id))?;
    let edited = request
        .writer
        .edit(entry.room.id, message_id, &session.name, &text)
        .await?
        .ok_or_else(|| AppError::Forbidden("You can edit only your own messages.".into()))?;
    // Without JavaScript the form was posted from the page with its editor open (`?edit=`).
    back_to_after_plain_form(&request, &entry.room.hash_key.room_path());
    Ok(edited)
}

/// Takes back one of the session's own messages: a "message deleted" placeholder stays; returns
/// it as it is now. Someone else's message is refused (403); moderators use
/// `mod/delete_message`.
#[server(endpoint = "delete_my_message")]
pub async fn delete_my_message(
    hash_key: String,
    message_id: MessageId,
) -> Result<ChatMessage, AppError> {
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    rate_limit(&request, Action::Send, Some(session.id))?;
    let deleted = request
        .writer
        .delete(
            entry.room.id,
            message_id,
            Deletion::Author,
            Some(&session.name),
        )
        .await?;
    deleted.ok_or_else(|| AppError::Forbidden("You can delete only your own messages.".into()))
}

/// Adds the session's reaction `emoji` to message `message_id` of the room, or takes it back if
/// they had reacted with it; returns the message as it is now.
#[server(endpoint = "react_to_message")]
pub async fn react_to_message(
    hash_key: String,
    message_id: MessageId,
    emoji: String,
) -> Result<ChatMessage, AppError> {
    let emoji = Emoji::parse(&emoji)?;
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    rate_limit(&request, Action::Send, Some(session.id))?;
    Ok(request
        .writer
        .react(entry.room.id, message_id, &session.name, &emoji)
        .await?)
}

/// Up to [`HISTORY_PAGE`] messages older than `before`, oldest first (scrolling back).
#[server(endpoint = "messages_before")]
pub async fn messages_before(
    hash_key: String,
    before: MessageId,
) -> Result<Vec<ChatMessage>, AppError> {
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    rate_limit(&request, Action::History, Some(session.id))?;
    let (db, windows) = (&request.db, &request.windows);
    Ok(rooms::before_of(db, windows, &entry.room, before, HISTORY_PAGE).await?)
}

/// Tells the room's other listeners that the session's user is typing.
#[server(endpoint = "typing")]
pub async fn typing(hash_key: String) -> Result<(), AppError> {
    let request = Request::current()?;
    let (entry, session) = enter_room(&request, &hash_key).await?;
    rate_limit(&request, Action::Typing, Some(session.id))?;
    request.typing(entry.room.id, &session.name);
    Ok(())
}

/// Lets the visitor's session into the room behind a share-link key (see
/// `backend::moderation::access`); an unknown key is `NotFound` whether or not the visitor is
/// logged in.
#[cfg(feature = "ssr")]
pub(crate) async fn enter_room(
    request: &Request,
    hash_key: &str,
) -> Result<(Entry, Session), AppError> {
    let key = HashKey::parse(hash_key).map_err(|_| AppError::NotFound)?;
    let Some(session) = session_if_any(request).await? else {
        return Err(match rooms::find_by_hash_key(&request.db, &key).await? {
            Some(_) => AppError::NotLoggedIn,
            None => AppError::NotFound,
        });
    };
    let traits = request_traits(request);
    let entry = access::enter(
        &request.db,
        &request.rules,
        &request.mirror,
        &key,
        traits.visitor(&session),
    )
    .await?;
    Ok((entry, session))
}

/// The rooms the session's name opened most recently, from any browser (empty when not logged
/// in).
#[server(endpoint = "recent_rooms")]
pub async fn recent_rooms() -> Result<Vec<RecentRoom>, AppError> {
    let request = Request::current()?;
    match session_if_any(&request).await? {
        Some(session) => {
            Ok(memberships::recent(&request.db, session.claim_id, RECENT_ROOMS).await?)
        }
        None => Ok(Vec::new()),
    }
}
