//! What every request handler and server function shares.

use super::cluster;
use super::hub::Hub;
use super::rate_limit::RateLimiter;
use super::sessions::CookiePolicy;
use super::writer::{Fanout, MessageWriter};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sea_orm::{DatabaseConnection, DbBackend};
use std::sync::Arc;
use tokio::sync::watch;

/// Shared application state: cheap to clone (handles and `Arc`s only).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Live fan-out to open room pages.
    pub hub: Arc<Hub>,
    /// The batching message writer (store, then publish).
    pub writer: MessageWriter,
    /// Becomes `true` when the server shuts down, so live streams end and let it stop.
    pub shutdown: watch::Receiver<bool>,
    /// Leptos settings (site root, output name), needed to render pages and serve assets.
    pub leptos_options: LeptosOptions,
    /// How the session cookie is named and flagged.
    pub cookies: CookiePolicy,
    /// Request budgets per session and per address.
    pub limiter: Arc<RateLimiter>,
    /// Whether the client address comes from `X-Forwarded-For` (behind a trusted proxy).
    pub trusted_proxy: bool,
}

/// How the server was configured to behave (everything but the database and the site).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Live frames buffered per room before a slow listener catches up from the database.
    pub room_buffer: usize,
    /// How the session cookie is named and flagged.
    pub cookies: CookiePolicy,
    /// Whether rate limits apply (off only for load tests).
    pub rate_limits: bool,
    /// Whether the client address comes from `X-Forwarded-For` (behind a trusted proxy).
    pub trusted_proxy: bool,
}

impl AppState {
    /// Builds the state and starts the message writer; returns the switch that ends live streams.
    pub fn new(
        db: DatabaseConnection,
        leptos_options: LeptosOptions,
        settings: Settings,
    ) -> (Self, watch::Sender<bool>) {
        let hub = Hub::new(settings.room_buffer);
        let (stop, shutdown) = watch::channel(false);
        // The only place the backend matters: how messages reach the other instances.
        let fanout = if db.get_database_backend() == DbBackend::Postgres {
            cluster::start(db.clone(), Arc::clone(&hub), shutdown.clone());
            Fanout::Postgres
        } else {
            Fanout::InProcess(Arc::clone(&hub))
        };
        let writer = MessageWriter::spawn(db.clone(), fanout);
        let state = Self {
            db,
            hub,
            writer,
            shutdown,
            leptos_options,
            cookies: settings.cookies,
            limiter: Arc::new(RateLimiter::new(settings.rate_limits)),
            trusted_proxy: settings.trusted_proxy,
        };
        (state, stop)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
