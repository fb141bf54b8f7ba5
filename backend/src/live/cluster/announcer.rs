//! What this instance tells the other instances: its presence changes (reported by the hub,
//! in order) and typing, queued and sent as notices by one task, with a heartbeat.

use super::{notify, Notice, HEARTBEAT};
use crate::live::hub::PresenceObserver;
use domain::ChatId;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, watch};

/// Presence changes and typing waiting to be sent before new ones are dropped.
const ANNOUNCE_QUEUE: usize = 4096;

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
    /// Starts the task that sends what is queued, and a heartbeat, as `instance`.
    pub(super) fn start(
        instance: u64,
        db: DatabaseConnection,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let (outbox, announcements) = mpsc::channel(ANNOUNCE_QUEUE);
        tokio::spawn(announce(instance, db, announcements, shutdown));
        Self { outbox }
    }

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
