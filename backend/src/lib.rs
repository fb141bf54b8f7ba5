//! The server-side core of the chat, with no web framework in it: the database and its
//! entities ([`store`]), who people are ([`identity`]), how often they may act
//! ([`rate_limit`]), how messages and presence reach open pages ([`live`]), and room owners and
//! moderation ([`moderation`]). [`Services`]
//! bundles what request handlers share. The `app` crate's server functions and the `server`
//! crate's HTTP handlers call into it; the browser build never sees it.

pub mod client_address;
pub mod error;
pub mod expiry;
pub mod identity;
pub mod live;
pub mod moderation;
pub mod random;
pub mod rate_limit;
pub mod services;
pub mod store;

pub use error::Error;
pub use services::{Services, Settings};
