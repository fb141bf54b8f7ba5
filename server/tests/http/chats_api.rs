//! `GET /chats/<id>/`: the message data of a chat (`docs/functional-spec.md`), paged with
//! `after` and `limit`.

use crate::support::spawn_app;
use reqwest::StatusCode;
use serde_json::Value;

/// A chat with `n` messages, opened (joined) by the returned session.
async fn chat_with_messages(n: usize) -> (crate::support::TestApp, i64, String) {
    let app = spawn_app().await;
    let key = app.create_room("Paged").await;
    let cookie = app.login("pager").await;
    for i in 1..=n {
        app.send(&key, &cookie, &format!("m{i}")).await;
    }
    let page = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    (app, 1, cookie)
}

async fn get_json(app: &crate::support::TestApp, cookie: &str, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn returns_the_message_fields_oldest_first() {
    let (app, id, cookie) = chat_with_messages(3).await;
    let (status, body) = get_json(&app, &cookie, &format!("/chats/{id}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], id);
    assert_eq!(body["name"], "Paged");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    for field in ["id", "chat_id", "timestamp", "username", "content"] {
        assert!(messages[0].get(field).is_some(), "missing {field}");
    }
    assert_eq!(messages[0]["content"], "m1");
    assert_eq!(messages[2]["content"], "m3");
    assert_eq!(messages[0]["chat_id"], id);
    assert_eq!(body["next_after"], messages[2]["id"]);
}

#[tokio::test]
async fn pages_with_after_and_limit() {
    let (app, id, cookie) = chat_with_messages(5).await;
    let (_, first) = get_json(&app, &cookie, &format!("/chats/{id}/?limit=2")).await;
    let contents: Vec<&str> = first["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["m1", "m2"]);
    let after = first["next_after"].as_i64().unwrap();
    let (_, second) = get_json(
        &app,
        &cookie,
        &format!("/chats/{id}/?after={after}&limit=2"),
    )
    .await;
    assert_eq!(second["messages"][0]["content"], "m3");
    assert_eq!(second["messages"][1]["content"], "m4");
    let after = second["next_after"].as_i64().unwrap();
    let (_, last) = get_json(&app, &cookie, &format!("/chats/{id}/?after={after}")).await;
    assert_eq!(last["messages"].as_array().unwrap().len(), 1);
    let after = last["next_after"].as_i64().unwrap();
    let (_, empty) = get_json(&app, &cookie, &format!("/chats/{id}/?after={after}")).await;
    assert!(empty["messages"].as_array().unwrap().is_empty());
    assert!(empty["next_after"].is_null());
}

#[tokio::test]
async fn bad_parameters_are_400_and_unknown_chats_404() {
    let (app, id, cookie) = chat_with_messages(1).await;
    for query in ["limit=0", "limit=201", "limit=abc", "after=-1", "after=1.5"] {
        let (status, body) = get_json(&app, &cookie, &format!("/chats/{id}/?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body["error"].as_str().is_some(), "{query}: {body}");
    }
    for path in [
        "/chats/999/",
        "/chats/abc/",
        "/chats/-1/",
        "/chats/99999999999999/",
    ] {
        let (status, _) = get_json(&app, &cookie, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = get_json(&app, &cookie, &format!("/chats/{id}")).await;
    assert_eq!(status, StatusCode::OK, "without the trailing slash too");
}

#[tokio::test]
async fn only_sessions_that_opened_the_room_can_read_it_by_id() {
    let (app, id, member) = chat_with_messages(1).await;
    let (status, _) = get_json(&app, &member, &format!("/chats/{id}/")).await;
    assert_eq!(status, StatusCode::OK);
    // Counting ids finds nothing: without a session, or with one that never opened the link,
    // the chat answers exactly like one that does not exist.
    let stranger = app.login("stranger").await;
    for cookie in ["", stranger.as_str(), "chat_session=forged"] {
        let (status, body) = get_json(&app, cookie, &format!("/chats/{id}/")).await;
        let (missing_status, missing_body) = get_json(&app, cookie, "/chats/999/").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{cookie}");
        assert_eq!((status, body), (missing_status, missing_body));
    }
}

#[tokio::test]
async fn a_removed_member_cannot_read_the_room_by_id_any_more() {
    let app = spawn_app().await;
    let owner = app.login("owner").await;
    let res = app
        .call("create_room", &[("name", "Removal")], Some(&owner))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let key: String = res.json().await.unwrap();
    let member = app.login("member").await;
    for cookie in [&owner, &member] {
        let page = app
            .get_page(&format!("/chatrooms/{key}/"), Some(cookie))
            .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    let (status, _) = get_json(&app, &member, "/chats/1/").await;
    assert_eq!(status, StatusCode::OK);
    let res = app
        .call(
            "mod/remove",
            &[("hash_key", &key), ("username", "member")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // At once and from then on, though this instance knew them as a member a moment ago.
    // (The owner's reads keep the room's row in memory meanwhile.)
    for _ in 0..3 {
        let (status, _) = get_json(&app, &member, "/chats/1/").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get_json(&app, &owner, "/chats/1/").await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn each_answer_to_a_send_is_the_message_as_stored() {
    let app = spawn_app().await;
    let key = app.create_room("Answers").await;
    let cookie = app.login("answerer").await;
    // Sent at once, so the writer stores several in one statement.
    let answers = futures_util::future::join_all((1..=12).map(|i| {
        let (app, key, cookie) = (&app, &key, &cookie);
        async move {
            let res = app
                .call(
                    "send_message",
                    &[
                        ("hash_key", key.as_str()),
                        ("content", &format!("at once {i}")),
                    ],
                    Some(cookie),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.expect("the stored message")
        }
    }))
    .await;
    let page = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let (status, body) = get_json(&app, &cookie, "/chats/1/").await;
    assert_eq!(status, StatusCode::OK);
    let stored = body["messages"].as_array().expect("messages");
    assert_eq!(stored.len(), answers.len());
    for answer in &answers {
        let same = stored.iter().find(|m| m["id"] == answer["id"]);
        assert_eq!(same, Some(answer), "the answer differs from the stored row");
    }
}
