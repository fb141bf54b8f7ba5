//! How stored messages, presence and typing reach listeners: the one place where running alone
//! or beside other instances makes a difference.

use super::cluster::{self, Announcer};
use super::hub::Hub;
use crate::identity::session_cache::SessionCache;
use sea_orm::{DatabaseConnection, DbBackend};
use std::sync::Arc;
use tokio::sync::watch;

/// The fan-out transport.
#[derive(Clone, Debug)]
pub enum Fanout {
    /// This process is the only instance: the writer publishes on its hub after the commit.
    InProcess,
    /// Several instances share a PostgreSQL database: the writer's transaction notifies every
    /// instance (this one too) at commit, and presence and typing are announced to the others.
    Postgres(Announcer),
}

impl Fanout {
    /// Picks the transport for `db`'s backend and starts what it needs (the cluster tasks stop
    /// when `shutdown` turns true), with the session cache that fits it: with other instances
    /// it is used only while their endings are heard.
    pub fn start(
        db: &DatabaseConnection,
        hub: &Arc<Hub>,
        shutdown: watch::Receiver<bool>,
    ) -> (Self, SessionCache) {
        if db.get_database_backend() == DbBackend::Postgres {
            let sessions = SessionCache::default();
            let announcer = cluster::start(db.clone(), Arc::clone(hub), sessions.clone(), shutdown);
            (Fanout::Postgres(announcer), sessions)
        } else {
            (Fanout::InProcess, SessionCache::trusted())
        }
    }

    /// Whether other instances may be listening (messages are then announced at commit).
    pub fn is_shared(&self) -> bool {
        matches!(self, Fanout::Postgres(_))
    }

    /// Tells the room, on every instance, that `username` is typing.
    pub fn typing(&self, hub: &Hub, chat_id: domain::ChatId, username: &str) {
        hub.publish_typing(chat_id, username);
        if let Fanout::Postgres(announcer) = self {
            announcer.typing(chat_id, username);
        }
    }
}
