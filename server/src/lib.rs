//! The axum host: configuration, the router (Leptos pages, server functions, the JSON API) and
//! serving with graceful shutdown. A library so integration tests can start the real server.

pub mod admission;
pub mod assets;
pub mod chats_api;
pub mod config;
pub mod connection;
pub mod error_response;
pub mod export;
pub mod flash;
#[cfg(test)]
mod fuzz;
pub mod guard;
pub mod live;
pub mod page_cache;
pub mod router;
pub mod security;
pub mod write_deadline;

pub use config::Config;
pub use router::{app, AppParts, AppState};

use backend::Services;

use std::future::Future;
use tokio::net::TcpListener;

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error("could not open the database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The address could not be bound or the server failed while running.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects to the database, migrates, and serves on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let db = backend::store::db::connect_and_migrate(&config.database_url).await?;
    let (services, stop_live) = Services::start(db, config.settings);
    let mut leptos_options = config.leptos;
    let bundle = assets::Bundle::link(&mut leptos_options);
    let state = AppState::new(AppParts {
        services,
        leptos_options,
        bundle,
        keep_pages: config.keep_pages,
        live_opening: live::OpeningGate::default(),
    });
    let router = app(state.clone());
    tracing::info!(
        addr = %listener.local_addr()?,
        max_connections = config.connections.total,
        per_address = ?config.connections.per_address,
        "listening"
    );
    let admission = admission::Admission::new(config.connections);
    connection::serve(listener, router, admission, async move {
        shutdown.await;
        // End the live streams, or graceful shutdown would wait for them forever.
        let _ = stop_live.send(true);
    })
    .await;
    Ok(())
}
