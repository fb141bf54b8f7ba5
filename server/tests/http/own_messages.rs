//! Editing and deleting one's own messages: allowed for the author only, live for everyone, and
//! in the change feed for pages that were away.

use crate::support::{scalar, spawn_app, TestApp};
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn room_with_two(app: &TestApp) -> (String, String, String) {
    let key = app.create_room("Edits").await;
    let author = app.login("writer").await;
    let other = app.login("reader").await;
    for cookie in [&author, &other] {
        let page = app
            .get_page(&format!("/chatrooms/{key}/"), Some(cookie))
            .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    (key, author, other)
}

async fn content_of(app: &TestApp, id: i64) -> String {
    scalar(
        &app.db().await,
        &format!("SELECT content FROM message WHERE id = {id}"),
    )
    .await
}

#[tokio::test]
async fn authors_edit_and_delete_their_own_messages_and_everyone_sees_it_live() {
    let app = spawn_app().await;
    let (key, author, other) = room_with_two(&app).await;
    let id = app.send(&key, &author, "teh typo").await;
    let mut watching = app.events(&key, &other, None).await;

    let res = app.edit_message(&key, &author, id, "the typo").await;
    assert_eq!(res.status(), StatusCode::OK);
    let edited: domain::model::ChatMessage = res.json().await.unwrap();
    assert_eq!(edited.content, "the typo");
    assert!(edited.edited_at.is_some());
    let live = watching
        .next_of("message", WAIT)
        .await
        .expect("the edit")
        .json();
    assert_eq!(live["id"], id);
    assert_eq!(live["content"], "the typo");
    assert!(live["edited_at"].is_string());

    let res = app.delete_my_message(&key, &author, id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let live = watching
        .next_of("message", WAIT)
        .await
        .expect("the deletion")
        .json();
    assert_eq!(live["deleted"], "author");
    assert_eq!(live["content"], "");
    let page = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&other))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("message deleted") && !page.contains("the typo"));
    // A deleted message cannot be edited back.
    let res = app.edit_message(&key, &author, id, "back").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn nobody_edits_or_deletes_someone_elses_message() {
    let app = spawn_app().await;
    let (key, author, other) = room_with_two(&app).await;
    let id = app.send(&key, &author, "mine").await;
    let before = app.count("message").await;
    for (endpoint, extra) in [
        ("edit_message", Some("hijacked")),
        ("delete_my_message", None),
    ] {
        let id = id.to_string();
        let mut form = vec![("hash_key", key.as_str()), ("message_id", id.as_str())];
        if let Some(text) = extra {
            form.push(("content", text));
        }
        let res = app.call(endpoint, &form, Some(&other)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{endpoint}");
        let body = res.text().await.unwrap();
        assert!(body.contains("only your own messages"), "{body}");
    }
    assert_eq!(content_of(&app, id).await, "mine");
    assert_eq!(app.count("message").await, before);
    // Edited text has a message's limits.
    for text in ["", "   ", &"x".repeat(domain::MessageText::MAX_CHARS + 1)] {
        let res = app.edit_message(&key, &author, id, text).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(content_of(&app, id).await, "mine");
}

#[tokio::test]
async fn edits_and_deletions_made_while_away_arrive_once_in_order() {
    let app = spawn_app().await;
    let (key, author, other) = room_with_two(&app).await;
    let first = app.send(&key, &author, "one").await;
    let second = app.send(&key, &author, "two").await;
    let mut before = app.events(&key, &other, Some(0)).await;
    let mut position = 0;
    for _ in 0..2 {
        position = before.next_of("message", WAIT).await.unwrap().id.unwrap();
    }
    drop(before);
    // While the reader is away: an edit, a deletion, an edit of the same message again.
    let edit = |id: i64, text: &'static str| {
        let (app, key, author) = (&app, key.clone(), author.clone());
        async move {
            let res = app.edit_message(&key, &author, id, text).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    };
    edit(first, "one, edited").await;
    let res = app.delete_my_message(&key, &author, second).await;
    assert_eq!(res.status(), StatusCode::OK);
    edit(first, "one, edited twice").await;
    let mut back = app.events(&key, &other, Some(position)).await;
    let mut got = Vec::new();
    while let Some(event) = back.next_of("message", Duration::from_millis(800)).await {
        let json = event.json();
        got.push((
            json["id"].as_i64().unwrap(),
            json["content"].as_str().unwrap().to_owned(),
        ));
    }
    // Each changed message once, as it is now, in the order of its latest change.
    assert_eq!(
        got,
        [
            (second, String::new()),
            (first, "one, edited twice".to_owned())
        ]
    );
}

#[tokio::test]
async fn editing_works_without_javascript_and_only_the_open_editor_holds_the_text() {
    let app = spawn_app().await;
    let (key, author, _) = room_with_two(&app).await;
    let id = app.send(&key, &author, "first draft text").await;
    let room = format!("/chatrooms/{key}/");
    // "Edit" is a link; the page holds no editor (nor a copy of the text in one) until asked.
    let page = app
        .get_page(&room, Some(&author))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"?edit={id}\"")),
        "the Edit link"
    );
    assert!(
        !page.contains("New text of your message"),
        "no editor until asked"
    );
    let editing = format!("{room}?edit={id}");
    let page = app
        .get_page(&editing, Some(&author))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("New text of your message") && page.contains(">first draft text</textarea>")
    );
    // Saving is a plain form; it goes back to the room, not to the open editor.
    let form = [
        ("hash_key", key.as_str()),
        ("message_id", &id.to_string()),
        ("content", "final text"),
    ];
    let res = app
        .post_form("edit_message", &form, &editing, Some(&author))
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], room.as_str());
    assert_eq!(content_of(&app, id).await, "final text");
    // A refused edit goes back to the editor, which shows why.
    let form = [
        ("hash_key", key.as_str()),
        ("message_id", &id.to_string()),
        ("content", "   "),
    ];
    let res = app
        .post_form("edit_message", &form, &editing, Some(&author))
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap();
    assert!(back.contains(&format!("?edit={id}")), "{back}");
    assert_eq!(content_of(&app, id).await, "final text");
}
