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
//!
//! The bookkeeping of who is where ([`remote_presence`]) lives here, in the listening task; the
//! hub only learns whether a person is present elsewhere, and reports its own changes to the
//! [`Announcer`].

mod remote_presence;

use super::hub::{Hub, PresenceObserver};
use crate::store::rooms;
use domain::{ChatId, MessageId};
use remote_presence::RemotePresence;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
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
    Messages {
        c: ChatId,
        a: MessageId,
        b: MessageId,
    },
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

/// Queues the notice "messages `first..=last` of `chat_id` were committed" on `txn`; PostgreSQL
/// delivers it to every listening instance when (and only if) the transaction commits.
pub async fn notify_messages(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    first: MessageId,
    last: MessageId,
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

/// What this instance tells the other instances.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Announcement {
    /// `username` opened a first live connection to `chat_id` here.
    Joined { chat_id: ChatId, username: String },
    /// `username` closed the last live connection to `chat_id` here.
    Left { chat_id: ChatId, username: String },
    /// `username` is typing in `chat_id`.
    Typing { chat_id: ChatId, username: String },
}

/// Queues this instance's presence changes and typing for the other instances.
#[derive(Debug, Clone)]
pub struct Announcer {
    outbox: mpsc::Sender<Announcement>,
}

impl Announcer {
    fn queue(&self, announcement: Announcement) {
        // Full only while the database is unreachable: presence is re-announced in full after
        // reconnecting, and a lost typing hint does not matter.
        if self.outbox.try_send(announcement).is_err() {
            tracing::debug!("announcement dropped: the other instances are unreachable");
        }
    }

    /// Tells the other instances that `username` is typing in `chat_id`.
    pub fn typing(&self, chat_id: ChatId, username: &str) {
        self.queue(Announcement::Typing {
            chat_id,
            username: username.to_owned(),
        });
    }
}

impl PresenceObserver for Announcer {
    fn presence_changed(&self, chat_id: ChatId, username: &str, here: bool) {
        let username = username.to_owned();
        self.queue(if here {
            Announcement::Joined { chat_id, username }
        } else {
            Announcement::Left { chat_id, username }
        });
    }
}

/// Starts the cluster tasks: the listener (with reconnect and catch-up) and the announcer
/// (presence, typing, heartbeat); both stop when `shutdown` turns true. Returns the handle that
/// announces typing; presence changes reach it from the hub.
pub fn start(db: DatabaseConnection, hub: Arc<Hub>, shutdown: watch::Receiver<bool>) -> Announcer {
    let instance = rand::random::<u64>();
    let (outbox, announcements) = mpsc::channel(ANNOUNCE_QUEUE);
    let announcer = Announcer { outbox };
    hub.observe_presence(Arc::new(announcer.clone()));
    tracing::info!(instance, "live delivery across instances via PostgreSQL");
    tokio::spawn(announce(
        instance,
        db.clone(),
        announcements,
        shutdown.clone(),
    ));
    tokio::spawn(listen(instance, db, hub, shutdown));
    announcer
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
    // What the other instances told us, kept across reconnections.
    let mut others = Others::default();
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
                others
                    .last_heard
                    .values_mut()
                    .for_each(|heard| *heard = now);
            }
            // Others re-announce who is online with them; we do the same for them.
            notify(&db, &Notice::Hello { i: instance }).await?;
            reannounce(instance, &db, &hub).await?;
            backoff = Duration::from_millis(100);
            receive(instance, &mut listener, &db, &hub, &mut others).await
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
    #[error(transparent)]
    Store(#[from] crate::Error),
    #[error("the connection was lost")]
    Lost,
}

/// What the listening task knows of the other instances.
#[derive(Debug, Default)]
struct Others {
    /// When each was last heard from.
    last_heard: HashMap<u64, Instant>,
    /// Who is in which room through them.
    presence: RemotePresence,
}

impl Others {
    fn heard(&mut self, instance: u64) {
        self.last_heard.insert(instance, Instant::now());
    }

    fn report(&mut self, hub: &Hub, instance: u64, chat_id: ChatId, username: &str, present: bool) {
        self.heard(instance);
        if self.presence.report(instance, chat_id, username, present) {
            hub.set_present_elsewhere(chat_id, username, present);
        }
    }

    fn forget(&mut self, hub: &Hub, instance: u64) {
        self.last_heard.remove(&instance);
        for (chat_id, username) in self.presence.forget(instance) {
            hub.set_present_elsewhere(chat_id, &username, false);
        }
    }

    /// Forgets the instances not heard from for [`SILENT_AFTER`].
    fn forget_silent(&mut self, hub: &Hub) {
        let now = Instant::now();
        let silent: Vec<u64> = self
            .last_heard
            .iter()
            .filter(|(_, heard)| now.duration_since(**heard) >= SILENT_AFTER)
            .map(|(instance, _)| *instance)
            .collect();
        for instance in silent {
            tracing::info!(instance, "instance went silent");
            self.forget(hub, instance);
        }
    }
}

/// Handles notices until the connection fails.
async fn receive(
    instance: u64,
    listener: &mut PgListener,
    db: &DatabaseConnection,
    hub: &Hub,
    others: &mut Others,
) -> Result<(), ListenError> {
    let mut sweep = tokio::time::interval(HEARTBEAT);
    loop {
        let notification = tokio::select! {
            received = listener.try_recv() => received?.ok_or(ListenError::Lost)?,
            _ = sweep.tick() => {
                others.forget_silent(hub);
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
            Notice::Joined { i, c, u } => others.report(hub, i, c, &u, true),
            Notice::Left { i, c, u } => others.report(hub, i, c, &u, false),
            Notice::Typing { i, c, u } => {
                others.heard(i);
                hub.publish_typing(c, &u);
            }
            Notice::Hello { i } => {
                others.heard(i);
                reannounce(instance, db, hub).await?;
            }
            Notice::Alive { i } => others.heard(i),
            Notice::Bye { i } => others.forget(hub, i),
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
    chat_id: ChatId,
    first: MessageId,
    last: MessageId,
) -> Result<(), crate::Error> {
    if !hub.has_listeners(chat_id) {
        return Ok(());
    }
    for message in rooms::messages_between(db, chat_id, first, last).await? {
        hub.publish_message(&message);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_small_json() {
        let notice = Notice::Messages {
            c: ChatId(7),
            a: MessageId(41),
            b: MessageId(42),
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
