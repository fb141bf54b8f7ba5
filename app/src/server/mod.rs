//! Server-only code: database, sessions and name claims, rate limits, chat storage, live
//! fan-out. Compiled only with `ssr`.

pub mod claims;
pub mod cluster;
pub mod csp;
pub mod db;
pub mod entities;
pub mod expiry;
pub mod hub;
pub mod memberships;
pub mod name_key;
pub mod passphrase_hash;
pub mod random;
pub mod rate_limit;
pub mod request;
pub mod rooms;
pub mod sessions;
pub mod state;
pub mod writer;
