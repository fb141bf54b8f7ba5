//! What every request handler and server function shares, and starting it.

use crate::expiry;
use crate::identity::cookies::CookiePolicy;
use crate::identity::session_cache::SessionCache;
use crate::identity::sessions::{self, Session};
use crate::live::fanout::Fanout;
use crate::live::hub::Hub;
use crate::live::stream_caps::StreamCaps;
use crate::live::writer::MessageWriter;
use crate::moderation::rules::{self, KeptRules};
use crate::rate_limit::RateLimiter;
use crate::store::memberships::Noted;
use crate::store::room_cache::RoomCache;
use crate::store::room_mirror::RoomMirror;
use crate::store::rooms::{self, Window};
use domain::ChatId;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::watch;

/// The server's shared services: one `Arc`, cloned for every request and server function
/// (cloning each handle instead was measurable on a send's profile).
#[derive(Clone, Debug)]
pub struct Services(Arc<ServiceSet>);

impl std::ops::Deref for Services {
    type Target = ServiceSet;

    fn deref(&self) -> &ServiceSet {
        &self.0
    }
}

/// What [`Services`] holds.
#[derive(Debug)]
pub struct ServiceSet {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Live fan-out to open room pages on this instance.
    pub hub: Arc<Hub>,
    /// How messages, presence and typing reach the other instances, if any.
    pub fanout: Fanout,
    /// The batching message writer (store, then publish).
    pub writer: MessageWriter,
    /// Live streams open per session.
    pub streams: StreamCaps,
    /// Becomes `true` when the server shuts down, so live streams end and let it stop.
    pub shutdown: watch::Receiver<bool>,
    /// How the session cookie is named and flagged.
    pub cookies: CookiePolicy,
    /// Sessions recently found by token.
    pub sessions: SessionCache,
    /// Each room's roles and bans, kept while its row's version holds.
    pub rules: Arc<KeptRules>,
    /// Each room's newest messages, kept while its row's stamp holds.
    pub windows: Arc<RoomCache<Window>>,
    /// Rooms' rows kept in memory (a lone instance only).
    pub mirror: Arc<RoomMirror>,
    /// Each session's most recent membership as noted here (a lone instance only).
    pub noted: Arc<Noted>,
    /// Request budgets per session and per address.
    pub limiter: Arc<RateLimiter>,
    /// Whether the client address comes from `X-Forwarded-For` (behind a trusted proxy).
    pub trusted_proxy: bool,
}

/// How the server was configured to behave (everything but the database and the site).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Live frames buffered per room before a slow listener catches up from the database.
    pub room_buffer: usize,
    /// How the session cookie is named and flagged.
    pub cookies: CookiePolicy,
    /// Whether rate limits apply (off only for load tests).
    pub rate_limits: bool,
    /// Whether the client address comes from `X-Forwarded-For` (behind a trusted proxy).
    pub trusted_proxy: bool,
}

impl Services {
    /// Starts the background tasks (message writer, cross-instance fan-out on PostgreSQL,
    /// expiry sweep) and returns the services with the switch that stops them and live streams.
    pub fn start(db: DatabaseConnection, settings: Settings) -> (Self, watch::Sender<bool>) {
        let hub = Hub::new(settings.room_buffer);
        let (stop, shutdown) = watch::channel(false);
        let (fanout, sessions) = Fanout::start(&db, &hub, shutdown.clone());
        // With no other instance, what this one keeps in memory cannot be changed elsewhere.
        let lone = !fanout.is_shared();
        let mirror = Arc::new(RoomMirror::new(lone));
        let writer = MessageWriter::spawn(
            db.clone(),
            Arc::clone(&hub),
            fanout.clone(),
            Arc::clone(&mirror),
        );
        let noted = Arc::new(Noted::new(lone));
        tokio::spawn(expiry::run(db.clone(), shutdown.clone()));
        let services = Self(Arc::new(ServiceSet {
            db,
            hub,
            fanout,
            writer,
            streams: StreamCaps::default(),
            shutdown,
            cookies: settings.cookies,
            sessions,
            rules: Arc::new(RoomCache::new(rules::KEPT_BYTES)),
            windows: Arc::new(RoomCache::new(rooms::WINDOW_KEPT_BYTES)),
            mirror,
            noted,
            limiter: Arc::new(RateLimiter::new(settings.rate_limits)),
            trusted_proxy: settings.trusted_proxy,
        }));
        (services, stop)
    }

    /// The live session whose cookie is among `headers`, if any.
    pub async fn session(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<Option<Session>, crate::Error> {
        Ok(sessions::from_headers(&self.db, &self.sessions, self.cookies, headers).await?)
    }

    /// Ends the session with this token (logging out) on every instance; an unknown token is
    /// ignored.
    pub async fn end_session(&self, token: &str) -> Result<(), crate::Error> {
        if let Some(id) = sessions::delete(&self.db, token).await? {
            self.sessions.forget(id);
        }
        Ok(())
    }

    /// What a ban may cover about a request with these `headers` from `peer`.
    pub fn request_traits(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> crate::moderation::bans::RequestTraits {
        crate::moderation::bans::RequestTraits::of(self.cookies, self.trusted_proxy, headers, peer)
    }

    /// Tells the room, on every instance, that `username` is typing.
    pub fn typing(&self, chat_id: ChatId, username: &str) {
        self.fanout.typing(&self.hub, chat_id, username);
    }
}
