//! Rate limits: over budget a request gets 429 with Retry-After and a clear message, and
//! nothing is stored.

use crate::support::{scalar, spawn_limited_app, TestApp};
use reqwest::{header, StatusCode};

/// Asserts `res` is a rate-limit refusal and returns its Retry-After seconds.
async fn assert_limited(res: reqwest::Response) -> u64 {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["TooMany"]["retry_after_secs"], retry);
    retry
}

/// Makes attempts `0, 1, 2, …` until one is not 200 (at most `max`); returns how many passed
/// and the refusal.
async fn until_refused<F, Fut>(max: i64, mut attempt: F) -> (i64, reqwest::Response)
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut passed = 0;
    loop {
        let res = attempt(passed).await;
        if res.status() != StatusCode::OK {
            return (passed, res);
        }
        passed += 1;
        assert!(passed <= max, "no limit after {passed} attempts");
    }
}

async fn login_from(app: &TestApp, name: &str, passphrase: &str, ip: &str) -> reqwest::Response {
    app.call_with(
        "login",
        &[
            ("username", name),
            ("passphrase", passphrase),
            ("next", "/"),
        ],
        None,
        &[("x-forwarded-for", ip)],
    )
    .await
}

#[tokio::test]
async fn sending_too_fast_is_refused_and_stores_nothing() {
    let app = spawn_limited_app(false).await;
    let me = app.login("speedy").await;
    let key = app.create_room("Fast room").await;
    app.get_page(&format!("/chatrooms/{key}/"), Some(&me)).await;
    let (app, key, me) = (&app, &key, &me);
    let (mut sent, refused) = until_refused(25, |_| async move {
        app.call(
            "send_message",
            &[("hash_key", key), ("content", "spam")],
            Some(me),
        )
        .await
    })
    .await;
    assert!(sent >= 20, "a burst of 20 passes, got {sent}");
    let retry = assert_limited(refused).await;
    assert!(retry <= 2, "{retry}");
    assert_eq!(app.count("message").await, sent);

    // A plain form post (no JavaScript) is refused the same way, with the message on the page.
    let mut refused_form = None;
    for _ in 0..25 {
        let res = app
            .post_form(
                "send_message",
                &[("hash_key", key), ("content", "spam")],
                &format!("/chatrooms/{key}/"),
                Some(me),
            )
            .await;
        let target = crate::support::location(&res);
        if target.contains("__err=") {
            refused_form = Some(target);
            break;
        }
        sent += 1;
    }
    assert!(refused_form.is_some(), "no limit for form posts");
    assert_eq!(app.count("message").await, sent);

    // Another person in the same room is not slowed down.
    let other = app.login("patient").await;
    app.get_page(&format!("/chatrooms/{key}/"), Some(&other))
        .await;
    assert!(app.send(key, &other, "hello").await > 0);
}

#[tokio::test]
async fn logins_are_limited_per_address() {
    let app = &spawn_limited_app(false).await;
    let (made, refused) = until_refused(35, |i| async move {
        let name = format!("user{i}");
        app.call("login", &[("username", &name)], None).await
    })
    .await;
    // 30 at once; one more may have trickled back in meanwhile (one per 2 s).
    assert!((30..=32).contains(&made), "{made}");
    assert_limited(refused).await;
    assert_eq!(app.count("session").await, made);
    assert_eq!(app.count("username_claim").await, made);

    // Without a trusted proxy, a forged X-Forwarded-For does not buy a fresh budget.
    let res = login_from(app, "forger", "", "203.0.113.9").await;
    assert_limited(res).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_budget() {
    let app = &spawn_limited_app(true).await;
    let (made, refused) = until_refused(35, |i| async move {
        login_from(app, &format!("a{i}"), "", "198.51.100.1").await
    })
    .await;
    assert!((30..=32).contains(&made), "{made}");
    assert_limited(refused).await;
    // The proxy appends the real address last; what the client wrote before it is ignored.
    let res = login_from(app, "b0", "", "198.51.100.1, 198.51.100.2").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn passphrase_guessing_is_limited_per_name_from_anywhere() {
    let app = spawn_limited_app(true).await;
    let res = login_from(&app, "vault", "the real passphrase", "198.51.100.1").await;
    assert_eq!(res.status(), StatusCode::OK);
    for i in 0..5 {
        let res = login_from(&app, "vault", "a wrong guess", &format!("203.0.113.{i}")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right passphrase waits now: a guesser cannot tell it was right.
    let res = login_from(&app, "vault", "the real passphrase", "203.0.113.99").await;
    let retry = assert_limited(res).await;
    assert!(retry > 30, "{retry}");
    assert_eq!(app.count("session").await, 1);
}

#[tokio::test]
async fn room_creation_is_limited_per_session() {
    let app = spawn_limited_app(false).await;
    let me = app.login("builder").await;
    for i in 0..10 {
        let res = app
            .call("create_room", &[("name", &format!("room {i}"))], Some(&me))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .call("create_room", &[("name", "one more")], Some(&me))
        .await;
    assert_limited(res).await;
    assert_eq!(app.count("chat").await, 10);
}

#[tokio::test]
async fn reading_history_is_limited_per_session_in_both_ways_in() {
    let app = spawn_limited_app(false).await;
    let key = app.create_room("Archive").await;
    let me = app.login("reader").await;
    let room = app.get_page(&format!("/chatrooms/{key}/"), Some(&me)).await;
    assert_eq!(room.status(), StatusCode::OK);
    // Scrolling back: a burst of pages, then "slow down".
    let form = [("hash_key", key.as_str()), ("before", "1000")];
    let started = std::time::Instant::now();
    let (passed, refused) =
        until_refused(200, |_| app.call("messages_before", &form, Some(&me))).await;
    // A burst of 60; a slow machine may earn a token back (one per 200 ms) while it sends them.
    assert_within_refill(passed, 60, 5.0, started.elapsed());
    assert_limited(refused).await;
    // The JSON API shares the session's spent budget: only what was refilled meanwhile (one
    // token per 200 ms, so none on a quick machine) passes before it is refused too.
    let empty = std::time::Instant::now();
    let (passed, refused) = until_refused(10, |_| async {
        app.client
            .get(format!("{}/chats/1/", app.base))
            .header("cookie", &me)
            .send()
            .await
            .expect("an answer")
    })
    .await;
    assert_within_refill(passed, 0, 5.0, empty.elapsed());
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn moderation_actions_are_limited_per_session() {
    let app = spawn_limited_app(false).await;
    let owner = app.login("Limited Owner").await;
    let key: String = app
        .call("create_room", &[("name", "Busy")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    let (app_ref, key_ref, owner_ref) = (&app, key.as_str(), owner.as_str());
    let started = std::time::Instant::now();
    let (passed, refused) = until_refused(100, move |n| async move {
        let seconds = if n % 2 == 0 { "5" } else { "0" };
        app_ref
            .call(
                "mod/slow_mode",
                &[("hash_key", key_ref), ("seconds", seconds)],
                Some(owner_ref),
            )
            .await
    })
    .await;
    // A burst of 30, then one a second.
    assert_within_refill(passed, 30, 1.0, started.elapsed());
    assert_limited(refused).await;
    // The refused one changed nothing: the last that passed still holds.
    let last_passed = passed - 1;
    let expected = if last_passed % 2 == 0 { 5 } else { 0 };
    let db = app.db().await;
    let slow_mode: i64 = scalar(&db, "SELECT CAST(slow_mode_secs AS BIGINT) FROM chat").await;
    assert_eq!(slow_mode, expected);
}

/// `passed` is the burst, plus at most the tokens `per_sec` could refill in `elapsed`.
fn assert_within_refill(passed: i64, burst: i64, per_sec: f64, elapsed: std::time::Duration) {
    let refilled = (elapsed.as_secs_f64() * per_sec).ceil() as i64;
    assert!(
        (burst..=burst + refilled).contains(&passed),
        "{passed} passed: the burst is {burst}, plus {refilled} refilled in {elapsed:?}"
    );
}
