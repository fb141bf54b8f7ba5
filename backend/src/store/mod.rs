//! The database: connecting and migrating, the entities, and the reads and writes of rooms,
//! messages and memberships.

mod built_once;
pub mod db;
pub mod entities;
pub mod memberships;
pub mod room_cache;
pub mod room_mirror;
pub mod rooms;
