//! `GET /chatrooms/<hash_key>/events`: a room's live stream (Server-Sent Events).
//!
//! Order of work, so nothing is missed or sent twice: subscribe to the hub first, then send what
//! the room's change feed holds after the client's last position (new messages and changes to
//! older ones, such as deletions), then forward live frames, skipping positions already sent. A
//! listener that falls behind the hub's buffer catches up from the database again. A client
//! that was away for more than [`REPLAY_LIMIT`] changes gets a `reset` instead and reloads the
//! latest messages. A stream ends when its person is removed from the room or the room is
//! deleted.

use crate::error_response::TextError;
use app::error::AppError;
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use backend::identity::sessions::Session;
use backend::live::frame::{encode_frame, Delivery, Frame};
use backend::live::hub::Subscription;
use backend::live::stream_caps::StreamTicket;
use backend::moderation::access::{self, Entry};
use backend::moderation::state;
use backend::store::rooms;
use backend::Services;
use domain::live::LiveEvent;
use domain::{ChatId, HashKey, Seq};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::Semaphore;

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(25);

/// Most waiting frames written together in one chunk.
const MAX_COALESCE: usize = 64;

/// Most changes replayed to a reconnecting client; one that missed more gets a `reset`.
pub const REPLAY_LIMIT: u64 = 1000;

/// Frames waiting to be written together; positions at or below the last sent are dropped.
struct Batch<'a> {
    frames: Vec<Bytes>,
    /// Whose stream this is (a removal of this person ends it).
    username: &'a str,
    /// Whether a frame in the batch ends the stream (nothing after it is added).
    ends: bool,
}

impl<'a> Batch<'a> {
    fn new(username: &'a str) -> Self {
        Self {
            frames: Vec::new(),
            username,
            ends: false,
        }
    }

    /// Adds what `delivery` carries unless it was sent already; returns whether it asks for a
    /// resync.
    fn push(&mut self, delivery: &Delivery, last_sent: &mut Seq) -> bool {
        match delivery {
            Delivery::Resync => true,
            Delivery::Frame(frame) => {
                self.push_frame(frame, last_sent);
                false
            }
        }
    }

    fn push_frame(&mut self, frame: &Frame, last_sent: &mut Seq) {
        if self.ends {
            return;
        }
        if let Some(seq) = frame.seq {
            if seq <= *last_sent {
                return;
            }
            *last_sent = seq;
        }
        self.frames.push(frame.bytes.clone());
        self.ends = frame.ends.ends_stream_of(self.username);
    }

    fn len(&self) -> usize {
        self.frames.len()
    }

    /// One chunk: the frame itself when alone (no copy), else the frames concatenated.
    fn finish(mut self) -> Option<Bytes> {
        match self.frames.len() {
            0 => None,
            1 => self.frames.pop(),
            _ => Some(Bytes::from(self.frames.concat())),
        }
    }
}

/// `?after=<position>`: resume point for clients that reconnect by themselves.
#[derive(Debug, Deserialize)]
pub struct ResumeQuery {
    after: Option<String>,
}

fn parse_resume(raw: Option<&str>) -> Result<Option<Seq>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<Seq>()
            .ok()
            .filter(|seq| *seq >= Seq::START)
            .map(Some)
            .ok_or_else(|| {
                AppError::BadRequest("the resume position must be a whole number".into())
            }),
    }
}

/// What opening a stream needs of the request.
struct LiveRequest<'a> {
    /// The `<hash_key>` path segment.
    hash_key: &'a str,
    /// The `after` query parameter.
    after: Option<&'a str>,
    /// The `Last-Event-ID` header (sent by the browser's own reconnect).
    last_event_id: Option<&'a str>,
    /// The request headers (for the session and browser cookies).
    headers: &'a HeaderMap,
    /// The peer's address (the client's, unless behind a trusted proxy).
    peer: Option<IpAddr>,
}

/// Lets the session of a request (headers and peer address) into the room behind `hash_key`
/// (see `backend::moderation::access`): the check every room route outside the server
/// functions shares.
pub async fn enter_room(
    services: &Services,
    hash_key: &str,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<(Entry, Session), AppError> {
    let key = HashKey::parse(hash_key).map_err(|_| AppError::NotFound)?;
    // Without a session cookie there is nothing to look up.
    if services.cookies.token_from_headers(headers).is_none() {
        return Err(AppError::NotLoggedIn);
    }
    let session = services
        .session(headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let traits = services.request_traits(headers, peer);
    let entry = access::enter(
        &services.db,
        &services.rules,
        &services.mirror,
        &key,
        traits.visitor(&session),
    )
    .await?;
    Ok((entry, session))
}

/// Checks the room and the session, subscribes, and returns the stream of SSE bytes.
async fn open(
    services: &Services,
    request: LiveRequest<'_>,
) -> Result<impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static, AppError> {
    let (entry, session) =
        enter_room(services, request.hash_key, request.headers, request.peer).await?;
    let after = parse_resume(request.last_event_id)?.max(parse_resume(request.after)?);
    let chat_id = entry.room.id;
    let ticket = services
        .streams
        .open(session.id)
        .map_err(|_| AppError::TooManyPages)?;
    // The feed position before subscribing is where a later resync (or a reset) starts; every
    // live change comes after it (read after subscribing, a change published in between would
    // count as sent already). The room's row, read on entering, has it.
    let newest = entry.room.stamp.last_seq;
    let position = match after {
        // No position at all: live changes only, no replay of the whole history.
        None => Position::LiveFrom(newest),
        Some(after) if after >= newest => Position::CatchUpFrom(after),
        Some(after) => {
            let missed =
                rooms::count_changes_after(&services.db, chat_id, after, REPLAY_LIMIT + 1).await?;
            if missed > REPLAY_LIMIT {
                Position::ResetTo(newest)
            } else {
                Position::CatchUpFrom(after)
            }
        }
    };
    let room_state = encode_frame(&LiveEvent::Room(state::of_entry(&entry)));
    let subscription = services.hub.subscribe(chat_id, &session.name);
    Ok(live_stream(
        services.clone(),
        Listener {
            chat_id,
            username: session.name,
            room_state: room_state.bytes,
        },
        position,
        (subscription, ticket),
    ))
}

/// Who a stream is for, and what it sends first.
struct Listener {
    chat_id: ChatId,
    username: String,
    /// The room's state when the stream opened, encoded.
    room_state: Bytes,
}

/// Headers of a live stream response. Every live answer (refusals too) closes its connection:
/// the lean path in `connection` always does, and hyper then answers alike.
const STREAM_HEADERS: [(&str, &str); 4] = [
    ("content-type", "text/event-stream"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
    ("connection", "close"),
];

/// Live streams being opened at once (each needs database lookups). A burst of reconnecting
/// clients then waits its turn instead of all holding their opening state at once.
const CONCURRENT_OPENS: usize = 32;

/// Bounds the live streams being opened at once, on either path.
#[derive(Debug, Clone)]
pub struct OpeningGate(Arc<Semaphore>);

impl Default for OpeningGate {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(CONCURRENT_OPENS)))
    }
}

/// The handler, for both paths (`connection` hands the lean path's requests to the router too).
pub async fn events(
    State(services): State<Services>,
    State(gate): State<OpeningGate>,
    Path(hash_key): Path<String>,
    Query(query): Query<ResumeQuery>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Response {
    let opened = {
        // Only the database lookups wait their turn; the stream itself holds no permit.
        let Ok(_permit) = gate.0.acquire().await else {
            return TextError(AppError::Unavailable).into_response();
        };
        let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
        open(
            &services,
            LiveRequest {
                hash_key: &hash_key,
                after: query.after.as_deref(),
                last_event_id,
                headers: &headers,
                peer: peer_of(&extensions),
            },
        )
        .await
    };
    let mut response = match opened {
        Ok(stream) => Response::new(Body::from_stream(stream)),
        Err(err) => TextError(err).into_response(),
    };
    let is_stream = response.status() == StatusCode::OK;
    for (name, value) in STREAM_HEADERS {
        if is_stream || name == "connection" {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// The client's address as the accept loop recorded it (axum's `ConnectInfo`), if any.
pub fn peer_of(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|axum::extract::ConnectInfo(addr)| addr.ip())
}

/// Shortest and longest wait before a client reconnects after a shutdown.
const RECONNECT_SPREAD_MS: std::ops::Range<u32> = 1000..4000;

/// Tells the client that the server is stopping and when to come back: the `reconnect` event,
/// and the same delay as the stream's `retry`, for a client that only knows plain SSE. Each
/// stream draws its own delay, so a restart is not met by every client in the same instant.
fn reconnect_frame() -> Bytes {
    let after_ms = rand::random_range(RECONNECT_SPREAD_MS);
    let event = encode_frame(&LiveEvent::Reconnect { after_ms });
    let mut frame = format!("retry: {after_ms}\n").into_bytes();
    frame.extend_from_slice(&event.bytes);
    Bytes::from(frame)
}

/// Where a live stream starts.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// Send stored changes after this position first, then live ones.
    CatchUpFrom(Seq),
    /// Only live changes; this was the newest position just before the stream subscribed.
    LiveFrom(Seq),
    /// The client missed too much: tell it to reload the latest messages, then go on live from
    /// this position.
    ResetTo(Seq),
}

fn live_stream(
    services: Services,
    listener: Listener,
    position: Position,
    (subscription, ticket): (Subscription, StreamTicket),
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut shutdown = services.shutdown.clone();
    let Listener {
        chat_id,
        username,
        room_state,
    } = listener;
    async_stream::stream! {
        // Move the whole subscription in (not just its receiver): its presence lives with it,
        // as does the session's place for a stream.
        let mut subscription = subscription;
        let _ticket = ticket;
        yield Ok(Bytes::from_static(b"retry: 1000\n\n"));
        yield Ok(room_state);
        // Who is here now; joins and leaves follow as they happen.
        yield Ok(services.hub.presence_now(chat_id).bytes);
        let (mut catching_up, mut last_sent) = match position {
            Position::CatchUpFrom(after) => (true, after),
            Position::LiveFrom(newest) => (false, newest),
            Position::ResetTo(newest) => {
                yield Ok(encode_frame(&LiveEvent::Reset { seq: newest }).bytes);
                (false, newest)
            }
        };
        let mut stopping = *shutdown.borrow_and_update();
        loop {
            if stopping {
                yield Ok(reconnect_frame());
                break;
            }
            if catching_up {
                // Boxed: a query future is large, and inlined it would sit in every stream's state.
                let page = match Box::pin(rooms::changes_after(&services.db, chat_id, last_sent, rooms::MAX_PAGE)).await {
                    Ok(page) => page,
                    Err(err) => {
                        // The client reconnects and resumes from its last id.
                        tracing::warn!(error = %err, %chat_id, "live catch-up failed");
                        break;
                    }
                };
                if page.is_empty() {
                    catching_up = false;
                }
                for message in page {
                    last_sent = message.seq;
                    yield Ok(encode_frame(&LiveEvent::Message(message)).bytes);
                }
                continue;
            }
            tokio::select! {
                // Changed (to true) or the sender is gone: either way the server is stopping.
                _ = shutdown.changed() => stopping = true,
                received = tokio::time::timeout(KEEPALIVE, subscription.rx.recv()) => match received {
                    Err(_) => yield Ok(Bytes::from_static(b": keepalive\n\n")),
                    Ok(Ok(delivery)) => {
                        // Under load several frames are usually waiting: write them in one go
                        // (one chunk, one syscall) instead of one write each.
                        let mut batch = Batch::new(&username);
                        catching_up |= batch.push(&delivery, &mut last_sent);
                        while batch.len() < MAX_COALESCE && !catching_up && !batch.ends {
                            match subscription.rx.try_recv() {
                                Ok(delivery) => catching_up |= batch.push(&delivery, &mut last_sent),
                                Err(TryRecvError::Lagged(_)) => {
                                    catching_up = true;
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        let ends = batch.ends;
                        if let Some(bytes) = batch.finish() {
                            yield Ok(bytes);
                        }
                        if ends {
                            break;
                        }
                        if catching_up {
                            yield Ok(services.hub.presence_now(chat_id).bytes);
                        }
                    }
                    Ok(Err(RecvError::Lagged(skipped))) => {
                        tracing::debug!(%chat_id, skipped, "slow listener catches up from the database");
                        catching_up = true;
                        // Joins and leaves may have been skipped too: resend the current list.
                        yield Ok(services.hub.presence_now(chat_id).bytes);
                    }
                    Ok(Err(RecvError::Closed)) => break,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_positions_parse_strictly() {
        assert_eq!(parse_resume(None).unwrap(), None);
        assert_eq!(parse_resume(Some(" 42 ")).unwrap(), Some(Seq(42)));
        assert_eq!(parse_resume(Some("0")).unwrap(), Some(Seq::START));
        assert!(parse_resume(Some("-1")).is_err());
        assert!(parse_resume(Some("abc")).is_err());
    }
}
