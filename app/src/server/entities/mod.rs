//! SeaORM entities: the spec's three models, and which session joined which chat.

pub mod chat;
pub mod membership;
pub mod message;
pub mod session;
