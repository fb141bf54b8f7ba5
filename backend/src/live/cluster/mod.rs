//! Live delivery across server instances sharing one PostgreSQL: the fan-out transport behind
//! the hub when `DATABASE_URL` is `postgres://...`.
//!
//! Every instance LISTENs on one channel. Notifications are small JSON notices (well under
//! PostgreSQL's 8000-byte payload limit): "changes `a..=b` of chat `c`'s feed were committed"
//! (sent inside the writer's transaction, so delivered at commit, in commit order), changes to
//! a room itself (settings, removals, deletion), presence changes, typing, and a heartbeat. On a
//! change notice an instance reads those rows and publishes them on its hub, if anyone there
//! listens to that chat; on a room notice it reads the room's state anew.
//!
//! If the listening connection drops, the instance reconnects, then tells every live stream to
//! re-read the database from the last message it sent: nothing committed meanwhile is missed.
//! Presence is re-announced on reconnect; an instance silent for [`SILENT_AFTER`] is
//! considered gone and its users leave.
//!
//! The bookkeeping of who is where ([`remote_presence`]) lives here, in the listening task; the
//! hub only learns whether a person is present elsewhere, and reports its own changes to the
//! [`Announcer`].

mod announcer;
mod listener;
mod remote_presence;

pub use announcer::Announcer;

use super::hub::Hub;
use crate::identity::session_cache::SessionCache;
use domain::{ChatId, Seq};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL notification channel all instances listen on.
pub const CHANNEL: &str = "chat_live";
/// How often an instance says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// An instance not heard from for this long is gone (its users leave the rooms).
pub const SILENT_AFTER: Duration = Duration::from_secs(16);

/// One notification's payload. Field names are short: they travel with every notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
enum Notice {
    /// Changes `a..=b` of chat `c`'s feed were committed.
    #[serde(rename = "m")]
    Changes { c: ChatId, a: Seq, b: Seq },
    /// Chat `c`'s name, link, settings or roles changed.
    #[serde(rename = "r")]
    Room { c: ChatId },
    /// `u` was removed from chat `c` (and banned if `x`).
    #[serde(rename = "k")]
    Removed { c: ChatId, u: String, x: bool },
    /// Chat `c` was deleted.
    #[serde(rename = "d")]
    Closed { c: ChatId },
    /// Session `s` ended (logged out, or replaced by a new login).
    #[serde(rename = "s")]
    SessionEnded { s: i32 },
    /// `u` opened a first live connection to chat `c` on instance `i`.
    #[serde(rename = "j")]
    Joined { i: u64, c: ChatId, u: String },
    /// `u` closed the last live connection to chat `c` on instance `i`.
    #[serde(rename = "l")]
    Left { i: u64, c: ChatId, u: String },
    /// `u` is typing in chat `c` (on instance `i`).
    #[serde(rename = "y")]
    Typing { i: u64, c: ChatId, u: String },
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

/// Queues the notice "changes `first..=last` of `chat_id`'s feed were committed" on `txn`;
/// PostgreSQL delivers it to every listening instance when (and only if) the transaction
/// commits.
pub async fn notify_changes(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    first: Seq,
    last: Seq,
) -> Result<(), DbErr> {
    notify(
        txn,
        &Notice::Changes {
            c: chat_id,
            a: first,
            b: last,
        },
    )
    .await
}

/// A change to a room itself, told to every instance's listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomNotice {
    /// Its name, link, settings or roles changed (each instance reads them anew).
    Changed,
    /// `username` was removed (and banned, if `banned`).
    Removed {
        /// Who.
        username: String,
        /// Whether they are kept out too.
        banned: bool,
    },
    /// The room was deleted.
    Closed,
}

/// Queues the notice "session `id` ended" on `db` if it is PostgreSQL (every instance then
/// forgets it at commit); with SQLite there is one instance, which the caller updates.
pub async fn notify_session_ended(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    notify(db, &Notice::SessionEnded { s: id }).await
}

/// Queues `notice` about `chat_id` on `db` (delivered at commit when `db` is a transaction).
pub async fn notify_room(
    db: &impl ConnectionTrait,
    chat_id: ChatId,
    notice: RoomNotice,
) -> Result<(), DbErr> {
    let notice = match notice {
        RoomNotice::Changed => Notice::Room { c: chat_id },
        RoomNotice::Removed { username, banned } => Notice::Removed {
            c: chat_id,
            u: username,
            x: banned,
        },
        RoomNotice::Closed => Notice::Closed { c: chat_id },
    };
    notify(db, &notice).await
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

/// Starts the cluster tasks: the listener (with reconnect and catch-up; it keeps `sessions`
/// in step with the other instances) and the announcer (presence, typing, heartbeat); both
/// stop when `shutdown` turns true. Returns the handle that announces typing; presence changes
/// reach it from the hub.
pub fn start(
    db: DatabaseConnection,
    hub: Arc<Hub>,
    sessions: SessionCache,
    shutdown: watch::Receiver<bool>,
) -> Announcer {
    let instance = rand::random::<u64>();
    tracing::info!(instance, "live delivery across instances via PostgreSQL");
    let announcer = Announcer::start(instance, db.clone(), shutdown.clone());
    hub.observe_presence(Arc::new(announcer.clone()));
    tokio::spawn(listener::listen(instance, db, hub, sessions, shutdown));
    announcer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_small_json() {
        let notice = Notice::Changes {
            c: ChatId(7),
            a: Seq(41),
            b: Seq(42),
        };
        let json = serde_json::to_string(&notice).unwrap();
        assert_eq!(json, r#"{"t":"m","c":7,"a":41,"b":42}"#);
        assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), notice);
        let longest = Notice::Typing {
            i: u64::MAX,
            c: ChatId(i64::MAX),
            u: "界".repeat(domain::Username::MAX_CHARS),
        };
        assert!(serde_json::to_string(&longest).unwrap().len() < 8000);
    }
}
