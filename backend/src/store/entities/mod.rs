//! SeaORM entities: the Chat, Message and Session models of `docs/functional-spec.md`, which
//! session opened which chat (and which name, from any browser), who owns which username and
//! under which keys.

pub mod chat;
pub mod claim_room;
pub mod membership;
pub mod message;
pub mod moderation_log;
pub mod retired_link;
pub mod room_ban;
pub mod room_role;
pub mod session;
pub mod username_claim;
pub mod username_key;
