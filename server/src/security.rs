//! Request hardening shared by every route: cross-site writes are refused, bodies are bounded,
//! and responses carry the browser security headers.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Largest request body accepted (a message is at most a few KiB of form data).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request body (at most [`MAX_BODY_BYTES`]): a body that
/// never arrives must not hold the connection.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole request body before any handler runs, within [`BODY_TIMEOUT`]: a body that
/// does not arrive in time is answered 408 (and the connection closed), one over the limit 413,
/// one cut off 400. Handlers then get the bytes at once.
pub async fn read_body_in_time(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Ok(Err(err)) => {
            let too_large =
                std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            if too_large {
                (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read.",
                )
                    .into_response()
            }
        }
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            [(header::CONNECTION, "close")],
            "The request body took too long to arrive.",
        )
            .into_response(),
    }
}

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// Browsers send `Sec-Fetch-Site` (and `Origin` on POST); a form on another site posting here
/// says `cross-site` and an origin that is not ours. Clients that send neither (curl, scripts)
/// are not browsers carrying someone else's cookies, so they pass. Our own host is the `Host`
/// header, or `X-Forwarded-Host` when `trusted_proxy` says a proxy sets it.
pub async fn refuse_cross_site(
    State(trusted_proxy): State<bool>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_by_fetch = fetch_site.is_some_and(|site| site != "same-origin" && site != "none");
    // Behind a trusted reverse proxy the public host is in X-Forwarded-Host.
    let forwarded_host = trusted_proxy
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    let host = forwarded_host
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    let cross_by_origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            Some(origin_host) != host
        });
    if cross_by_fetch || cross_by_origin {
        tracing::info!(?fetch_site, "refused a cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "Requests from other sites are not allowed.",
        )
            .into_response();
    }
    next.run(req).await
}

/// Headers every response carries.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    ),
];

/// Adds [`SECURITY_HEADERS`] to every response that does not set them itself.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
