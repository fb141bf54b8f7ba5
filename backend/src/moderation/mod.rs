//! Room ownership and moderation: who holds which role ([`roles`]), who is kept out
//! ([`bans`]), who may enter at all ([`access`], from each room's [`rules`]), what owners and moderators can do
//! ([`actions`]), the record of it ([`log`]), and telling open pages about changes to a room
//! ([`state`]). Changes to messages (deletions) go through the message writer, so they take
//! their place in the room's change feed and reach pages that were offline when they happened.

pub mod access;
pub mod actions;
pub mod bans;
pub mod log;
pub mod roles;
pub mod rules;
pub mod state;
