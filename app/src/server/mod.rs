//! Server-only code: database, sessions, chat storage, live fan-out. Compiled only with `ssr`.

pub mod db;
pub mod entities;
pub mod hub;
pub mod memberships;
pub mod random;
pub mod request;
pub mod rooms;
pub mod sessions;
pub mod state;
pub mod writer;
