//! Request hardening shared by every route: cross-site writes are refused, bodies are bounded,
//! and responses carry the browser security headers.

use axum::{
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

/// Largest request body accepted (a message is at most a few KiB of form data).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request body (at most [`MAX_BODY_BYTES`]): a body that
/// never arrives must not hold the connection.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole request body before any handler runs, within [`BODY_TIMEOUT`]: a body that
/// does not arrive in time is answered 408 (and the connection closed), one over the limit 413
/// (at once when its length says so), one cut off 400. Handlers then get the bytes at once.
pub async fn read_body_in_time(req: Request) -> Result<Request, Response> {
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, axum::body::Body::from(bytes))),
        Ok(Err(err)) => {
            let over_limit =
                std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            Err(if over_limit {
                too_large()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read.",
                )
                    .into_response()
            })
        }
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            [(header::CONNECTION, "close")],
            "The request body took too long to arrive.",
        )
            .into_response()),
    }
}

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// Browsers send `Sec-Fetch-Site` (and `Origin` on POST); a form on another site posting here
/// says `cross-site` and an origin that is not ours. Clients that send neither (curl, scripts)
/// are not browsers carrying someone else's cookies, so they pass. Our own host is the `Host`
/// header, or `X-Forwarded-Host` when `trusted_proxy` says a proxy sets it.
pub fn cross_site_refusal(req: &Request, trusted_proxy: bool) -> Option<Response> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
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
        return Some(
            (
                StatusCode::FORBIDDEN,
                "Requests from other sites are not allowed.",
            )
                .into_response(),
        );
    }
    None
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

/// Adds [`SECURITY_HEADERS`] that `response` does not set itself.
pub fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(body: Body, length: Option<usize>) -> Request {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/send_message");
        if let Some(length) = length {
            builder = builder.header(header::CONTENT_LENGTH, length);
        }
        builder.body(body).expect("a valid request")
    }

    #[tokio::test]
    async fn bodies_are_read_whole_within_the_limit() {
        let read = read_body_in_time(post(Body::from("content=hi"), Some(10)))
            .await
            .expect("a small body passes");
        let bytes = axum::body::to_bytes(read.into_body(), MAX_BODY_BYTES)
            .await
            .expect("the bytes were kept");
        assert_eq!(&bytes[..], b"content=hi");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_declared_or_streamed() {
        let declared = read_body_in_time(post(Body::empty(), Some(MAX_BODY_BYTES + 1))).await;
        assert_eq!(
            declared.map(|_| ()).unwrap_err().status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        // No length given: the limit holds while reading.
        let chunks = (0..=MAX_BODY_BYTES / 1024)
            .map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024]))
            .collect::<Vec<_>>();
        let streamed = Body::from_stream(futures_util::stream::iter(chunks));
        let refused = read_body_in_time(post(streamed, None)).await;
        assert_eq!(
            refused.map(|_| ()).unwrap_err().status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
