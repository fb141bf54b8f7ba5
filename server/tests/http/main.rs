//! Integration tests: each starts the real server on a random port with a fresh database (SQLite,
//! or PostgreSQL with `TEST_BACKEND=postgres`) and drives it over HTTP, as a browser (with or
//! without JavaScript) would.

mod assets;
mod chats_api;
mod cluster;
mod hardening;
mod idempotent_send;
mod identity;
mod install;
mod live;
mod live_paths;
mod moderation;
mod own_messages;
mod page_cache;
mod pages;
mod rate_limits;
mod reactions;
mod replies;
mod server_fns;
mod shutdown;
mod support;
mod test_db;
