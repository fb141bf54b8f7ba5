//! The error of a form posted without JavaScript is shown only to the browser that posted it.
//! Leptos sends the browser back with the error in the link (`__path=…&__err=…`), and both
//! the server and the hydrating page render whatever `__err` a link carries: anyone could craft
//! a link that shows their text under our forms. So the redirect also sets a one-minute cookie
//! holding the same error; a request whose `__err` does not match that cookie has it dropped
//! before rendering, and the browser side does the same before hydrating (`app::client::flash`),
//! so both render the same page. An attacker cannot set the cookie in someone else's browser.

use axum::{
    extract::Request,
    http::{header, HeaderValue, Uri},
    response::Response,
};
use backend::identity::cookies::CookiePolicy;
use domain::paths::{FLASH_COOKIE, FLASH_COOKIE_SECURE};

/// Seconds a flashed error stays provable.
const MAX_AGE_SECS: u32 = 60;

/// The query key Leptos uses for an error shown without JavaScript.
const ERROR_KEY: &str = "__err";

fn cookie_name(policy: CookiePolicy) -> &'static str {
    if policy.secure {
        FLASH_COOKIE_SECURE
    } else {
        FLASH_COOKIE
    }
}

/// The flash cookie (readable by the page's script, which checks it before hydrating; it
/// holds only an error message this browser was just shown).
fn cookie(policy: CookiePolicy, value: &str) -> Option<HeaderValue> {
    let secure = if policy.secure { "; Secure" } else { "" };
    let name = cookie_name(policy);
    HeaderValue::from_str(&format!(
        "{name}={value}; SameSite=Lax; Path=/; Max-Age={MAX_AGE_SECS}{secure}"
    ))
    .ok()
}

/// `query` without the pairs named `key`, and the (percent-decoded) value of the last one.
fn without(query: &str, key: &str) -> (String, Option<String>) {
    let mut removed = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((k, v)) if k == key => {
                removed = Some(percent_decode(v));
                false
            }
            None if *pair == key => false,
            _ => !pair.is_empty(),
        })
        .collect();
    (kept.join("&"), removed)
}

/// `%XX` escapes decoded (an error is URL-safe base64, whose `=` padding arrives as `%3D`).
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// Drops an `__err` that this browser's flash cookie does not prove. Returns whether one was
/// dropped.
fn drop_unproven(req: &mut Request, policy: CookiePolicy) -> bool {
    let Some(query) = req.uri().query().map(str::to_owned) else {
        return false;
    };
    let (stripped, Some(error)) = without(&query, ERROR_KEY) else {
        return false;
    };
    if flashed_error(req, policy).as_deref() == Some(error.as_str()) {
        return false;
    }
    if let Some(uri) = with_query(req.uri(), &stripped) {
        *req.uri_mut() = uri;
    }
    true
}

/// Sets the flash cookie for the error a redirect carries in its `Location`.
pub fn flash_out(response: &mut Response, policy: CookiePolicy) {
    let error = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| location.split_once('?'))
        .and_then(|(_, query)| without(query, ERROR_KEY).1);
    if let Some(flash) = error.and_then(|error| cookie(policy, &error)) {
        response.headers_mut().append(header::SET_COOKIE, flash);
    }
}

/// On the way in: an error carried in the link is kept only for the browser that produced it.
pub fn check_in(req: &mut Request, policy: CookiePolicy) {
    if drop_unproven(req, policy) {
        tracing::info!("dropped an error text carried in a link");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_removed_by_name_only_and_decoded() {
        assert_eq!(
            without("next=/x&__path=/api/login&__err=ab%3D", ERROR_KEY),
            (
                "next=/x&__path=/api/login".to_owned(),
                Some("ab=".to_owned())
            )
        );
        assert_eq!(without("a=1&b=2", ERROR_KEY), ("a=1&b=2".to_owned(), None));
        assert_eq!(
            without("x__err=1&__errx=2", ERROR_KEY),
            ("x__err=1&__errx=2".to_owned(), None)
        );
    }

    fn request(uri: &str, cookie: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn only_an_error_the_cookie_proves_is_kept() {
        let policy = CookiePolicy::default();
        let mut crafted = request("/login?next=/&__path=/api/login&__err=ZXZpbA%3D%3D", None);
        assert!(drop_unproven(&mut crafted, policy));
        assert_eq!(crafted.uri(), "/login?next=/&__path=/api/login");

        let mut other = request(
            "/login?__path=/api/login&__err=ZXZpbA%3D%3D",
            Some("chat_flash=b3Vycw=="),
        );
        assert!(drop_unproven(&mut other, policy));

        let proven = "/login?next=/&__path=/api/login&__err=b3Vycw%3D%3D";
        let mut ours = request(proven, Some("x=1; chat_flash=b3Vycw=="));
        assert!(!drop_unproven(&mut ours, policy));
        assert_eq!(ours.uri(), proven);
    }
}
