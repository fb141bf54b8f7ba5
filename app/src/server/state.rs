//! What every request handler and server function shares.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;

/// Shared application state: cheap to clone (the connection is a pool handle).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Leptos settings (site root, output name), needed to render pages and serve assets.
    pub leptos_options: LeptosOptions,
}

impl AppState {
    /// Bundles the pool and the Leptos settings.
    pub fn new(db: DatabaseConnection, leptos_options: LeptosOptions) -> Self {
        Self { db, leptos_options }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
