//! A message carries the id its sender's browser gave it: sending it again (a retry after a
//! timeout, a dropped connection or a crash) stores it once and answers every copy with it.

use crate::support::{spawn_app, spawn_process, TestApp};
use crate::test_db::TestDatabase;
use domain::model::ChatMessage;
use reqwest::StatusCode;

/// Sends `content` with `client_id` as the session in `cookie`; the response.
async fn send_with_id(
    app: &TestApp,
    key: &str,
    cookie: &str,
    content: &str,
    client_id: &str,
) -> reqwest::Response {
    app.call(
        "send_message",
        &[
            ("hash_key", key),
            ("content", content),
            ("client_id", client_id),
        ],
        Some(cookie),
    )
    .await
}

async fn stored(res: reqwest::Response) -> ChatMessage {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("a message")
}

const FIRST: &str = "0f8b6c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b";
const SECOND: &str = "7d3e2a10-5b6c-4d8e-9f01-23456789abcd";

#[tokio::test]
async fn the_same_id_sent_twice_stores_one_message_and_answers_both_with_it() {
    let app = spawn_app().await;
    let key = app.create_room("Retries").await;
    let ann = app.login("ann").await;

    let first = stored(send_with_id(&app, &key, &ann, "only once", FIRST).await).await;
    let again = stored(send_with_id(&app, &key, &ann, "only once", FIRST).await).await;
    assert_eq!(again, first);
    assert_eq!(app.count("message").await, 1);
    // The id decides, not the text: a retry is the message that was stored.
    let edited_retry =
        stored(send_with_id(&app, &key, &ann, "changed meanwhile", FIRST).await).await;
    assert_eq!(edited_retry, first);

    // Both copies at once (they may meet in one batch of the writer).
    let (a, b) = tokio::join!(
        send_with_id(&app, &key, &ann, "twice at once", SECOND),
        send_with_id(&app, &key, &ann, "twice at once", SECOND),
    );
    let (a, b) = (stored(a).await, stored(b).await);
    assert_eq!(a, b);
    assert_ne!(a.id, first.id);
    assert_eq!(app.count("message").await, 2);

    // Many copies at once, among other messages.
    let copies = (0..8).map(|i| {
        let (app, key, ann) = (&app, &key, &ann);
        async move {
            if i % 2 == 0 {
                stored(send_with_id(app, key, ann, "eight times", "eight-copies-01").await).await
            } else {
                stored(
                    send_with_id(
                        app,
                        key,
                        ann,
                        &format!("other {i}"),
                        &format!("other-id-{i:04}"),
                    )
                    .await,
                )
                .await
            }
        }
    });
    let answers = futures_util::future::join_all(copies).await;
    let copy_ids: std::collections::HashSet<_> = answers.iter().step_by(2).map(|m| m.id).collect();
    assert_eq!(copy_ids.len(), 1, "{answers:?}");
    assert_eq!(app.count("message").await, 2 + 1 + 4);

    // Without an id every send is a message of its own.
    app.send(&key, &ann, "no id").await;
    app.send(&key, &ann, "no id").await;
    assert_eq!(app.count("message").await, 9);
}

#[tokio::test]
async fn another_person_using_the_same_id_sends_a_message_of_their_own() {
    let app = spawn_app().await;
    let key = app.create_room("Shared ids").await;
    let ann = app.login("ann").await;
    let bob = app.login("bob").await;
    let hers = stored(send_with_id(&app, &key, &ann, "from ann", FIRST).await).await;
    let his = stored(send_with_id(&app, &key, &bob, "from bob", FIRST).await).await;
    assert_ne!(his.id, hers.id);
    assert_eq!(
        (his.username.as_str(), his.content.as_str()),
        ("bob", "from bob")
    );
    // The same id in another room is another message too.
    let other_room = app.create_room("Elsewhere").await;
    let there = stored(send_with_id(&app, &other_room, &ann, "from ann", FIRST).await).await;
    assert_ne!(there.id, hers.id);
    assert_eq!(app.count("message").await, 3);
}

#[tokio::test]
async fn a_malformed_id_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let key = app.create_room("Bad ids").await;
    let ann = app.login("ann").await;
    for bad in [
        "short",
        "has spaces in it",
        "<script>alert(1)</script>",
        &"x".repeat(65),
    ] {
        let res = send_with_id(&app, &key, &ann, "hello", bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("The message's id is malformed"));
    }
    assert_eq!(app.count("message").await, 0);
}

#[tokio::test]
async fn a_retry_after_a_crash_and_restart_finds_the_stored_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::fresh(dir.path()).await;
    let mut before = spawn_process(&database.url, &[]).await;
    let key = before.create_room("Crash").await;
    let ann = before.login("ann").await;
    let first = stored(send_with_id(&before, &key, &ann, "acknowledged", FIRST).await).await;
    before.kill();

    let after = spawn_process(&database.url, &[]).await;
    let again = stored(send_with_id(&after, &key, &ann, "acknowledged", FIRST).await).await;
    assert_eq!(again, first);
    assert_eq!(after.count("message").await, 1);
}
