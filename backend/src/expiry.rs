//! Ends idle sessions, releases unused names and deletes messages past their room's retention
//! on a timer, so the stated periods hold even when nobody asks.

use crate::identity::{claims, sessions};
use crate::store::rooms;
use sea_orm::DatabaseConnection;
use std::time::Duration;
use tokio::sync::watch;

/// Time between sweeps (a room keeping messages for a day keeps none much longer).
const SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// Runs one sweep: idle sessions first (a lapsed claim's sessions are idle too), then claims.
pub async fn sweep(db: &DatabaseConnection) {
    let now = chrono::Utc::now();
    match sessions::delete_idle(db, now).await {
        Ok(0) => {}
        Ok(ended) => tracing::info!(ended, "expired idle sessions"),
        Err(err) => tracing::warn!(error = %err, "could not expire idle sessions"),
    }
    match claims::release_lapsed(db, now).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "released unused usernames"),
        Err(err) => tracing::warn!(error = %err, "could not release unused usernames"),
    }
    match rooms::delete_expired_messages(db, now).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "deleted messages past their room's retention"),
        Err(err) => tracing::warn!(error = %err, "could not apply message retention"),
    }
}

/// Sweeps now and then every [`SWEEP_EVERY`] until `shutdown` turns true.
pub async fn run(db: DatabaseConnection, mut shutdown: watch::Receiver<bool>) {
    let mut timer = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = timer.tick() => sweep(&db).await,
            // The guard `wait_for` returns must not outlive this branch (it is not `Send`).
            () = async { drop(shutdown.wait_for(|stop| *stop).await) } => break,
        }
    }
}
