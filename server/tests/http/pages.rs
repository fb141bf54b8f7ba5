//! Page loads: the login redirect, the room page, 404s.

use crate::support::{location, page_markup, panics_so_far, scalar, spawn_app, TestApp};
use reqwest::StatusCode;

#[tokio::test]
async fn home_page_offers_the_create_form() {
    let app = spawn_app().await;
    let res = app.get_page("/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("action=\"/api/create_room\""), "{html}");
    assert!(html.contains("name=\"name\""));
}

#[tokio::test]
async fn visiting_a_room_without_a_session_redirects_to_login() {
    let app = spawn_app().await;
    let key = app.create_room("Lobby").await;
    let res = app.get_page(&format!("/chatrooms/{key}/"), None).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), format!("/login?next=/chatrooms/{key}/"));
}

#[tokio::test]
async fn login_page_carries_next_into_the_form() {
    let app = spawn_app().await;
    let res = app.get_page("/login?next=/chatrooms/abc/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("action=\"/api/login\""), "{html}");
    assert!(html.contains("value=\"/chatrooms/abc/\""), "{html}");
}

#[tokio::test]
async fn room_page_renders_history_identity_and_share_link() {
    let app = spawn_app().await;
    let key = app.create_room("Book club").await;
    let cookie = app.login("alice").await;
    for text in ["first <b>message</b>", "second message"] {
        app.send(&key, &cookie, text).await;
    }
    let panics = panics_so_far();
    let res = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    // Many at once: whatever finishes after a body was sent (the head's title is read then)
    // must not panic either.
    let path = format!("/chatrooms/{key}/");
    let loads = (0..32).map(|_| async {
        let res = app.get_page(&path, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    });
    for page in futures_util::future::join_all(loads).await {
        assert!(page.contains("<title>Book club · Chat</title>"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(panics_so_far(), panics, "rendering the page panicked");
    assert!(html.contains("Book club"));
    assert!(html.contains("alice"));
    // The server writes the room's title into the head (a browser without JavaScript, a shared
    // link's preview and the tab all show it).
    assert!(html.contains("<title>Book club · Chat</title>"), "{html}");
    // Oldest first, and markup in a message is text, not HTML (in the room's data before the
    // island, too: there `<` is `\u003c`).
    let list = &html[html.find("<leptos-island").expect("the room island")..];
    let first = list
        .find("first &lt;b&gt;message&lt;/b&gt;")
        .expect("escaped first message");
    let second = list.find("second message").expect("second message");
    assert!(first < second);
    assert!(!html.contains("<b>message</b>"));
    assert!(
        html.contains(&format!("{}/chatrooms/{key}/", app.base)),
        "share link"
    );
}

#[tokio::test]
async fn unknown_and_malformed_rooms_are_a_real_404() {
    let app = spawn_app().await;
    let cookie = app.login("bob").await;
    for path in [
        "/chatrooms/AAAAAAAAAAAAAAAA/",
        "/chatrooms/not-a-key/",
        "/chatrooms/%2e%2e%2f%2e%2e/",
        "/no/such/page",
    ] {
        for cookie in [None, Some(cookie.as_str())] {
            let res = app.get_page(path, cookie).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            let html = res.text().await.unwrap();
            assert!(html.contains("Not found"), "{path}: {html}");
        }
    }
}

#[tokio::test]
async fn links_are_safe_and_code_is_code() {
    let app = spawn_app().await;
    let key = app.create_room("Links").await;
    let cookie = app.login("alice").await;
    for text in [
        "read https://example.com/docs?a=1&b=2.",
        "javascript:alert(document.cookie)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "try `rm -rf <b>`",
    ] {
        app.send(&key, &cookie, text).await;
    }
    let html = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<a href="https://example.com/docs?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">"#),
        "{html}"
    );
    // Only as inert text (&lt;a ...), never as a real element.
    assert!(!html.contains("<a href=\"javascript"), "{html}");
    assert!(html.contains("<code>rm -rf &lt;b&gt;</code>"), "{html}");
}

#[tokio::test]
async fn the_home_page_lists_the_rooms_this_browser_opened() {
    let app = spawn_app().await;
    let first = app.create_room("First room").await;
    let second = app.create_room("Second room").await;
    app.create_room("Never opened").await;
    let cookie = app.login("alice").await;
    for key in [&first, &second] {
        let res = app
            .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let html = app.get_page("/", Some(&cookie)).await.text().await.unwrap();
    let second_at = html.find("Second room").expect("second room listed");
    let first_at = html.find("First room").expect("first room listed");
    assert!(second_at < first_at, "newest first");
    assert!(html.contains(&format!("/chatrooms/{first}/")));
    assert!(!html.contains("Never opened"));
    // Opening the first again puts it back on top; reloading the top one writes nothing.
    for key in [&first, &first] {
        app.get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
            .await;
    }
    let joined_at = || async {
        let sql = "SELECT CAST(MAX(joined_at) AS TEXT) FROM membership";
        scalar::<String>(&app.db().await, sql).await
    };
    let before = joined_at().await;
    app.get_page(&format!("/chatrooms/{first}/"), Some(&cookie))
        .await;
    assert_eq!(joined_at().await, before, "a reload only reads");
    let html = app.get_page("/", Some(&cookie)).await.text().await.unwrap();
    let second_at = html.find("Second room").unwrap();
    let first_at = html.find("First room").unwrap();
    assert!(first_at < second_at, "reopened first");

    // A rename keeps the list.
    let res = app
        .call(
            "login",
            &[("username", "alicia"), ("next", "/")],
            Some(&cookie),
        )
        .await;
    let renamed = crate::support::session_cookie(&res).unwrap();
    let html = app
        .get_page("/", Some(&renamed))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("First room") && html.contains("Second room"));
    // Someone else sees none of them.
    let other = app.login("bob").await;
    let html = app.get_page("/", Some(&other)).await.text().await.unwrap();
    assert!(!html.contains("Your recent rooms"));
}

#[tokio::test]
async fn room_pages_reuse_rendered_messages_exactly_as_rendered_anew() {
    use app::server::rendered;
    use server::page_cache;
    let app = spawn_app().await;
    let mut people = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        people.push(app.login(name).await);
    }
    let [alice, bob, carol, dave] = [&people[0], &people[1], &people[2], &people[3]];
    let res = app
        .call("create_room", &[("name", "Reuse")], Some(alice))
        .await;
    let key: String = res.json().await.unwrap();
    let path = format!("/chatrooms/{key}/");
    for cookie in &people {
        // Opening the link makes a member.
        assert_eq!(
            app.get_page(&path, Some(cookie)).await.status(),
            StatusCode::OK
        );
    }
    let res = app
        .call(
            "mod/make_moderator",
            &[("hash_key", &key), ("username", "bob")],
            Some(alice),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let hello = app.send(&key, alice, "hello everyone").await;
    app.send(&key, bob, "hi @carol, see `code` and https://example.com/x")
        .await;
    let res = app
        .call(
            "send_message",
            &[
                ("hash_key", &key),
                ("content", "agreed"),
                ("reply_to", &hello.to_string()),
            ],
            Some(carol),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let edited = app.send(&key, alice, "typo hree").await;
    assert_eq!(
        app.edit_message(&key, alice, edited, "typo here")
            .await
            .status(),
        StatusCode::OK
    );
    let gone = app.send(&key, bob, "oops").await;
    assert_eq!(
        app.delete_my_message(&key, bob, gone).await.status(),
        StatusCode::OK
    );
    for (cookie, emoji) in [(carol, "👍"), (bob, "🎉")] {
        let form = [
            ("hash_key", key.as_str()),
            ("message_id", &hello.to_string()),
            ("emoji", emoji),
        ];
        assert_eq!(
            app.call("react_to_message", &form, Some(cookie))
                .await
                .status(),
            StatusCode::OK
        );
    }

    for (name, cookie) in ["alice", "bob", "carol", "dave"]
        .iter()
        .zip([alice, bob, carol, dave])
    {
        let load = || page_text(&app, &path, cookie);
        // The first load renders and keeps the page; the next is the kept page.
        load().await;
        let kept_before = page_cache::reused_so_far();
        let kept = load().await;
        assert!(
            page_cache::reused_so_far() > kept_before,
            "{name}'s page was kept"
        );
        app.page_cache.set(false);
        let reused_before = rendered::reused_so_far();
        let reused = load().await;
        // The message list, rendered whole for the first load (other tests running meanwhile
        // may add more).
        assert!(
            rendered::reused_so_far() > reused_before,
            "{name}'s page reused its messages"
        );
        rendered::set_enabled(false);
        let fresh = load().await;
        rendered::set_enabled(true);
        app.page_cache.set(true);
        // The room's data travels once, as the room island's props; for the owner and the
        // moderator the settings panel's bans and log are resources of that island, each
        // loaded once.
        assert_eq!(fresh.matches("data-props=").count(), 1, "{name}");
        let resources = fresh.matches("__RESOLVED_RESOURCES[").count();
        let expected = if matches!(*name, "alice" | "bob") {
            2
        } else {
            0
        };
        assert_eq!(resources, expected, "{name}");
        assert!(
            fresh.contains("typo here") && fresh.contains("agreed"),
            "{fresh}"
        );
        assert_same_page(name, "kept", &page_markup(&kept), &page_markup(&fresh));
        assert_same_page(name, "reused", &page_markup(&reused), &page_markup(&fresh));
    }

    // One new message: the list is written anew, from each earlier message's kept HTML.
    app.send(&key, dave, "one more, @alice").await;
    app.page_cache.set(false);
    for (name, cookie) in [("alice", alice), ("dave", dave)] {
        let reused_before = rendered::reused_so_far();
        let load = || page_text(&app, &path, cookie);
        let reused = load().await;
        // Five of the six messages at least (the rest may be new to this reader).
        assert!(
            rendered::reused_so_far() >= reused_before + 5,
            "{name}'s page reused its earlier messages"
        );
        rendered::set_enabled(false);
        let fresh = load().await;
        rendered::set_enabled(true);
        assert!(fresh.contains("one more, "), "{fresh}");
        assert_same_page(name, "reused", &page_markup(&reused), &page_markup(&fresh));
    }
    app.page_cache.set(true);
}

/// Fails, showing where, unless two pages' markups are the same.
/// The room page at `path` as `cookie`'s holder gets it.
async fn page_text(app: &TestApp, path: &str, cookie: &str) -> String {
    app.get_page(path, Some(cookie)).await.text().await.unwrap()
}

fn assert_same_page(name: &str, what: &str, page: &str, fresh: &str) {
    if let Some(at) = page.bytes().zip(fresh.bytes()).position(|(a, b)| a != b) {
        let from = page.floor_char_boundary(at.saturating_sub(200));
        panic!(
            "{name}'s page differs at {at}: {what} …{}… fresh …{}…",
            &page[from..],
            &fresh[from..]
        );
    }
    assert_eq!(page.len(), fresh.len(), "{name}'s page");
}
