//! Hostile input, driven over HTTP against the running server. Every case must get a clear 4xx
//! or be stored and rendered inert; never a 5xx. Afterwards the database holds exactly what the
//! accepted cases stored.

use crate::support::{location, spawn_app, TestApp};
use reqwest::{Response, StatusCode};

/// Payloads that would run script if a page ever treated text as HTML.
const XSS: &[&str] = &[
    "<script>alert(1337)</script>",
    "<img src=x onerror=alert(1337)>",
    "<svg/onload=alert(1337)>",
    "\"><script>alert(1337)</script>",
    "'><img src=x onerror=alert(1337)>",
    "<iframe src=javascript:alert(1337)>",
    "<a href=\"javascript:alert(1337)\">x</a>",
    "<body onload=alert(1337)>",
    "{{constructor.constructor('alert(1337)')()}}",
    "<math><mi xlink:href=\"javascript:alert(1337)\">x</mi></math>",
    "</textarea><script>alert(1337)</script>",
    "<style>*{display:none}</style>",
    "</title><script>alert(1337)</script>",
];

/// SQL fragments that would break a query built by string concatenation.
const SQL: &[&str] = &[
    "'; DROP TABLE message; --",
    "\" OR 1=1 --",
    "1); DELETE FROM session; --",
    "%' UNION SELECT token FROM session --",
];

/// Tallies the cases and what they stored.
struct Suite {
    app: TestApp,
    cases: usize,
    chats: i64,
    sessions: i64,
    messages: i64,
}

impl Suite {
    fn check(&mut self, what: &str, res: &Response, allowed: &[u16]) {
        self.cases += 1;
        let status = res.status().as_u16();
        assert!(status < 500, "{what}: server error {status}");
        assert!(
            allowed.contains(&status),
            "{what}: got {status}, expected one of {allowed:?}"
        );
    }
}

fn escaped_only(html: &str, payload: &str) -> bool {
    // The raw payload must never appear: with `<` it would be markup.
    !payload.contains('<') || !html.contains(payload)
}

#[tokio::test]
async fn hostile_input_gets_a_4xx_or_is_stored_inert_and_never_a_500() {
    let app = spawn_app().await;
    let key = app.create_room("Target").await;
    let cookie = app.login("defender").await;
    let room = format!("/chatrooms/{key}/");
    assert_eq!(
        app.get_page(&room, Some(&cookie)).await.status(),
        StatusCode::OK
    );
    let mut suite = Suite {
        app,
        cases: 0,
        chats: 1,
        sessions: 1,
        messages: 0,
    };

    // Script and SQL in every field: accepted as text, shown as text.
    for payload in XSS.iter().chain(SQL) {
        let res = suite
            .app
            .call("create_room", &[("name", payload)], None)
            .await;
        suite.check(&format!("room name {payload}"), &res, &[200]);
        let hostile_key: String = res.json().await.unwrap();
        suite.chats += 1;

        let res = suite
            .app
            .call("login", &[("username", payload), ("next", "/")], None)
            .await;
        let status = res.status().as_u16();
        suite.check(&format!("username {payload}"), &res, &[200, 422]);
        let hostile_cookie = crate::support::session_cookie(&res);
        if status == 200 {
            suite.sessions += 1;
        }

        let res = suite
            .app
            .call(
                "send_message",
                &[("hash_key", &key), ("content", payload)],
                Some(&cookie),
            )
            .await;
        suite.check(&format!("message {payload}"), &res, &[200]);
        suite.messages += 1;

        // Rendered: the hostile room's own page, as the hostile user if there is one.
        let viewer = hostile_cookie.as_deref().unwrap_or(&cookie);
        let html = suite
            .app
            .get_page(&format!("/chatrooms/{hostile_key}/"), Some(viewer))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            escaped_only(&html, payload),
            "room page shows raw {payload}"
        );
    }
    let html = suite
        .app
        .get_page(&room, Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    for payload in XSS.iter().chain(SQL) {
        assert!(
            escaped_only(&html, payload),
            "message list shows raw {payload}"
        );
    }
    assert!(
        !html.contains("<a href=\"javascript"),
        "no javascript: links"
    );

    // Oversized and empty fields, empty and broken bodies.
    let long = "a".repeat(10_000);
    for (endpoint, form, expected) in [
        ("create_room", vec![("name", long.as_str())], 422),
        ("login", vec![("username", long.as_str())], 422),
        (
            "send_message",
            vec![("hash_key", key.as_str()), ("content", long.as_str())],
            422,
        ),
        ("create_room", vec![("name", "")], 422),
        ("login", vec![("username", "")], 422),
        (
            "send_message",
            vec![("hash_key", key.as_str()), ("content", "")],
            422,
        ),
        ("create_room", vec![], 400),
        ("login", vec![], 400),
        ("send_message", vec![("hash_key", key.as_str())], 400),
        ("send_message", vec![], 400),
        ("load_room", vec![], 400),
        ("messages_before", vec![("hash_key", key.as_str())], 400),
        (
            "messages_before",
            vec![("hash_key", key.as_str()), ("before", "1e99")],
            400,
        ),
        ("typing", vec![], 400),
    ] {
        let res = suite.app.call(endpoint, &form, Some(&cookie)).await;
        suite.check(
            &format!(
                "{endpoint} {:?}",
                form.iter().map(|f| f.0).collect::<Vec<_>>()
            ),
            &res,
            &[expected],
        );
    }
    let huge = "x".repeat(200 * 1024);
    let res = suite
        .app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", &huge)],
            Some(&cookie),
        )
        .await;
    suite.check("200 KiB body", &res, &[413]);

    // Raw bodies: invalid UTF-8, wrong content type, JSON where a form is expected, no body.
    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            b"hash_key=%FF%FE&content=%C3%28".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, 0x00, 0x41],
        ),
        (
            "application/x-www-form-urlencoded",
            b"content=hi&&&==&hash_key".to_vec(),
        ),
        (
            "application/json",
            b"{\"hash_key\": 1, \"content\": null}".to_vec(),
        ),
        ("text/plain", b"hello".to_vec()),
        ("application/x-www-form-urlencoded", Vec::new()),
    ] {
        let res = suite
            .app
            .client
            .post(format!("{}/api/send_message", suite.app.base))
            .header("content-type", content_type)
            .header("accept", "application/json")
            .header("cookie", &cookie)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        suite.check(
            &format!("raw body {content_type} {body:?}"),
            &res,
            &[400, 404, 415, 422],
        );
    }

    // Control, bidi and zero-width characters.
    for bad in [
        "ad\u{200B}min",
        "\u{202E}nimda",
        "x\u{0}y",
        "a\u{1b}[31mred",
        "bell\u{7}",
        "\u{FEFF}bom",
    ] {
        let res = suite.app.call("login", &[("username", bad)], None).await;
        suite.check(&format!("username {bad:?}"), &res, &[422]);
        let res = suite.app.call("create_room", &[("name", bad)], None).await;
        suite.check(&format!("room name {bad:?}"), &res, &[422]);
    }
    for text in ["\u{202E}reversed", "tab\tand\nnewline", "zero\u{200B}width"] {
        let res = suite
            .app
            .call(
                "send_message",
                &[("hash_key", &key), ("content", text)],
                Some(&cookie),
            )
            .await;
        suite.check(&format!("message {text:?}"), &res, &[200]);
        suite.messages += 1;
    }
    let res = suite
        .app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "nul\u{0}byte")],
            Some(&cookie),
        )
        .await;
    suite.check("message with NUL", &res, &[422]);

    // Forged, malformed and stale session cookies.
    let forged_token = "A".repeat(43);
    let huge_cookie = format!("chat_session={}", "B".repeat(8000));
    for bad_cookie in [
        format!("chat_session={forged_token}"),
        "chat_session=".to_owned(),
        "chat_session=short".to_owned(),
        "chat_session=\"quoted\"".to_owned(),
        "chat_session=%00%00".to_owned(),
        huge_cookie,
        "other=1".to_owned(),
        format!("chat_session={forged_token}; chat_session=also-bad"),
    ] {
        let res = suite
            .app
            .call(
                "send_message",
                &[("hash_key", &key), ("content", "x")],
                Some(&bad_cookie),
            )
            .await;
        suite.check("send with a bad cookie", &res, &[401]);
        let res = suite.app.get_page(&room, Some(&bad_cookie)).await;
        suite.check("room page with a bad cookie", &res, &[302]);
    }
    let stale = suite.app.login("soon-gone").await;
    suite.sessions += 1;
    let res = suite.app.post_form("logout", &[], "/", Some(&stale)).await;
    suite.check("logout", &res, &[302]);
    suite.sessions -= 1;
    let res = suite
        .app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "x")],
            Some(&stale),
        )
        .await;
    suite.check("send with a logged-out cookie", &res, &[401]);

    // `next` that tries to leave the site.
    for (i, next) in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/\r\nLocation: https://evil.example",
        "http:evil.example",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("traveller{i}");
        let res = suite
            .app
            .post_form(
                "login",
                &[("username", name.as_str()), ("next", next)],
                "/login",
                None,
            )
            .await;
        suite.check(&format!("next {next:?}"), &res, &[302]);
        let target = location(&res);
        assert!(
            target.starts_with('/') && !target.starts_with("//"),
            "{next:?} -> {target}"
        );
        assert!(!target.contains('\n') && !target.contains('\r'));
        suite.sessions += 1;
    }

    // Unknown and malformed hash keys, everywhere a key is taken.
    for bad_key in [
        "AAAAAAAAAAAAAAAA",
        "short",
        "../../etc/passwd",
        "%00",
        "aaaaaaaaaaaaaaaa/../x",
    ] {
        let res = suite
            .app
            .get_page(&format!("/chatrooms/{bad_key}/"), Some(&cookie))
            .await;
        suite.check(&format!("page {bad_key}"), &res, &[404]);
        let res = suite
            .app
            .call(
                "send_message",
                &[("hash_key", bad_key), ("content", "x")],
                Some(&cookie),
            )
            .await;
        suite.check(&format!("send to {bad_key}"), &res, &[404]);
        let res = suite
            .app
            .call(
                "messages_before",
                &[("hash_key", bad_key), ("before", "10")],
                Some(&cookie),
            )
            .await;
        suite.check(&format!("history of {bad_key}"), &res, &[404]);
        let res = suite
            .app
            .events_response(bad_key, Some(&cookie), None)
            .await;
        suite.check(&format!("stream of {bad_key}"), &res, &[404]);
    }

    // Malformed chat ids, and a chat this session never joined, on the JSON API.
    let other_key = suite.app.create_room("Never joined").await;
    suite.chats += 1;
    let _ = other_key;
    for id in [
        "-1",
        "0",
        "1e3",
        "0x1",
        "99999999999",
        "1;DROP TABLE chat",
        "%00",
        "3",
    ] {
        let res = suite
            .app
            .client
            .get(format!("{}/chats/{id}/", suite.app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        suite.check(&format!("chat id {id}"), &res, &[404]);
    }
    for query in [
        "after=-5",
        "limit=0",
        "limit=100000",
        "after=abc",
        "after=%FF",
    ] {
        let res = suite
            .app
            .client
            .get(format!("{}/chats/1/?{query}", suite.app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        suite.check(&format!("query {query}"), &res, &[400]);
    }

    // Impersonation: a claimed name, its look-alikes, and hostile passphrases.
    let res = suite
        .app
        .call(
            "login",
            &[
                ("username", "admin"),
                ("passphrase", "the admin's own passphrase"),
            ],
            None,
        )
        .await;
    suite.check("claim admin", &res, &[200]);
    suite.sessions += 1;
    let hash_before = admin_hash(&suite.app).await;
    assert!(hash_before.is_some(), "admin's key is its skeleton");
    for copy in [
        "Admin",
        "ADMIN",
        "\u{430}dmin",
        "adm\u{131}n",
        "\u{ff41}dmin",
        "a d m i n",
        "adrnin",
        "ad\u{200B}min",
        "admin\u{202E}",
        "\u{1d41a}dmin",
    ] {
        for passphrase in [
            "",
            "guessing passphrase",
            "' OR '1'='1' --",
            "<script>x</script>",
        ] {
            let res = suite
                .app
                .call(
                    "login",
                    &[("username", copy), ("passphrase", passphrase)],
                    None,
                )
                .await;
            let allowed: &[u16] = if copy == "a d m i n" {
                &[200, 422]
            } else {
                &[422]
            };
            if res.status() == 200 {
                suite.sessions += 1;
            }
            suite.check(&format!("log in as {copy:?}"), &res, allowed);
        }
    }
    for passphrase in ["pass\u{0}word!", &"p".repeat(10_000)] {
        let res = suite
            .app
            .call(
                "login",
                &[("username", "admin"), ("passphrase", passphrase)],
                None,
            )
            .await;
        suite.check("malformed passphrase", &res, &[422]);
    }
    assert_eq!(
        admin_hash(&suite.app).await,
        hash_before,
        "the claim is untouched"
    );

    // Replayed cross-site posts.
    for (origin, site) in [
        ("https://evil.example", "cross-site"),
        ("http://127.0.0.1:1", "same-site"),
    ] {
        let res = suite
            .app
            .client
            .post(format!("{}/api/send_message", suite.app.base))
            .header("cookie", &cookie)
            .header("origin", origin)
            .header("sec-fetch-site", site)
            .form(&[("hash_key", key.as_str()), ("content", "replayed")])
            .send()
            .await
            .unwrap();
        suite.check("cross-site replay", &res, &[403]);
    }

    assert!(suite.cases >= 100, "only {} cases", suite.cases);
    assert_eq!(suite.app.count("chat").await, suite.chats);
    assert_eq!(suite.app.count("message").await, suite.messages);
    assert_eq!(suite.app.count("session").await, suite.sessions);
    eprintln!("{} hostile cases", suite.cases);
}

/// The stored passphrase hash of the name "admin" (its key folds `m` into `rn`).
async fn admin_hash(app: &TestApp) -> Option<String> {
    let db = app.db().await;
    app::server::claims::find_by_key(&db, "adrnin")
        .await
        .expect("claim query")
        .and_then(|claim| claim.passphrase_hash)
}
