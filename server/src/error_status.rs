//! Gives server-function errors their real HTTP status. Leptos answers every server-function
//! error with 500; a refused input is the client's fault (4xx), never a server error. A rate
//! limited or busy-turned-away request also gets `Retry-After`.

use app::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::Response,
};

/// Header leptos sets on a server function's error answer.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

/// Largest error body we read back (errors are a few hundred bytes of JSON).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Rewrites a server-function error's status from its `AppError`.
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
        let retry_after = match err {
            AppError::TooMany { retry_after_secs } => Some(retry_after_secs),
            // Passphrase checks take well under a second each: the queue moves fast.
            AppError::Busy => Some(2),
            _ => None,
        };
        if let Some(secs) = retry_after {
            parts.headers.insert(header::RETRY_AFTER, secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
