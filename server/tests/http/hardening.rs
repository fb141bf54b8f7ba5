//! Cross-site writes, oversized bodies and security headers.

use crate::support::spawn_app;
use reqwest::StatusCode;

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
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("__Host-chat_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
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
