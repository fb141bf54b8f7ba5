//! The listening side: receives every instance's notices, publishes announced messages on the
//! hub, keeps track of who is where through the other instances, and reconnects (then has every
//! live stream catch up) when the connection is lost.

use super::remote_presence::RemotePresence;
use super::{notify, Notice, CHANNEL, HEARTBEAT, SILENT_AFTER};
use crate::identity::session_cache::SessionCache;
use crate::live::hub::Hub;
use crate::moderation::state::publish_room_state;
use crate::store::rooms;
use domain::live::LiveEvent;
use domain::{ChatId, Seq};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens for notices, reconnecting (and catching up) whenever the connection is lost.
pub(super) async fn listen(
    instance: u64,
    db: DatabaseConnection,
    hub: Arc<Hub>,
    sessions: SessionCache,
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
            // From here every ending is heard; what ended before is not in the emptied cache.
            sessions.trust();
            // Anything committed while we were not listening is re-read by each stream (on
            // the first connection too: a stream opened before it would miss those).
            hub.resync_all();
            if !first {
                tracing::info!("listening again; live streams catch up from the database");
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
            receive(instance, &mut listener, &db, &hub, &sessions, &mut others).await
        };
        let result = tokio::select! {
            result = session => result,
            () = async { drop(shutdown.wait_for(|stop| *stop).await) } => return,
        };
        // Endings told while nobody listens would go unheard.
        sessions.distrust();
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
    sessions: &SessionCache,
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
            Notice::Changes { c, a, b } => publish_range(db, hub, c, a, b).await?,
            Notice::Room { c } => {
                if hub.has_listeners(c) {
                    publish_room_state(db, hub, c).await?;
                }
            }
            Notice::Removed { c, u, x } => hub.publish_event(
                c,
                LiveEvent::Removed {
                    username: u,
                    banned: x,
                },
            ),
            Notice::Closed { c } => hub.publish_event(c, LiveEvent::Closed {}),
            Notice::SessionEnded { s } => sessions.forget(s),
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

/// Reads changes `first..=last` of `chat_id` and publishes them, if anyone here listens.
async fn publish_range(
    db: &DatabaseConnection,
    hub: &Hub,
    chat_id: ChatId,
    first: Seq,
    last: Seq,
) -> Result<(), crate::Error> {
    if !hub.has_listeners(chat_id) {
        return Ok(());
    }
    for message in rooms::changes_between(db, chat_id, first, last).await? {
        hub.publish_message(&message);
    }
    Ok(())
}
