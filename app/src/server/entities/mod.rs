//! SeaORM entities: the spec's three models, which session joined which chat, and who owns
//! which username.

pub mod chat;
pub mod membership;
pub mod message;
pub mod session;
pub mod username_claim;
