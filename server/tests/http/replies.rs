//! Replies: a message may answer another of the same room; it carries a quote of the original,
//! which says so once the original is deleted.

use crate::support::spawn_app;
use domain::model::ChatMessage;
use reqwest::StatusCode;

#[tokio::test]
async fn a_reply_quotes_its_original_and_only_one_of_the_same_room() {
    let app = spawn_app().await;
    let key = app.create_room("Threads").await;
    let other_room = app.create_room("Elsewhere").await;
    let asker = app.login("asker").await;
    let helper = app.login("helper").await;
    let question = app
        .send(&key, &asker, "How do I export?\nI looked everywhere.")
        .await;
    let elsewhere = app.send(&other_room, &asker, "not here").await;

    let reply = |reply_to: String, room: String| {
        let (app, helper) = (&app, helper.clone());
        async move {
            app.call(
                "send_message",
                &[
                    ("hash_key", room.as_str()),
                    ("content", "Use the Markdown link."),
                    ("reply_to", reply_to.as_str()),
                ],
                Some(&helper),
            )
            .await
        }
    };
    let res = reply(question.to_string(), key.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer: ChatMessage = res.json().await.unwrap();
    let quote = answer.reply_to.expect("a quote");
    assert_eq!(quote.id.0, question);
    assert_eq!(quote.username, "asker");
    assert_eq!(quote.excerpt, "How do I export?");
    assert!(!quote.deleted);

    // A message of another room, one that does not exist, or junk: refused, nothing stored.
    let before = app.count("message").await;
    for bad in [elsewhere.to_string(), "999999".to_owned(), "abc".to_owned()] {
        let res = reply(bad.clone(), key.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("reply only to a message in this room"),
            "{body}"
        );
    }
    assert_eq!(app.count("message").await, before);
    // An empty field (a form with no reply chosen) is a plain message.
    let res = reply(String::new(), key.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<ChatMessage>().await.unwrap().reply_to, None);

    // The original is taken back: the quote says so, in the API and on the page.
    let res = app.delete_my_message(&key, &asker, question).await;
    assert_eq!(res.status(), StatusCode::OK);
    let view: domain::model::RoomView = app
        .call("load_room", &[("hash_key", &key)], Some(&helper))
        .await
        .json()
        .await
        .unwrap();
    let shown = view.messages.iter().find(|m| m.id == answer.id).unwrap();
    let quote = shown.reply_to.as_ref().unwrap();
    assert!(quote.deleted && quote.excerpt.is_empty(), "{quote:?}");
    let page = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&helper))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("the quoted message was deleted"));
}

#[tokio::test]
async fn reply_without_javascript_opens_the_page_with_the_reply_set() {
    let app = spawn_app().await;
    let key = app.create_room("No JS threads").await;
    let me = app.login("plain").await;
    let id = app.send(&key, &me, "first line\nsecond line").await;
    let page = app
        .get_page(&format!("/chatrooms/{key}/?reply_to={id}"), Some(&me))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Replying to"), "the quote above the box");
    assert!(
        page.contains(&format!("name=\"reply_to\" value=\"{id}\"")),
        "the form carries the reply"
    );
}
