//! What every request handler and server function shares.

use super::hub::Hub;
use super::sessions::CookiePolicy;
use super::writer::MessageWriter;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;
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
}

impl AppState {
    /// Builds the state and starts the message writer; returns the switch that ends live streams.
    pub fn new(
        db: DatabaseConnection,
        leptos_options: LeptosOptions,
        room_buffer: usize,
        cookies: CookiePolicy,
    ) -> (Self, watch::Sender<bool>) {
        let hub = Hub::new(room_buffer);
        let writer = MessageWriter::spawn(db.clone(), Arc::clone(&hub));
        let (stop, shutdown) = watch::channel(false);
        let state = Self {
            db,
            hub,
            writer,
            shutdown,
            leptos_options,
            cookies,
        };
        (state, stop)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
