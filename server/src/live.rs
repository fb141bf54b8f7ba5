//! `GET /chatrooms/<hash_key>/events`: a room's live stream (Server-Sent Events).
//!
//! Order of work, so nothing is missed or sent twice: subscribe to the hub first, then send what
//! the database holds after the client's last id, then forward live frames, skipping ids already
//! sent. A listener that falls behind the hub's buffer catches up from the database again.

use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use backend::live::frame::{encode_frame, Delivery, Frame};
use backend::live::hub::Subscription;
use backend::live::stream_caps::StreamTicket;
use backend::store::rooms;
use backend::Services;
use domain::live::LiveEvent;
use domain::{ChatId, HashKey, MessageId};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(25);

/// Most waiting frames written together in one chunk.
const MAX_COALESCE: usize = 64;

/// Frames waiting to be written together; message ids at or below the last sent are dropped.
#[derive(Default)]
struct Batch {
    frames: Vec<Bytes>,
}

impl Batch {
    /// Adds what `delivery` carries unless it was sent already; returns whether it asks for a
    /// resync.
    fn push(&mut self, delivery: &Delivery, last_sent: &mut MessageId) -> bool {
        match delivery {
            Delivery::Resync => true,
            Delivery::Frame(frame) => {
                self.push_frame(frame, last_sent);
                false
            }
        }
    }

    fn push_frame(&mut self, frame: &Frame, last_sent: &mut MessageId) {
        if let Some(id) = frame.message_id {
            if id <= *last_sent {
                return;
            }
            *last_sent = id;
        }
        self.frames.push(frame.bytes.clone());
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

/// `?after=<message id>`: resume point for clients that reconnect by themselves.
#[derive(Debug, Deserialize)]
pub struct ResumeQuery {
    after: Option<String>,
}

/// Why a live stream was refused.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Unknown or malformed hash key.
    #[error("This chatroom does not exist.")]
    NotFound,
    /// No valid session cookie.
    #[error("Please choose a username first.")]
    NotLoggedIn,
    /// `after` or `Last-Event-ID` is not a message id.
    #[error("The resume position must be a message id.")]
    BadResume,
    /// The session holds as many live streams as it may.
    #[error("Too many open pages of this chat in this browser. Close some tabs and try again.")]
    TooManyStreams,
    /// Database fault (logged).
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl IntoResponse for LiveError {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

impl From<backend::Error> for LiveError {
    fn from(err: backend::Error) -> Self {
        err.log();
        LiveError::Internal
    }
}

fn parse_resume(raw: Option<&str>) -> Result<Option<MessageId>, LiveError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<MessageId>()
            .ok()
            .filter(|id| *id >= MessageId::START)
            .map(Some)
            .ok_or(LiveError::BadResume),
    }
}

/// What a live request carries, however it arrived.
pub struct LiveRequest<'a> {
    /// The `<hash_key>` path segment.
    pub hash_key: &'a str,
    /// The `after` query parameter.
    pub after: Option<&'a str>,
    /// The `Last-Event-ID` header (sent by the browser's own reconnect).
    pub last_event_id: Option<&'a str>,
    /// The request headers (for the session cookie).
    pub headers: &'a HeaderMap,
}

/// Checks the room and the session, subscribes, and returns the stream of SSE bytes.
pub async fn open(
    services: &Services,
    request: LiveRequest<'_>,
) -> Result<impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static, LiveError> {
    let key = HashKey::parse(request.hash_key).map_err(|_| LiveError::NotFound)?;
    // Without a session cookie there is nothing to look up.
    if services
        .cookies
        .token_from_headers(request.headers)
        .is_none()
    {
        return Err(LiveError::NotLoggedIn);
    }
    let session = services
        .session(request.headers)
        .await?
        .ok_or(LiveError::NotLoggedIn)?;
    let chat = rooms::find_by_hash_key(&services.db, &key)
        .await?
        .ok_or(LiveError::NotFound)?;
    let ticket = services
        .streams
        .open(session.id)
        .map_err(|_| LiveError::TooManyStreams)?;
    let after = parse_resume(request.last_event_id)?.max(parse_resume(request.after)?);
    // No position at all: live messages only, no replay of the whole history. The newest id
    // before subscribing is where a later resync starts; every live message comes after it
    // (read after subscribing, a message published in between would count as sent already).
    let position = match after {
        Some(after) => Position::CatchUpFrom(after),
        None => Position::LiveFrom(rooms::last_message_id(&services.db, chat.id).await?),
    };
    let subscription = services.hub.subscribe(chat.id, &session.name);
    Ok(live_stream(
        services.clone(),
        chat.id,
        position,
        (subscription, ticket),
    ))
}

impl LiveError {
    /// The HTTP status this refusal is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            LiveError::NotFound => StatusCode::NOT_FOUND,
            LiveError::NotLoggedIn => StatusCode::UNAUTHORIZED,
            LiveError::BadResume => StatusCode::BAD_REQUEST,
            LiveError::TooManyStreams => StatusCode::TOO_MANY_REQUESTS,
            LiveError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Headers of a live stream response.
pub const STREAM_HEADERS: [(&str, &str); 3] = [
    ("content-type", "text/event-stream"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
];

/// The axum handler (used when a request did not take the lean path in `connection`).
pub async fn events(
    State(services): State<Services>,
    Path(hash_key): Path<String>,
    Query(query): Query<ResumeQuery>,
    headers: HeaderMap,
) -> Result<Response, LiveError> {
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let stream = open(
        &services,
        LiveRequest {
            hash_key: &hash_key,
            after: query.after.as_deref(),
            last_event_id,
            headers: &headers,
        },
    )
    .await?;
    let mut response = Response::new(Body::from_stream(stream));
    for (name, value) in STREAM_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    Ok(response)
}

/// Where a live stream starts.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// Send stored messages after this id first, then live ones.
    CatchUpFrom(MessageId),
    /// Only live messages; this was the newest id just before the stream subscribed.
    LiveFrom(MessageId),
}

fn live_stream(
    services: Services,
    chat_id: ChatId,
    position: Position,
    (subscription, ticket): (Subscription, StreamTicket),
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut shutdown = services.shutdown.clone();
    async_stream::stream! {
        // Move the whole subscription in (not just its receiver): its presence lives with it,
        // as does the session's place for a stream.
        let mut subscription = subscription;
        let _ticket = ticket;
        yield Ok(Bytes::from_static(b"retry: 1000\n\n"));
        // Who is here now; joins and leaves follow as they happen.
        yield Ok(services.hub.presence_now(chat_id).bytes);
        let (mut catching_up, mut last_sent) = match position {
            Position::CatchUpFrom(after) => (true, after),
            Position::LiveFrom(newest) => (false, newest),
        };
        let stopping = *shutdown.borrow_and_update();
        loop {
            if stopping {
                break;
            }
            if catching_up {
                // Boxed: a query future is large, and inlined it would sit in every stream's state.
                let page = match Box::pin(rooms::messages_after(&services.db, chat_id, last_sent, rooms::MAX_PAGE)).await {
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
                    last_sent = message.id;
                    yield Ok(encode_frame(&LiveEvent::Message(message)).bytes);
                }
                continue;
            }
            tokio::select! {
                // Changed (to true) or the sender is gone: either way the server is stopping.
                _ = shutdown.changed() => break,
                received = tokio::time::timeout(KEEPALIVE, subscription.rx.recv()) => match received {
                    Err(_) => yield Ok(Bytes::from_static(b": keepalive\n\n")),
                    Ok(Ok(delivery)) => {
                        // Under load several frames are usually waiting: write them in one go
                        // (one chunk, one syscall) instead of one write each.
                        let mut batch = Batch::default();
                        catching_up |= batch.push(&delivery, &mut last_sent);
                        while batch.len() < MAX_COALESCE && !catching_up {
                            match subscription.rx.try_recv() {
                                Ok(delivery) => catching_up |= batch.push(&delivery, &mut last_sent),
                                Err(TryRecvError::Lagged(_)) => {
                                    catching_up = true;
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        if let Some(bytes) = batch.finish() {
                            yield Ok(bytes);
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
        assert_eq!(parse_resume(Some(" 42 ")).unwrap(), Some(MessageId(42)));
        assert_eq!(parse_resume(Some("0")).unwrap(), Some(MessageId::START));
        assert!(parse_resume(Some("-1")).is_err());
        assert!(parse_resume(Some("abc")).is_err());
    }
}
