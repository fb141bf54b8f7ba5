//! Kept room pages: a reload of an unchanged room is the page rendered before, with new
//! per-answer values, and any change to what the page shows is seen at once.

use crate::support::{page_markup, spawn_app, TestApp};
use reqwest::{header, StatusCode};
use server::page_cache;
use std::io::Read;
use std::time::{Duration, Instant};

/// The page at `path` for the session in `cookie`: its Content-Security-Policy and its HTML.
async fn page(app: &TestApp, path: &str, cookie: &str) -> (String, String) {
    let res = app.get_page(path, Some(cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let policy = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a policy")
        .to_str()
        .unwrap()
        .to_owned();
    (policy, res.text().await.unwrap())
}

/// The value of the first `attribute="…"` in `html`.
fn attribute<'a>(html: &'a str, attribute: &str) -> &'a str {
    let start = html.find(attribute).expect(attribute) + attribute.len();
    &html[start..start + html[start..].find('"').expect("closing quote")]
}

/// Loads the page twice (the second answer is the kept one, unless the room changed between
/// the two) and once with the cache off: the kept page must be the page rendered anew.
async fn kept_is_fresh(app: &TestApp, path: &str, cookie: &str) -> String {
    page(app, path, cookie).await;
    let (_, kept) = page(app, path, cookie).await;
    app.page_cache.set(false);
    let (_, fresh) = page(app, path, cookie).await;
    app.page_cache.set(true);
    assert_eq!(page_markup(&kept), page_markup(&fresh));
    kept
}

#[tokio::test]
async fn a_kept_page_gets_a_new_nonce_and_message_id_in_every_answer() {
    let app = spawn_app().await;
    let alice = app.login("alice").await;
    let res = app
        .call("create_room", &[("name", "Kept")], Some(&alice))
        .await;
    let key: String = res.json().await.unwrap();
    let path = format!("/chatrooms/{key}/");
    app.send(&key, &alice, "first words").await;

    let (_, first) = page(&app, &path, &alice).await;
    let before = page_cache::reused_so_far();
    let (policy, second) = page(&app, &path, &alice).await;
    assert!(page_cache::reused_so_far() > before, "the page was kept");
    let nonce = attribute(&second, "nonce=\"");
    assert_ne!(attribute(&first, "nonce=\""), nonce);
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
    assert!(!second.contains(attribute(&first, "nonce=\"")));
    assert_eq!(page_markup(&first), page_markup(&second));

    // As a browser asks: the kept page's gzip answer, compressed once, with new values.
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header(header::COOKIE, &alice)
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let policy = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..])
        .read_to_string(&mut unzipped)
        .expect("one gzip member");
    let nonce = attribute(&unzipped, "nonce=\"");
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
    assert_ne!(nonce, attribute(&second, "nonce=\""));
    assert_eq!(page_markup(&unzipped), page_markup(&second));

    // Two tabs of one kept page send without JavaScript: both messages are stored (the same
    // id would have made the second a retry of the first).
    let id_field = r#"name="client_id" value=""#;
    let ids = [attribute(&first, id_field), attribute(&second, id_field)];
    assert_ne!(ids[0], ids[1]);
    for id in ids {
        let form = [
            ("hash_key", key.as_str()),
            ("content", "same words"),
            ("client_id", id),
        ];
        let res = app
            .post_form("send_message", &form, &path, Some(&alice))
            .await;
        assert!(res.status().is_redirection(), "{}", res.status());
    }
    let (_, after) = page(&app, &path, &alice).await;
    assert_eq!(
        after.matches(r#""content":"same words""#).count(),
        2,
        "{after}"
    );
}

#[tokio::test]
async fn a_kept_page_follows_messages_presence_moderation_and_theme() {
    let app = spawn_app().await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let res = app
        .call("create_room", &[("name", "Changes")], Some(&alice))
        .await;
    let key: String = res.json().await.unwrap();
    let path = format!("/chatrooms/{key}/");
    page(&app, &path, &bob).await;
    app.send(&key, &bob, "hello from bob").await;
    let owners = kept_is_fresh(&app, &path, &alice).await;
    assert!(owners.contains("hello from bob"));

    // A message sent, then edited.
    let id = app.send(&key, &bob, "second tought").await;
    assert!(kept_is_fresh(&app, &path, &alice)
        .await
        .contains("second tought"));
    app.edit_message(&key, &bob, id, "second thought").await;
    let edited = kept_is_fresh(&app, &path, &alice).await;
    assert!(edited.contains("second thought") && !edited.contains("tought"));

    // Bob opens the room's live stream: he is online on Alice's page.
    let stream = app.events(&key, &bob, None).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !kept_is_fresh(&app, &path, &alice)
        .await
        .contains(r#""online":["alice","bob"]"#)
    {
        assert!(Instant::now() < deadline, "bob never showed as online");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(stream);

    // Setting slow mode to what it already is changes nothing but the log the owner reads.
    let slow = [("hash_key", key.as_str()), ("seconds", "30")];
    for _ in 0..2 {
        let res = app.call("mod/slow_mode", &slow, Some(&alice)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let logged = kept_is_fresh(&app, &path, &alice).await;
    let lines = logged.matches("set slow mode to").count();
    let res = app.call("mod/slow_mode", &slow, Some(&alice)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let logged_again = kept_is_fresh(&app, &path, &alice).await;
    assert!(
        logged_again.matches("set slow mode to").count() > lines,
        "{logged_again}"
    );

    // The theme cookie picks another page.
    let dark = format!("chat_theme=dark; {alice}");
    assert!(kept_is_fresh(&app, &path, &dark)
        .await
        .contains(r#"data-theme="dark""#));
    assert!(!kept_is_fresh(&app, &path, &alice)
        .await
        .contains(r#"data-theme="dark""#));

    // Banned, Bob gets no page at all, kept or not.
    let res = app
        .call(
            "mod/ban",
            &[("hash_key", &key), ("username", "bob")],
            Some(&alice),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let refused = app.get_page(&path, Some(&bob)).await.text().await.unwrap();
    assert!(
        refused.contains("You were banned from this room."),
        "{refused}"
    );
    assert!(!refused.contains("hello from bob"));
}
