//! The server functions, called as the hydrated app does and as plain forms (JavaScript off).

use crate::support::{location, session_cookie, spawn_app};
use domain::model::ChatMessage;
use reqwest::StatusCode;

#[tokio::test]
async fn create_room_stores_it_and_redirects_to_its_page() {
    let app = spawn_app().await;
    let res = app
        .call("create_room", &[("name", "  Lobby  ")], None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let target = location(&res);
    let key: String = res.json().await.unwrap();
    assert_eq!(key.len(), 16);
    assert_eq!(target, format!("/chatrooms/{key}/"));
    assert_eq!(app.count("chat").await, 1);

    // Two rooms with the same name are two rooms with different links.
    let other = app.create_room("Lobby").await;
    assert_ne!(key, other);
}

#[tokio::test]
async fn create_room_as_plain_form_post_redirects_to_the_room() {
    let app = spawn_app().await;
    let res = app
        .post_form("create_room", &[("name", "No JS")], "/", None)
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        location(&res).starts_with("/chatrooms/"),
        "{}",
        location(&res)
    );
    assert_eq!(app.count("chat").await, 1);
}

#[tokio::test]
async fn invalid_room_names_are_refused_with_a_message_and_nothing_stored() {
    let app = spawn_app().await;
    let long = "x".repeat(81);
    for (name, expected) in [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        (long.as_str(), "too long"),
    ] {
        let res = app.call("create_room", &[("name", name)], None).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains(expected), "{body}");
    }
    // JavaScript off: back to the form with the error in the link, and a short-lived cookie
    // that proves it was made for this browser; without the cookie the page shows nothing.
    let res = app
        .post_form("create_room", &[("name", "")], "/", None)
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res);
    assert!(
        back.contains("__path=") && back.contains("__err="),
        "{back}"
    );
    let flash = flash_cookie(&res).expect("the error is proven by a cookie");
    let path = back.trim_start_matches(&app.base).to_owned();
    let page = app.get_page(&path, Some(&flash)).await;
    assert!(page.text().await.unwrap().contains("cannot be empty"));
    let elsewhere = app.get_page(&path, None).await;
    assert!(!elsewhere.text().await.unwrap().contains("cannot be empty"));
    assert_eq!(app.count("chat").await, 0);
}

/// The `chat_flash=...` pair a response sets, ready for a Cookie header.
fn flash_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chat_flash=") && !v.starts_with("chat_flash=;"))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_link_cannot_put_text_under_a_form() {
    use base64::Engine;
    let app = spawn_app().await;
    let forged = r#"{"Invalid":"Your account is locked: call +1 555 0100"}"#;
    let encoded = base64::engine::general_purpose::URL_SAFE.encode(forged);
    let page = app
        .get_page(
            &format!("/login?next=/&__path=/api/login&__err={encoded}"),
            None,
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("call +1 555 0100"),
        "the linked text is shown"
    );
    assert!(html.contains("Choose a username"));
}

#[tokio::test]
async fn malformed_server_fn_requests_are_400_not_500() {
    let app = spawn_app().await;
    let res = app.call("create_room", &[("wrong", "x")], None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .call(
            "messages_before",
            &[("hash_key", "x"), ("before", "NaN")],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("chat").await, 0);
}

#[tokio::test]
async fn login_sets_a_safe_cookie_and_returns_to_a_local_next() {
    let app = spawn_app().await;
    let key = app.create_room("Lobby").await;
    let next = format!("/chatrooms/{key}/");
    let res = app
        .post_form(
            "login",
            &[("username", "alice"), ("next", &next)],
            "/login",
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), next);
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    let token = session_cookie(&res).unwrap();
    assert!(
        token.len() >= "chat_session=".len() + 22,
        "at least 128 bits"
    );

    // With the cookie, the room page opens and knows who this is.
    let page = app.get_page(&next, Some(&token)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("alice"));
    assert_eq!(app.count("session").await, 1);

    // The database holds only a digest of the token, never the token itself.
    let raw = token.trim_start_matches("chat_session=");
    let db = app.db().await;
    let stored: Vec<String> =
        <backend::store::entities::session::Entity as sea_orm::EntityTrait>::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.token)
            .collect();
    assert_eq!(stored, [backend::identity::sessions::token_digest(raw)]);
    assert_ne!(stored[0], raw);
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let app = spawn_app().await;
    for (i, next) in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ]
    .into_iter()
    .enumerate()
    {
        // Each login claims a new name: without the cookie, "mallory" is someone else's.
        let name = format!("mallory{i}");
        let res = app
            .post_form(
                "login",
                &[("username", name.as_str()), ("next", next)],
                "/login",
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::FOUND);
        assert_eq!(location(&res), "/", "{next}");
    }
}

#[tokio::test]
async fn invalid_usernames_are_refused_and_no_session_is_made() {
    let app = spawn_app().await;
    let long = "u".repeat(33);
    for name in ["", "  ", long.as_str(), "bad\u{0}name"] {
        let res = app.call("login", &[("username", name)], None).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(session_cookie(&res).is_none());
    }
    assert_eq!(app.count("session").await, 0);
}

#[tokio::test]
async fn sending_needs_a_session_and_valid_text() {
    let app = spawn_app().await;
    let key = app.create_room("Lobby").await;
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hi")],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let forged = "chat_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hi")],
            Some(forged),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let cookie = app.login("alice").await;
    let long = "m".repeat(2001);
    for content in ["", " \n ", long.as_str()] {
        let res = app
            .call(
                "send_message",
                &[("hash_key", &key), ("content", content)],
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = app
        .call(
            "send_message",
            &[("hash_key", "AAAAAAAAAAAAAAAA"), ("content", "hi")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("message").await, 0);

    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hello")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let message: ChatMessage = res.json().await.unwrap();
    assert_eq!(message.username, "alice");
    assert_eq!(message.content, "hello");
    assert_eq!(app.count("message").await, 1);
}

#[tokio::test]
async fn send_as_plain_form_post_returns_to_the_room() {
    let app = spawn_app().await;
    let key = app.create_room("Lobby").await;
    let cookie = app.login("carol").await;
    let room = format!("/chatrooms/{key}/");
    let res = app
        .post_form(
            "send_message",
            &[("hash_key", &key), ("content", "no js")],
            &room,
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    // Leptos strips its error marker from the referer and may leave a bare `?`.
    assert_eq!(
        location(&res).trim_end_matches('?'),
        format!("{}{room}", app.base)
    );
    let page = app
        .get_page(&room, Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("no js"));
}

#[tokio::test]
async fn two_people_see_each_others_messages_in_order() {
    let app = spawn_app().await;
    let key = app.create_room("Pair").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let mut sent = Vec::new();
    for (cookie, text) in [
        (&alice, "hi bob"),
        (&bob, "hi alice"),
        (&alice, "how are you?"),
    ] {
        let res = app
            .call(
                "send_message",
                &[("hash_key", &key), ("content", text)],
                Some(cookie),
            )
            .await;
        sent.push(res.json::<ChatMessage>().await.unwrap());
    }
    let res = app
        .call(
            "messages_before",
            &[("hash_key", &key), ("before", &sent[2].id.to_string())],
            Some(&bob),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let older: Vec<ChatMessage> = res.json().await.unwrap();
    assert_eq!(older, sent[..2].to_vec());
    assert_eq!(older[0].username, "alice");
    assert_eq!(older[1].username, "bob");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let key = app.create_room("Bye").await;
    let cookie = app.login("alice").await;
    // Used once first, so the server knows the session without asking its database.
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "before")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_form("logout", &[], "/", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), "/");
    let cleared = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cleared.starts_with("chat_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(app.count("session").await, 0);
    // The old cookie no longer works, even if a browser kept it.
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "hi")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_name_replaces_the_old_session() {
    let app = spawn_app().await;
    let key = app.create_room("Rename").await;
    let old = app.login("alice").await;
    let res = app
        .call(
            "login",
            &[("username", "alicia"), ("next", "/")],
            Some(&old),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new = session_cookie(&res).unwrap();
    assert_eq!(app.count("session").await, 1);
    let sent = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "renamed")],
            Some(&new),
        )
        .await
        .json::<ChatMessage>()
        .await
        .unwrap();
    assert_eq!(sent.username, "alicia");
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "x")],
            Some(&old),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_refused_form_post_shows_its_own_error() {
    let app = spawn_app().await;
    let _owner = app.login("zelda").await;
    let mut referer = "/login?next=/".to_owned();
    for (name, expected) in [("zelda", "is taken"), ("", "cannot be empty")] {
        let res = app
            .post_form(
                "login",
                &[("username", name), ("next", "/")],
                &referer,
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::FOUND);
        let back = location(&res).trim_start_matches(&app.base).to_owned();
        let flash = flash_cookie(&res).expect("a flash cookie");
        let page = app
            .get_page(&back, Some(&flash))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(expected), "{name:?}: {back}");
        // The next post is made from the page the browser is on now.
        referer = back;
    }
}
