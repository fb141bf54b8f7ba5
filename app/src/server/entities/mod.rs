//! SeaORM entities for the spec's three models.

pub mod chat;
pub mod message;
pub mod session;
