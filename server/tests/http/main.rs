//! Integration tests: each starts the real server on a random port with a fresh SQLite database
//! and drives it over HTTP, as a browser (with or without JavaScript) would.

mod chats_api;
mod hardening;
mod hostile;
mod live;
mod pages;
mod server_fns;
mod support;
