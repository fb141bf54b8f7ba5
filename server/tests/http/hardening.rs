//! Cross-site writes, oversized and slow bodies, connection caps and security headers.

use crate::support::{spawn_app, spawn_capped_app, TestApp};
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_cross_site_form_post_cannot_send_a_message() {
    let app = spawn_app().await;
    let key = app.create_room("Guarded").await;
    let cookie = app.login("alice").await;
    let post = |origin: &'static str, site: &'static str| {
        app.client
            .post(format!("{}/api/send_message", app.base))
            .header("cookie", &cookie)
            .header("origin", origin)
            .header("sec-fetch-site", site)
            .header("accept", "text/html")
            .form(&[("hash_key", key.as_str()), ("content", "forged")])
            .send()
    };
    for (origin, site) in [
        ("https://evil.example", "cross-site"),
        ("https://evil.example", "same-site"),
        ("null", "cross-site"),
    ] {
        let res = post(origin, site).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin} {site}");
    }
    // An old browser without Sec-Fetch-Site is caught by its Origin.
    let res = app
        .client
        .post(format!("{}/api/send_message", app.base))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&[("hash_key", key.as_str()), ("content", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("message").await, 0);

    // The same post from the page itself goes through.
    let origin = app.base.clone();
    let res = app
        .client
        .post(format!("{}/api/send_message", app.base))
        .header("cookie", &cookie)
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(&[("hash_key", key.as_str()), ("content", "genuine")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("message").await, 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let key = app.create_room("Big").await;
    let cookie = app.login("alice").await;
    let huge = "x".repeat(100 * 1024);
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", &huge)],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("message").await, 0);
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = spawn_app().await;
    let res = app.get_page("/", None).await;
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

/// The nonce in a page's `script-src`.
fn script_nonce(csp: &str) -> &str {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {csp}"))
}

#[tokio::test]
async fn pages_allow_only_scripts_that_carry_this_responses_nonce() {
    let app = spawn_app().await;
    let me = app.login("nonce").await;
    let key = app.create_room("Scripts").await;
    let mut seen = Vec::new();
    for path in [
        "/".to_owned(),
        "/login?next=/".to_owned(),
        format!("/chatrooms/{key}/"),
    ] {
        let res = app.get_page(&path, Some(&me)).await;
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = script_nonce(&csp).to_owned();
        assert!(nonce.len() >= 16, "{nonce}");
        let body = res.text().await.unwrap();
        let scripts = body.matches("<script").count();
        assert!(scripts >= 1, "{path}: the hydration script");
        assert_eq!(
            body.matches(&format!("<script nonce=\"{nonce}\"")).count()
                + body
                    .matches(&format!("<script type=\"module\" nonce=\"{nonce}\""))
                    .count(),
            scripts,
            "{path}: every script carries the nonce"
        );
        assert!(
            !body.contains(" style=\""),
            "{path}: no inline styles (style-src 'self')"
        );
        seen.push(nonce);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "a fresh nonce per response");
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_bound() {
    let app = crate::support::spawn_secure_app().await;
    let key = app.create_room("Secure").await;
    let res = app
        .call("login", &[("username", "alice"), ("next", "/")], None)
        .await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let set_cookie = cookies
        .iter()
        .find(|c| c.starts_with("__Host-chat_session="))
        .unwrap_or_else(|| panic!("{cookies:?}"))
        .clone();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    // The browser cookie (what a room's ban covers) is bound the same way.
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-chat_browser=") && c.contains("; Secure")),
        "{cookies:?}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hi")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The plain name is not accepted in this mode.
    let plain = cookie.replace("__Host-", "");
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hi")],
            Some(&plain),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Sends `head` (and whatever body bytes it carries) on a raw connection, then waits; returns
/// what the server wrote and how long until it closed the connection.
async fn hold_open(app: &TestApp, request: &[u8], wait: Duration) -> (String, Option<Duration>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    (
        String::from_utf8_lossy(&answer).into_owned(),
        closed.ok().map(|_| started.elapsed()),
    )
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    let app = spawn_app().await;
    let request = b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=";
    let limit = server::router::BODY_TIMEOUT + Duration::from_secs(5);
    let (answer, closed) = hold_open(&app, request, limit).await;
    let closed = closed.expect("the connection is closed within the body timeout");
    assert!(
        closed >= server::router::BODY_TIMEOUT - Duration::from_secs(1),
        "{closed:?}"
    );
    let status = answer.split(' ').nth(1).unwrap_or("none");
    assert_eq!(status, "408", "{answer}");
    assert_eq!(app.count("session").await, 0);
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    let app = spawn_capped_app(3).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(
            tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect"),
        );
    }
    let (answer, closed) = hold_open(&app, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", WAIT).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("Too many connections from your address"),
        "{answer}"
    );
    assert!(closed.is_some(), "turned away at once");
    // A place freed is a place for the next connection.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (answer, _) = hold_open(
        &app,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        WAIT,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn silent_connections_are_closed_before_and_between_requests() {
    let app = spawn_app().await;
    let wait = Duration::from_secs(16);
    let (half_head, idle) = tokio::join!(
        // Half a request head, then silence.
        hold_open(&app, b"GET / HTTP/1.1\r\nHost:", wait),
        // A finished request on a kept-alive connection, then silence.
        hold_open(&app, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", wait),
    );
    assert!(half_head.1.is_some(), "a head that never ends is cut off");
    assert!(!half_head.0.contains(" 5"), "{}", half_head.0);
    assert!(idle.0.starts_with("HTTP/1.1 200"), "{}", idle.0);
    assert!(idle.1.is_some(), "an idle kept-alive connection is closed");
}
