//! The error of a form posted without JavaScript reaches the page that shows it in a short-lived
//! cookie, never in the link: Leptos sends the browser back with the error in the query
//! (`__path=…&__err=…`), which would let anyone craft a link that shows their text under our
//! form. So an `__err` in a request is always dropped; an error leaves in the redirect only as
//! this cookie, and comes back into the query (for Leptos to render) only from it.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Uri},
    middleware::Next,
    response::Response,
};
use backend::identity::cookies::CookiePolicy;

/// Seconds a flashed error waits for the page that shows it.
const MAX_AGE_SECS: u32 = 60;

/// The query keys Leptos uses for an error shown without JavaScript.
const PATH_KEY: &str = "__path";
const ERROR_KEY: &str = "__err";

fn cookie_name(policy: CookiePolicy) -> &'static str {
    if policy.secure {
        "__Host-chat_flash"
    } else {
        "chat_flash"
    }
}

fn cookie(policy: CookiePolicy, value: &str, max_age: u32) -> Option<HeaderValue> {
    let secure = if policy.secure { "; Secure" } else { "" };
    let name = cookie_name(policy);
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// `query` without the pairs named `key`, and the value of the last one removed.
fn without(query: &str, key: &str) -> (String, Option<String>) {
    let mut removed = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((k, v)) if k == key => {
                removed = Some(v.to_owned());
                false
            }
            None if *pair == key => false,
            _ => !pair.is_empty(),
        })
        .collect();
    (kept.join("&"), removed)
}

/// The flashed error among the request's cookies, if any.
fn flashed_error(req: &Request, policy: CookiePolicy) -> Option<String> {
    let name = cookie_name(policy);
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, value)| *cookie == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// `uri` with `query` in place of its own.
fn with_query(uri: &Uri, query: &str) -> Option<Uri> {
    let path = uri.path();
    let rebuilt = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    rebuilt.parse().ok()
}

/// Drops any `__err` the request carries; puts back the flashed one for the page it was meant
/// for (the redirect target, which carries `__path`). Returns whether a flash was used.
fn take_in(req: &mut Request, policy: CookiePolicy) -> bool {
    let Some(query) = req.uri().query().map(str::to_owned) else {
        return false;
    };
    let (mut query, _ignored) = without(&query, ERROR_KEY);
    let has_path = query
        .split('&')
        .any(|pair| pair.split_once('=').is_some_and(|(k, _)| k == PATH_KEY));
    let flashed = has_path.then(|| flashed_error(req, policy)).flatten();
    if let Some(error) = &flashed {
        query.push_str(&format!("&{ERROR_KEY}={error}"));
    }
    if let Some(uri) = with_query(req.uri(), &query) {
        *req.uri_mut() = uri;
    }
    flashed.is_some()
}

/// Moves an `__err` out of a redirect's `Location` into the flash cookie.
fn send_out(response: &mut Response, policy: CookiePolicy) {
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let Some((base, query)) = location.split_once('?') else {
        return;
    };
    let (query, Some(error)) = without(query, ERROR_KEY) else {
        return;
    };
    let target = if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    };
    let (Ok(target), Some(flash)) = (
        HeaderValue::from_str(&target),
        cookie(policy, &error, MAX_AGE_SECS),
    ) else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, target);
    headers.append(header::SET_COOKIE, flash);
}

/// The middleware: errors of no-JavaScript form posts travel only in the flash cookie.
pub async fn error_flash(
    State(policy): State<CookiePolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let used = take_in(&mut req, policy);
    let mut response = next.run(req).await;
    send_out(&mut response, policy);
    if used {
        if let Some(clear) = cookie(policy, "", 0) {
            response.headers_mut().append(header::SET_COOKIE, clear);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_removed_by_name_only() {
        assert_eq!(
            without("next=/x&__path=/api/login&__err=abc", ERROR_KEY),
            (
                "next=/x&__path=/api/login".to_owned(),
                Some("abc".to_owned())
            )
        );
        assert_eq!(without("a=1&b=2", ERROR_KEY), ("a=1&b=2".to_owned(), None));
        assert_eq!(without("__err", ERROR_KEY), (String::new(), None));
        assert_eq!(
            without("x__err=1&__errx=2", ERROR_KEY),
            ("x__err=1&__errx=2".to_owned(), None)
        );
    }

    #[test]
    fn a_request_keeps_only_a_flashed_error() {
        let policy = CookiePolicy::default();
        let mut crafted = Request::builder()
            .uri("/login?next=/&__path=/api/login&__err=ZXZpbA==")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(!take_in(&mut crafted, policy));
        assert_eq!(crafted.uri(), "/login?next=/&__path=/api/login");

        let mut flashed = Request::builder()
            .uri("/login?next=/&__path=/api/login")
            .header(header::COOKIE, "chat_flash=b3Vycw==; other=1")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(take_in(&mut flashed, policy));
        assert_eq!(
            flashed.uri(),
            "/login?next=/&__path=/api/login&__err=b3Vycw=="
        );

        // A flash is used only by the page Leptos sent the browser to.
        let mut elsewhere = Request::builder()
            .uri("/?x=1")
            .header(header::COOKIE, "chat_flash=b3Vycw==")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(!take_in(&mut elsewhere, policy));
        assert_eq!(elsewhere.uri(), "/?x=1");
    }
}
