//! Server functions of room owners and moderators. Each lets the visitor into the room, spends
//! one moderation token, then asks `backend::moderation` to act: the role checks happen there,
//! on the server, whatever the page showed. Each works as a plain form post too (the server
//! sends the browser back to the page it came from).

use crate::error::AppError;
use domain::moderation::{BanEntry, LogEntry};
use domain::MessageId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::request::{rate_limit, Request};
#[cfg(feature = "ssr")]
use backend::{
    identity::sessions::Session,
    moderation::{
        access::Entry,
        actions::{ModerationView, Moderator},
    },
    rate_limit::Action,
};
#[cfg(feature = "ssr")]
use domain::moderation::{Retention, SlowMode};
#[cfg(feature = "ssr")]
use domain::RoomName;

/// The visitor, let into the room and charged one moderation action.
#[cfg(feature = "ssr")]
async fn acting(hash_key: &str) -> Result<(Request, Entry, Session), AppError> {
    let request = Request::current()?;
    let (entry, session) = super::enter_room(&request, hash_key).await?;
    rate_limit(&request, Action::Moderate, Some(session.id))?;
    Ok((request, entry, session))
}

/// A name as a moderator typed or clicked it: matched exactly against the room's members, so
/// it is only bounded here, not parsed (names claimed under older rules stay reachable).
#[cfg(feature = "ssr")]
fn target_name(raw: &str) -> Result<&str, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::Invalid("Name the person to act on.".into()));
    }
    Ok(name)
}

/// Deletes a message of the room (owner and moderators).
#[server(endpoint = "mod/delete_message")]
pub async fn delete_message(hash_key: String, message_id: MessageId) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .delete_message(message_id)
        .await?;
    Ok(())
}

/// Removes a person from the room now; they may come back unless it is locked.
#[server(endpoint = "mod/remove")]
pub async fn remove_person(hash_key: String, username: String) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .remove(target_name(&username)?)
        .await?;
    Ok(())
}

/// Removes a person and keeps them out; `delete_messages` (a checkbox) deletes what they wrote.
#[server(endpoint = "mod/ban")]
pub async fn ban_person(
    hash_key: String,
    username: String,
    delete_messages: Option<String>,
) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .ban(target_name(&username)?, delete_messages.is_some())
        .await?;
    Ok(())
}

/// The room's bans (owner and moderators).
#[server(endpoint = "mod/bans")]
pub async fn list_bans(hash_key: String) -> Result<Vec<BanEntry>, AppError> {
    let (request, entry, _) = acting(&hash_key).await?;
    Ok(ModerationView::of(&request, &entry)?.bans().await?)
}

/// Lifts a ban.
#[server(endpoint = "mod/lift_ban")]
pub async fn lift_ban(hash_key: String, ban_id: i32) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .lift_ban(ban_id)
        .await?;
    Ok(())
}

/// The newest lines of the moderation log (owner and moderators).
#[server(endpoint = "mod/log")]
pub async fn moderation_log(hash_key: String) -> Result<Vec<LogEntry>, AppError> {
    let (request, entry, _) = acting(&hash_key).await?;
    Ok(ModerationView::of(&request, &entry)?.log_lines().await?)
}

/// Locks the room to new people (`locked = true`) or opens it again.
#[server(endpoint = "mod/lock")]
pub async fn set_locked(hash_key: String, locked: bool) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .set_locked(locked)
        .await?;
    Ok(())
}

/// Sets slow mode to one of the offered intervals (seconds; 0 turns it off).
#[server(endpoint = "mod/slow_mode")]
pub async fn set_slow_mode(hash_key: String, seconds: String) -> Result<(), AppError> {
    let mode = SlowMode::parse(&seconds)?;
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .set_slow_mode(mode)
        .await?;
    Ok(())
}

/// Renames the room.
#[server(endpoint = "mod/rename")]
pub async fn rename_room(hash_key: String, name: String) -> Result<(), AppError> {
    let name = RoomName::parse(&name)?;
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .rename(&name)
        .await?;
    Ok(())
}

/// Gives the room a new share link and sends the browser to it; the old link then works only
/// for members.
#[server(endpoint = "mod/rotate_link")]
pub async fn rotate_link(hash_key: String) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .rotate_link()
        .await?;
    Ok(())
}

/// Sets how long messages are kept (owner only).
#[server(endpoint = "mod/retention")]
pub async fn set_retention(hash_key: String, retention: String) -> Result<(), AppError> {
    let retention = Retention::parse(&retention)?;
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .set_retention(retention)
        .await?;
    Ok(())
}

/// Makes a member a moderator (owner only).
#[server(endpoint = "mod/make_moderator")]
pub async fn make_moderator(hash_key: String, username: String) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .make_moderator(target_name(&username)?)
        .await?;
    Ok(())
}

/// Takes the moderator role from someone (owner only).
#[server(endpoint = "mod/revoke_moderator")]
pub async fn revoke_moderator(hash_key: String, username: String) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .revoke_moderator(target_name(&username)?)
        .await?;
    Ok(())
}

/// Hands the room to another member; the owner becomes a moderator (owner only).
#[server(endpoint = "mod/transfer")]
pub async fn transfer_ownership(hash_key: String, username: String) -> Result<(), AppError> {
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .transfer_ownership(target_name(&username)?)
        .await?;
    Ok(())
}

/// What the owner must tick to delete the room.
pub const DELETE_CONFIRMATION: &str = "delete";

/// Deletes the room with every message (owner only, with `confirm` set to
/// [`DELETE_CONFIRMATION`]), then goes home.
#[server(endpoint = "mod/delete_room")]
pub async fn delete_room(hash_key: String, confirm: Option<String>) -> Result<(), AppError> {
    if confirm.as_deref() != Some(DELETE_CONFIRMATION) {
        return Err(AppError::Invalid(
            "Tick the box to confirm that the room and every message in it should be deleted."
                .into(),
        ));
    }
    let (request, entry, session) = acting(&hash_key).await?;
    Moderator::of(&request, &entry, &session)?
        .delete_room()
        .await?;
    leptos_axum::redirect("/");
    Ok(())
}
