//! SeaORM entities: the Chat, Message and Session models of `docs/functional-spec.md`, which
//! session opened which chat, and who owns which username.

pub mod chat;
pub mod membership;
pub mod message;
pub mod session;
pub mod username_claim;
