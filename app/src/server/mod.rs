//! Server-only code: database, sessions, chat storage. Compiled only with the `ssr` feature.

pub mod db;
pub mod entities;
pub mod random;
pub mod request;
pub mod rooms;
pub mod sessions;
pub mod state;
