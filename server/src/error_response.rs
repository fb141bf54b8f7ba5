//! Every error answer of the server, from one mapping: an [`AppError`] gives the status
//! ([`AppError::status_code`]) and `Retry-After` ([`AppError::retry_after_secs`]), whatever the
//! route. Server functions answer it as JSON (Leptos' encoding), the JSON API as
//! `{"error": "..."}`, the live stream and the export as plain text.

use app::error::AppError;
use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Json, Response},
};

/// Header leptos sets on a server function's error answer.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

/// Largest error body we read back (errors are a few hundred bytes of JSON).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The status an error is answered with.
pub fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Gives `response` the status and `Retry-After` of `err`.
fn apply(err: &AppError, response: &mut Response) {
    *response.status_mut() = status_of(err);
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

/// An error answered as plain text (routes a person may open directly: live stream, export).
#[derive(Debug)]
pub struct TextError(pub AppError);

impl IntoResponse for TextError {
    fn into_response(self) -> Response {
        let mut response = self.0.to_string().into_response();
        apply(&self.0, &mut response);
        response
    }
}

/// An error of the JSON API, answered as `{"error": "..."}`.
#[derive(Debug)]
pub struct JsonError(pub AppError);

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let mut response = Json(serde_json::json!({ "error": self.0.to_string() })).into_response();
        apply(&self.0, &mut response);
        response
    }
}

/// `?` turns any error the app layer knows into either answer.
macro_rules! answers_from {
    ($($source:ty),*) => {$(
        impl From<$source> for TextError {
            fn from(err: $source) -> Self {
                TextError(err.into())
            }
        }
        impl From<$source> for JsonError {
            fn from(err: $source) -> Self {
                JsonError(err.into())
            }
        }
    )*};
}

answers_from!(
    AppError,
    backend::Error,
    backend::moderation::access::AccessError,
    backend::rate_limit::Limited
);

/// Gives server-function errors their real status: Leptos answers every one with 500, but a
/// refused input is the client's fault (4xx), never a server error.
pub async fn server_fn_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let mut response = Response::from_parts(parts, Body::from(bytes.clone()));
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        apply(&err, &mut response);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_takes_status_and_retry_after_from_the_one_mapping() {
        let unavailable = TextError(AppError::Unavailable).into_response();
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.headers()[header::RETRY_AFTER], "2");
        let limited = JsonError(AppError::TooMany {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
        let missing = JsonError(AppError::NotFound).into_response();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(!missing.headers().contains_key(header::RETRY_AFTER));
    }
}
