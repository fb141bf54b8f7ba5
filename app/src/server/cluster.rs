//! Live delivery across server instances sharing one PostgreSQL: the fan-out transport behind
//! the hub when `DATABASE_URL` is `postgres://...`.
//!
//! Every instance LISTENs on one channel. Notifications are small JSON notices (well under
//! PostgreSQL's 8000-byte payload limit): "messages `a..=b` of chat `c` were committed" (sent
//! inside the writer's transaction, so delivered at commit, in commit order), presence changes,
//! typing, and a heartbeat. On a message notice an instance reads those rows and publishes them
//! on its hub, if anyone there listens to that chat.
//!
//! If the listening connection drops, the instance reconnects, then tells every live stream to
//! re-read the database from the last message it sent: nothing committed meanwhile is missed.
//! Presence is re-announced on reconnect; an instance silent for [`SILENT_AFTER`] is
//! considered gone and its users leave.

use super::entities::message;
use super::hub::{Announcement, Hub};
use super::rooms::to_dto;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The PostgreSQL notification channel all instances listen on.
pub const CHANNEL: &str = "chat_live";
/// How often an instance says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// An instance not heard from for this long is gone (its users leave the rooms).
pub const SILENT_AFTER: Duration = Duration::from_secs(16);
/// Presence changes and typing waiting to be sent before new ones are dropped.
const ANNOUNCE_QUEUE: usize = 4096;
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One notification's payload. Field names are short: they travel with every notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
enum Notice {
    /// Messages with ids `a..=b` of chat `c` were committed.
    #[serde(rename = "m")]
    Messages { c: i32, a: i64, b: i64 },
    /// `u` opened a first live connection to chat `c` on instance `i`.
    #[serde(rename = "j")]
    Joined { i: u64, c: i32, u: String },
    /// `u` closed the last live connection to chat `c` on instance `i`.
    #[serde(rename = "l")]
    Left { i: u64, c: i32, u: String },
    /// `u` is typing in chat `c` (on instance `i`).
    #[serde(rename = "y")]
    Typing { i: u64, c: i32, u: String },
    /// Instance `i` (re)connected: everyone re-announces who is online with them.
    #[serde(rename = "h")]
    Hello { i: u64 },
    /// Instance `i` is alive.
    #[serde(rename = "a")]
    Alive { i: u64 },
    /// Instance `i` is shutting down.
    #[serde(rename = "b")]
    Bye { i: u64 },
}

/// Queues the notice "messages `first..=last` of `chat_id` were committed" on `txn`; PostgreSQL
/// delivers it to every listening instance when (and only if) the transaction commits.
pub async fn notify_messages(
    txn: &impl ConnectionTrait,
    chat_id: i32,
    first: i64,
    last: i64,
) -> Result<(), DbErr> {
    notify(
        txn,
        &Notice::Messages {
            c: chat_id,
            a: first,
            b: last,
        },
    )
    .await
}

async fn notify(db: &impl ConnectionTrait, notice: &Notice) -> Result<(), DbErr> {
    let payload = serde_json::to_string(notice).map_err(|e| DbErr::Custom(e.to_string()))?;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// Starts the cluster tasks: the listener (with reconnect and catch-up) and the announcer
/// (presence, typing, heartbeat). Both stop when `shutdown` turns true.
pub fn start(db: DatabaseConnection, hub: Arc<Hub>, shutdown: watch::Receiver<bool>) {
    let instance = rand::random::<u64>();
    let (outbox, announcements) = mpsc::channel(ANNOUNCE_QUEUE);
    hub.announce_to(outbox);
    tracing::info!(instance, "live delivery across instances via PostgreSQL");
    tokio::spawn(announce(
        instance,
        db.clone(),
        announcements,
        shutdown.clone(),
    ));
    tokio::spawn(listen(instance, db, hub, shutdown));
}

/// Sends this instance's presence changes and typing, and a heartbeat.
async fn announce(
    instance: u64,
    db: DatabaseConnection,
    mut announcements: mpsc::Receiver<Announcement>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        let notice = tokio::select! {
            Some(announcement) = announcements.recv() => match announcement {
                Announcement::Joined { chat_id, username } => Notice::Joined { i: instance, c: chat_id, u: username },
                Announcement::Left { chat_id, username } => Notice::Left { i: instance, c: chat_id, u: username },
                Announcement::Typing { chat_id, username } => Notice::Typing { i: instance, c: chat_id, u: username },
            },
            _ = heartbeat.tick() => Notice::Alive { i: instance },
            () = async { drop(shutdown.wait_for(|stop| *stop).await) } => {
                let _ = notify(&db, &Notice::Bye { i: instance }).await;
                return;
            }
        };
        if let Err(err) = notify(&db, &notice).await {
            // Presence and typing are best effort; messages never travel this way.
            tracing::warn!(error = %err, "could not notify the other instances");
        }
    }
}

/// Listens for notices, reconnecting (and catching up) whenever the connection is lost.
async fn listen(
    instance: u64,
    db: DatabaseConnection,
    hub: Arc<Hub>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    // Other instances and when we last heard from them (kept across reconnections).
    let mut last_heard: HashMap<u64, Instant> = HashMap::new();
    loop {
        let session = async {
            // A connection of the pool, kept for listening (the pool replaces it if it dies).
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(CHANNEL).await?;
            if !first {
                // Anything committed while we were not listening is re-read by each stream.
                tracing::info!("listening again; live streams catch up from the database");
                hub.resync_all();
                // Silence while we were away was ours, not theirs.
                let now = Instant::now();
                last_heard.values_mut().for_each(|heard| *heard = now);
            }
            // Others re-announce who is online with them; we do the same for them.
            notify(&db, &Notice::Hello { i: instance }).await?;
            reannounce(instance, &db, &hub).await?;
            backoff = Duration::from_millis(100);
            receive(instance, &mut listener, &db, &hub, &mut last_heard).await
        };
        let result = tokio::select! {
            result = session => result,
            () = async { drop(shutdown.wait_for(|stop| *stop).await) } => return,
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "lost the PostgreSQL listener; reconnecting");
        }
        first = false;
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = async { drop(shutdown.wait_for(|stop| *stop).await) } => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Errors that end a listening session (it is then reconnected).
#[derive(Debug, thiserror::Error)]
enum ListenError {
    #[error(transparent)]
    Sqlx(#[from] sea_orm::sqlx::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("the connection was lost")]
    Lost,
}

/// Handles notices until the connection fails.
async fn receive(
    instance: u64,
    listener: &mut PgListener,
    db: &DatabaseConnection,
    hub: &Hub,
    last_heard: &mut HashMap<u64, Instant>,
) -> Result<(), ListenError> {
    let mut sweep = tokio::time::interval(HEARTBEAT);
    loop {
        let notification = tokio::select! {
            received = listener.try_recv() => received?.ok_or(ListenError::Lost)?,
            _ = sweep.tick() => {
                let now = Instant::now();
                last_heard.retain(|other, heard| {
                    let alive = now.duration_since(*heard) < SILENT_AFTER;
                    if !alive {
                        tracing::info!(instance = other, "instance went silent");
                        hub.forget_instance(*other);
                    }
                    alive
                });
                continue;
            }
        };
        let notice: Notice = match serde_json::from_str(notification.payload()) {
            Ok(notice) => notice,
            Err(err) => {
                tracing::warn!(error = %err, "ignored a malformed notice");
                continue;
            }
        };
        match notice {
            Notice::Messages { c, a, b } => publish_range(db, hub, c, a, b).await?,
            Notice::Joined { i, .. }
            | Notice::Left { i, .. }
            | Notice::Typing { i, .. }
            | Notice::Hello { i }
            | Notice::Alive { i }
            | Notice::Bye { i }
                if i == instance => {}
            Notice::Joined { i, c, u } => {
                last_heard.insert(i, Instant::now());
                hub.remote_presence(i, c, &u, true);
            }
            Notice::Left { i, c, u } => {
                last_heard.insert(i, Instant::now());
                hub.remote_presence(i, c, &u, false);
            }
            Notice::Typing { i, c, u } => {
                last_heard.insert(i, Instant::now());
                hub.publish_remote_typing(c, &u);
            }
            Notice::Hello { i } => {
                last_heard.insert(i, Instant::now());
                reannounce(instance, db, hub).await?;
            }
            Notice::Alive { i } => {
                last_heard.insert(i, Instant::now());
            }
            Notice::Bye { i } => {
                last_heard.remove(&i);
                hub.forget_instance(i);
            }
        }
    }
}

/// Tells the other instances everyone online here.
async fn reannounce(instance: u64, db: &DatabaseConnection, hub: &Hub) -> Result<(), DbErr> {
    for (chat_id, username) in hub.local_presence() {
        notify(
            db,
            &Notice::Joined {
                i: instance,
                c: chat_id,
                u: username,
            },
        )
        .await?;
    }
    Ok(())
}

/// Reads messages `first..=last` of `chat_id` and publishes them, if anyone here listens.
async fn publish_range(
    db: &DatabaseConnection,
    hub: &Hub,
    chat_id: i32,
    first: i64,
    last: i64,
) -> Result<(), DbErr> {
    if !hub.has_listeners(chat_id) {
        return Ok(());
    }
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::Id.between(first, last))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        hub.publish_message(&to_dto(row));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_small_json() {
        let notice = Notice::Messages { c: 7, a: 41, b: 42 };
        let json = serde_json::to_string(&notice).unwrap();
        assert_eq!(json, r#"{"t":"m","c":7,"a":41,"b":42}"#);
        assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), notice);
        let longest = Notice::Typing {
            i: u64::MAX,
            c: i32::MAX,
            u: "界".repeat(crate::domain::Username::MAX_CHARS),
        };
        assert!(serde_json::to_string(&longest).unwrap().len() < 8000);
    }
}
