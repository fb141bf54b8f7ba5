//! Reading the current request inside a server function or a server-rendered page. A server
//! function takes its [`Request`] from Leptos' context once, before it awaits anything: a later
//! poll of its future may run outside the request's reactive owner, where the context is gone
//! (seen under concurrent room-page loads as "request parts missing from context").

use crate::error::AppError;
use axum::extract::ConnectInfo;
use backend::identity::sessions::Session;
use backend::moderation::bans::RequestTraits;
use backend::rate_limit::{Action, Actor};
use backend::Services;
use domain::theme::Theme;
use http::request::Parts;
use leptos::prelude::use_context;
use std::net::{IpAddr, SocketAddr};

/// The shared services, provided to every route and server function by the server.
fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from context");
        AppError::Internal
    })
}

/// The request a server function serves: the services, the request head and the response's
/// options, read once from the context. It dereferences to the [`Services`].
pub struct Request {
    services: Services,
    parts: Parts,
    response: Option<leptos_axum::ResponseOptions>,
}

impl Request {
    /// The current request; call it before the first `.await` of a server function.
    pub fn current() -> Result<Self, AppError> {
        let parts = use_context::<Parts>().ok_or_else(|| {
            tracing::error!("request parts missing from context");
            AppError::Internal
        })?;
        Ok(Self {
            services: services()?,
            parts,
            response: use_context::<leptos_axum::ResponseOptions>(),
        })
    }

    /// A request read outside Leptos (before a page is rendered): it can set no response header.
    pub fn outside_leptos(services: Services, parts: Parts) -> Self {
        Self {
            services,
            parts,
            response: None,
        }
    }

    /// A value the server attached to the request (`http::Extensions`).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.parts.extensions.get::<T>()
    }
}

impl std::ops::Deref for Request {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

/// The visitor's live session, if the browser has one.
pub async fn session_if_any(request: &Request) -> Result<Option<Session>, AppError> {
    Ok(request.session(&request.parts.headers).await?)
}

/// The visitor's session, or `NotLoggedIn`.
pub async fn current_session(request: &Request) -> Result<Session, AppError> {
    session_if_any(request).await?.ok_or(AppError::NotLoggedIn)
}

/// The session token the visitor's browser sent, if any.
pub fn current_token(request: &Request) -> Option<String> {
    request
        .cookies
        .token_from_headers(&request.parts.headers)
        .map(str::to_owned)
}

/// The browser id the visitor's browser sent, if it is a valid one.
fn browser_id(request: &Request) -> Option<String> {
    request
        .cookies
        .browser_from_headers(&request.parts.headers)
        .map(str::to_owned)
}

/// The visitor's browser id, handing the browser a new one (in a cookie) if it has none.
pub fn ensure_browser_id(request: &Request) -> Result<String, AppError> {
    if let Some(id) = browser_id(request) {
        return Ok(id);
    }
    let id = backend::random::new_browser_id();
    append_cookie(request, &request.cookies.set_browser_value(&id))?;
    Ok(id)
}

fn append_cookie(request: &Request, value: &str) -> Result<(), AppError> {
    let response = request.response.as_ref().ok_or_else(|| {
        tracing::error!("response options missing from context");
        AppError::Internal
    })?;
    let cookie = http::HeaderValue::from_str(value).map_err(|_| AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, cookie);
    Ok(())
}

/// Sets (or, with `None`, clears) the session cookie on the response.
pub fn set_session_cookie(request: &Request, token: Option<&str>) -> Result<(), AppError> {
    let value = match token {
        Some(token) => request.cookies.set_value(token),
        None => request.cookies.clear_value(),
    };
    append_cookie(request, &value)
}

/// After a plain HTML form (no JavaScript) did its work, sends the browser to `path` instead
/// of back to the page it posted from, whose link may hold a one-shot state (`?edit=`). The
/// hydrated app's calls are left alone: they stay on their page (`leptos_axum::redirect` would
/// also send them away, and reads the context, which may be gone after an `.await`).
pub fn back_to_after_plain_form(request: &Request, path: &str) {
    let plain_form = request
        .parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let location = http::HeaderValue::from_str(path);
    if let (true, Some(response), Ok(location)) = (plain_form, &request.response, location) {
        response.insert_header(http::header::LOCATION, location);
        response.set_status(http::StatusCode::FOUND);
    }
}

/// Remembers `theme` in the browser's theme cookie.
pub fn set_theme_cookie(request: &Request, theme: Theme) -> Result<(), AppError> {
    append_cookie(request, &request.cookies.set_theme_value(theme))
}

/// The theme the page being rendered is for (the system's outside a request).
pub fn theme_of_page() -> Theme {
    match (use_context::<Parts>(), use_context::<Services>()) {
        (Some(parts), Some(services)) => services.cookies.theme_from_headers(&parts.headers),
        _ => Theme::System,
    }
}

/// The site's origin as the visitor reached it (`http://host:port`), for share links. The
/// `X-Forwarded-*` headers count only behind a trusted proxy: anyone else could put another
/// site's name into the links the page shows.
pub fn public_origin(request: &Request) -> String {
    let (parts, services) = (&request.parts, &request.services);
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let forwarded = |name: &str| services.trusted_proxy.then(|| header(name)).flatten();
    let host = forwarded("x-forwarded-host")
        .or_else(|| header("host"))
        .unwrap_or_else(|| "localhost".to_owned());
    let scheme = match forwarded("x-forwarded-proto").as_deref() {
        Some("https") => "https",
        _ if services.cookies.secure => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The address the request came from: the peer, or behind a trusted proxy the last hop it
/// recorded in `X-Forwarded-For` (earlier entries are whatever the client claimed).
pub fn client_ip(request: &Request) -> IpAddr {
    client_ip_of(&request.parts, request.trusted_proxy)
}

/// [`client_ip`] of the given request parts.
fn client_ip_of(parts: &Parts, trusted_proxy: bool) -> IpAddr {
    backend::client_address::client_address(&parts.headers, peer_of(parts), trusted_proxy)
}

fn peer_of(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// What a ban may cover about the current request (browser cookie, client address).
pub fn request_traits(request: &Request) -> RequestTraits {
    request.request_traits(&request.parts.headers, peer_of(&request.parts))
}

/// Spends one `action` from the client address's budget and, if given, the session's.
pub fn rate_limit(
    request: &Request,
    action: Action,
    session_id: Option<i32>,
) -> Result<(), AppError> {
    let mut actors = vec![Actor::ip(client_ip(request))];
    actors.extend(session_id.map(Actor::Session));
    request.limiter.check(action, &actors).map_err(|limited| {
        tracing::info!(
            ?action,
            retry_after = limited.retry_after_secs,
            "rate limited"
        );
        AppError::from(limited)
    })
}
