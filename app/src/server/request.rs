//! Reading the current request inside a server function or a server-rendered page.

use crate::error::AppError;
use axum::extract::ConnectInfo;
use backend::identity::sessions::Session;
use backend::moderation::bans::RequestTraits;
use backend::rate_limit::{Action, Actor};
use backend::Services;
use http::request::Parts;
use leptos::prelude::use_context;
use std::net::{IpAddr, SocketAddr};

/// The shared services, provided to every route and server function by the server.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from context");
        AppError::Internal
    })
}

fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from context");
        AppError::Internal
    })
}

/// The visitor's live session, if the browser has one.
pub async fn session_if_any(services: &Services) -> Result<Option<Session>, AppError> {
    let parts = request_parts()?;
    Ok(services.session(&parts.headers).await?)
}

/// The visitor's session, or `NotLoggedIn`.
pub async fn current_session(services: &Services) -> Result<Session, AppError> {
    session_if_any(services).await?.ok_or(AppError::NotLoggedIn)
}

/// The session token the visitor's browser sent, if any.
pub fn current_token(services: &Services) -> Result<Option<String>, AppError> {
    let parts = request_parts()?;
    Ok(services
        .cookies
        .token_from_headers(&parts.headers)
        .map(str::to_owned))
}

/// The browser id the visitor's browser sent, if it is a valid one.
fn browser_id(services: &Services) -> Result<Option<String>, AppError> {
    let parts = request_parts()?;
    Ok(services
        .cookies
        .browser_from_headers(&parts.headers)
        .map(str::to_owned))
}

/// The visitor's browser id, handing the browser a new one (in a cookie) if it has none.
pub fn ensure_browser_id(services: &Services) -> Result<String, AppError> {
    if let Some(id) = browser_id(services)? {
        return Ok(id);
    }
    let id = backend::random::new_browser_id();
    append_cookie(&services.cookies.set_browser_value(&id))?;
    Ok(id)
}

fn append_cookie(value: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let cookie = http::HeaderValue::from_str(value).map_err(|_| AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, cookie);
    Ok(())
}

/// Sets (or, with `None`, clears) the session cookie on the response.
pub fn set_session_cookie(services: &Services, token: Option<&str>) -> Result<(), AppError> {
    let value = match token {
        Some(token) => services.cookies.set_value(token),
        None => services.cookies.clear_value(),
    };
    append_cookie(&value)
}

/// The site's origin as the visitor reached it (`http://host:port`), for share links. The
/// `X-Forwarded-*` headers count only behind a trusted proxy: anyone else could put another
/// site's name into the links the page shows.
pub fn public_origin(services: &Services) -> Result<String, AppError> {
    let parts = request_parts()?;
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
    Ok(format!("{scheme}://{host}"))
}

/// The address the request came from: the peer, or behind a trusted proxy the last hop it
/// recorded in `X-Forwarded-For` (earlier entries are whatever the client claimed).
pub fn client_ip(services: &Services) -> Result<IpAddr, AppError> {
    let parts = request_parts()?;
    Ok(client_ip_of(&parts, services.trusted_proxy))
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
pub fn request_traits(services: &Services) -> Result<RequestTraits, AppError> {
    let parts = request_parts()?;
    Ok(services.request_traits(&parts.headers, peer_of(&parts)))
}

/// Spends one `action` from the client address's budget and, if given, the session's.
pub fn rate_limit(
    services: &Services,
    action: Action,
    session_id: Option<i32>,
) -> Result<(), AppError> {
    let mut actors = vec![Actor::ip(client_ip(services)?)];
    actors.extend(session_id.map(Actor::Session));
    services.limiter.check(action, &actors).map_err(|limited| {
        tracing::info!(
            ?action,
            retry_after = limited.retry_after_secs,
            "rate limited"
        );
        AppError::from(limited)
    })
}
