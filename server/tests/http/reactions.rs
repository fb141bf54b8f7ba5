//! Reactions: one emoji per reaction, toggled by a second click, at most twenty different ones
//! per message, live for everyone and in the change feed for pages that were away; on one
//! instance and across two (PostgreSQL).

use crate::support::{spawn_app, spawn_process, TestApp};
use crate::test_db::{Backend, TestDatabase};
use domain::model::ChatMessage;
use domain::reactions::Reactions;
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn react(app: &TestApp, key: &str, cookie: &str, id: i64, emoji: &str) -> reqwest::Response {
    app.call(
        "react_to_message",
        &[
            ("hash_key", key),
            ("message_id", &id.to_string()),
            ("emoji", emoji),
        ],
        Some(cookie),
    )
    .await
}

async fn reacted(app: &TestApp, key: &str, cookie: &str, id: i64, emoji: &str) -> ChatMessage {
    let res = react(app, key, cookie, id, emoji).await;
    assert_eq!(res.status(), StatusCode::OK, "{emoji}");
    res.json().await.unwrap()
}

/// `(emoji, users)` of each reaction, in order.
fn summary(reactions: &Reactions) -> Vec<(String, Vec<String>)> {
    reactions
        .list()
        .iter()
        .map(|r| (r.emoji.to_string(), r.users.clone()))
        .collect()
}

fn pairs(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(e, users)| (e.to_string(), users.iter().map(|u| u.to_string()).collect()))
        .collect()
}

/// The reactions stored for message `id`, as the room page's data has them.
async fn stored(app: &TestApp, key: &str, cookie: &str, id: i64) -> Reactions {
    let view: domain::model::RoomView = app
        .call("load_room", &[("hash_key", key)], Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    view.messages
        .into_iter()
        .find(|m| m.id.0 == id)
        .expect("the message")
        .reactions
}

#[tokio::test]
async fn reactions_toggle_and_reach_everyone_live() {
    let app = spawn_app().await;
    let key = app.create_room("Cheers").await;
    let ann = app.login("ann").await;
    let bob = app.login("bob").await;
    let id = app.send(&key, &ann, "We shipped!").await;
    let mut ann_watches = app.events(&key, &ann, None).await;

    let after = reacted(&app, &key, &bob, id, "🎉").await;
    assert_eq!(summary(&after.reactions), pairs(&[("🎉", &["bob"])]));
    let live = ann_watches
        .next_of("message", WAIT)
        .await
        .expect("the reaction");
    let live: ChatMessage = serde_json::from_value(live.json()).unwrap();
    assert_eq!(live.id.0, id);
    assert_eq!(live.reactions, after.reactions);

    // Someone else adds to the count; a second emoji comes after the first.
    reacted(&app, &key, &ann, id, "🎉").await;
    let after = reacted(&app, &key, &ann, id, " 👍🏽 ").await;
    assert_eq!(
        summary(&after.reactions),
        pairs(&[("🎉", &["bob", "ann"]), ("👍🏽", &["ann"])])
    );
    // Clicking one's own reaction takes it back; an emoji nobody uses any more goes.
    let after = reacted(&app, &key, &bob, id, "🎉").await;
    assert_eq!(
        summary(&after.reactions),
        pairs(&[("🎉", &["ann"]), ("👍🏽", &["ann"])])
    );
    let after = reacted(&app, &key, &ann, id, "👍🏽").await;
    assert_eq!(summary(&after.reactions), pairs(&[("🎉", &["ann"])]));
    assert_eq!(stored(&app, &key, &bob, id).await, after.reactions);
    // The JSON API shows them too.
    let chat_id = after.chat_id.0;
    let api: serde_json::Value = app
        .get_page(&format!("/chats/{chat_id}/"), Some(&bob))
        .await
        .json()
        .await
        .unwrap();
    let shown = api["messages"]
        .as_array()
        .and_then(|list| list.iter().find(|m| m["id"] == id))
        .cloned()
        .expect("the message in the JSON API");
    assert_eq!(shown["reactions"][0]["emoji"], "🎉");
    assert_eq!(shown["reactions"][0]["users"][0], "ann");

    // Every change was on the live stream, in order, each a newer version.
    let mut seqs = vec![live.seq];
    for _ in 0..4 {
        let event = ann_watches
            .next_of("message", WAIT)
            .await
            .expect("a change");
        seqs.push(event.id.map(domain::Seq).unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[tokio::test]
async fn reacting_works_without_javascript() {
    let app = spawn_app().await;
    let key = app.create_room("Plain").await;
    let me = app.login("plainreact").await;
    let id = app.send(&key, &me, "react to me").await;
    let room = format!("/chatrooms/{key}/");
    // "React" is a link that opens the page with this message's picker.
    let page = app.get_page(&room, Some(&me)).await.text().await.unwrap();
    assert!(
        page.contains(&format!("href=\"?react_to={id}\"")),
        "the React link"
    );
    assert!(!page.contains("Pick a reaction"), "no picker until asked");
    let picking = format!("{room}?react_to={id}");
    let page = app
        .get_page(&picking, Some(&me))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Pick a reaction") && page.contains("React with 👍"));
    // Each choice is a plain form: posting it adds the reaction and goes back to the page.
    let form = [
        ("hash_key", key.as_str()),
        ("message_id", &id.to_string()),
        ("emoji", "👍"),
    ];
    let res = app
        .post_form("react_to_message", &form, &picking, Some(&me))
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = app.get_page(&room, Some(&me)).await.text().await.unwrap();
    assert!(
        page.contains("Take back your reaction 👍 (1: plainreact)"),
        "the count, pressed for its author"
    );
}

#[tokio::test]
async fn bad_reactions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let key = app.create_room("Limits").await;
    let other_room = app.create_room("Elsewhere").await;
    let ann = app.login("ann").await;
    let id = app.send(&key, &ann, "react to me").await;
    let elsewhere = app.send(&other_room, &ann, "not here").await;

    for bad in ["", "a", "👍👍", "👍 🎉", "<b>", "1", "🇫"] {
        let res = react(&app, &key, &ann, id, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("one emoji") || body.contains("Pick an emoji"),
            "{body}"
        );
    }
    // A message of another room, one that does not exist, or a deleted one.
    for missing in [elsewhere, 999_999] {
        let res = react(&app, &key, &ann, missing, "👍").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let gone = app.send(&key, &ann, "soon gone").await;
    let res = app.delete_my_message(&key, &ann, gone).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = react(&app, &key, &ann, gone, "👍").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("still there"));
    // Not logged in: refused before anything else.
    let res = app
        .call(
            "react_to_message",
            &[
                ("hash_key", key.as_str()),
                ("message_id", &id.to_string()),
                ("emoji", "👍"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(stored(&app, &key, &ann, id).await.is_empty());

    // Twenty different emoji fit; a twenty-first is refused; adding to one of them still works.
    let twenty: Vec<String> = ('\u{1F600}'..)
        .take(Reactions::MAX_DISTINCT + 1)
        .map(String::from)
        .collect();
    for emoji in &twenty[..Reactions::MAX_DISTINCT] {
        reacted(&app, &key, &ann, id, emoji).await;
    }
    let before = stored(&app, &key, &ann, id).await;
    let res = react(&app, &key, &ann, id, &twenty[Reactions::MAX_DISTINCT]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("at most 20"));
    assert_eq!(stored(&app, &key, &ann, id).await, before);
    let bob = app.login("bob").await;
    let after = reacted(&app, &key, &bob, id, &twenty[0]).await;
    assert_eq!(after.reactions.list()[0].users, ["ann", "bob"]);

    // Deleting the message takes its reactions with it.
    let res = app.delete_my_message(&key, &ann, id).await;
    let deleted: ChatMessage = res.json().await.unwrap();
    assert!(deleted.deleted.is_some() && deleted.reactions.is_empty());
}

#[tokio::test]
async fn reactions_edits_and_deletions_made_while_away_arrive_once_in_order() {
    let app = spawn_app().await;
    let key = app.create_room("Away").await;
    let ann = app.login("ann").await;
    let bob = app.login("bob").await;
    let first = app.send(&key, &ann, "one").await;
    let second = app.send(&key, &ann, "two").await;
    let third = app.send(&key, &ann, "three").await;
    let mut before = app.events(&key, &bob, Some(0)).await;
    let mut position = 0;
    for _ in 0..3 {
        position = before.next_of("message", WAIT).await.unwrap().id.unwrap();
    }
    drop(before);

    // While bob is away: a reaction, an edit, a deletion, and a reaction taken back.
    reacted(&app, &key, &ann, third, "👀").await;
    reacted(&app, &key, &ann, first, "👍").await;
    let res = app.edit_message(&key, &ann, second, "two, edited").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.delete_my_message(&key, &ann, third).await;
    assert_eq!(res.status(), StatusCode::OK);
    reacted(&app, &key, &ann, first, "❤️").await;
    reacted(&app, &key, &ann, first, "👍").await;

    let mut back = app.events(&key, &bob, Some(position)).await;
    let mut got = Vec::new();
    while let Some(event) = back.next_of("message", Duration::from_millis(800)).await {
        let message: ChatMessage = serde_json::from_value(event.json()).unwrap();
        got.push((
            message.id.0,
            message.content,
            summary(&message.reactions),
            message.deleted.is_some(),
        ));
    }
    // Each changed message once, as it is now, in the order of its latest change.
    assert_eq!(
        got,
        [
            (second, "two, edited".to_owned(), vec![], false),
            (third, String::new(), vec![], true),
            (first, "one".to_owned(), pairs(&[("❤️", &["ann"])]), false),
        ]
    );
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn edits_and_reactions_on_one_instance_reach_pages_on_the_other_and_resume() {
    assert_eq!(
        Backend::from_env(),
        Backend::Postgres,
        "several instances need PostgreSQL (TEST_BACKEND=postgres)"
    );
    let database = TestDatabase::fresh_postgres().await;
    let a = spawn_process(&database.url, &[]).await;
    let b = spawn_process(&database.url, &[]).await;
    let ann = a.login("ann").await;
    let key: String = a
        .call("create_room", &[("name", "Across")], Some(&ann))
        .await
        .json()
        .await
        .unwrap();
    let bob = b.login("bob").await;
    let id = a.send(&key, &ann, "hello from a").await;
    let mut bob_on_b = b.events(&key, &bob, None).await;
    // Live before anything changes: a stream opened without a position replays nothing.
    bob_on_b.next_of("presence", WAIT).await.expect("live");

    // Made on A, seen on B, in order.
    let res = a.edit_message(&key, &ann, id, "hello from a, edited").await;
    assert_eq!(res.status(), StatusCode::OK);
    reacted(&a, &key, &ann, id, "👋").await;
    let edit = bob_on_b.next_of("message", WAIT).await.expect("the edit");
    assert_eq!(edit.json()["content"], "hello from a, edited");
    // Another instance may read the row once, after both changes (README, "Load generator"):
    // then the edit already carries the reaction and no later event is due.
    let carries_reaction = |event: &crate::support::SseEvent| {
        let message: ChatMessage = serde_json::from_value(event.json()).unwrap();
        !message.reactions.list().is_empty()
    };
    let reaction = if carries_reaction(&edit) {
        edit
    } else {
        let reaction = bob_on_b
            .next_of("message", WAIT)
            .await
            .expect("the reaction");
        assert!(edit.id < reaction.id);
        reaction
    };
    let reaction: ChatMessage = serde_json::from_value(reaction.json()).unwrap();
    assert_eq!(summary(&reaction.reactions), pairs(&[("👋", &["ann"])]));
    let position = reaction.seq.0;
    drop(bob_on_b);

    // Bob reacts on B, and then resumes on A after changes made on both.
    reacted(&b, &key, &bob, id, "👋").await;
    reacted(&a, &key, &ann, id, "👋").await;
    let second = b.send(&key, &bob, "and from b").await;
    let mut resumed = a.events(&key, &bob, Some(position)).await;
    let mut got = Vec::new();
    while let Some(event) = resumed.next_of("message", Duration::from_millis(800)).await {
        let message: ChatMessage = serde_json::from_value(event.json()).unwrap();
        got.push((message.id.0, summary(&message.reactions)));
    }
    assert_eq!(
        got,
        [(id, pairs(&[("👋", &["bob"])])), (second, vec![])],
        "each changed message once, as it is now"
    );
}
