//! The hostile inputs, group by group. Each entry becomes one named test.

use crate::support::{location, session_cookie};
use crate::{case, Case, Fixture, Stored};
use reqwest::Response;

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

/// Names claimed before the cases run (without passphrase), for look-alikes to fail against.
pub const CLAIMED: [&str; 5] = ["Alice", "Bill", "Tom", "Mike", "Nina"];

/// Every case, in the order they run.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    markup_and_sql(&mut cases);
    malformed_fields(&mut cases);
    raw_bodies(&mut cases);
    invisible_characters(&mut cases);
    bad_cookies(&mut cases);
    leaving_the_site(&mut cases);
    bad_keys(&mut cases);
    chat_api(&mut cases);
    impersonation(&mut cases);
    look_alike_capitals(&mut cases);
    forwarded_headers(&mut cases);
    linked_errors(&mut cases);
    cross_site(&mut cases);
    forged_moderation(&mut cases);
    live_heads(&mut cases);
    cases
}

/// The status of `res` if it is one of `allowed` (never a 5xx).
fn status_in(what: &str, res: &Response, allowed: &[u16]) -> Result<u16, String> {
    let status = res.status().as_u16();
    if status >= 500 {
        return Err(format!("{what}: server error {status}"));
    }
    if !allowed.contains(&status) {
        return Err(format!("{what}: got {status}, expected one of {allowed:?}"));
    }
    Ok(status)
}

/// Whether `html` shows `payload` only escaped (the raw text with `<` would be markup).
fn escaped_only(html: &str, payload: &str) -> bool {
    !payload.contains('<') || !html.contains(payload)
}

/// Checks that the page at `path`, seen with `cookie`, shows `payload` only as text.
async fn renders_inert(
    fx: &Fixture,
    path: &str,
    cookie: &str,
    payload: &str,
) -> Result<(), String> {
    let res = fx.app.get_page(path, Some(cookie)).await;
    status_in("the page", &res, &[200])?;
    let html = res.text().await.map_err(|e| e.to_string())?;
    if !escaped_only(&html, payload) {
        return Err(format!("{path} shows the raw payload"));
    }
    if html.contains("<a href=\"javascript") {
        return Err(format!("{path} has a javascript: link"));
    }
    Ok(())
}

const ONE_CHAT: Stored = Stored {
    chats: 1,
    sessions: 0,
    messages: 0,
};
const ONE_SESSION: Stored = Stored {
    chats: 0,
    sessions: 1,
    messages: 0,
};
const ONE_MESSAGE: Stored = Stored {
    chats: 0,
    sessions: 0,
    messages: 1,
};

/// Script and SQL in every field: accepted as text (a name may be refused), shown as text.
fn markup_and_sql(cases: &mut Vec<Case>) {
    for (i, payload) in XSS.iter().chain(SQL).copied().enumerate() {
        cases.push(case("room_name", i, payload, move |fx| async move {
            let res = fx.app.call("create_room", &[("name", payload)], None).await;
            status_in("create_room", &res, &[200])?;
            let key: String = res.json().await.map_err(|e| e.to_string())?;
            renders_inert(fx, &format!("/chatrooms/{key}/"), &fx.viewer, payload).await?;
            Ok(ONE_CHAT)
        }));
        cases.push(case("username", i, payload, move |fx| async move {
            let res = fx
                .app
                .call("login", &[("username", payload), ("next", "/")], None)
                .await;
            if status_in("login", &res, &[200, 422])? == 422 {
                return Ok(Stored::NOTHING);
            }
            let cookie = session_cookie(&res).ok_or("no session cookie")?;
            // The name shows in the room ("You are …", presence).
            renders_inert(fx, &fx.room, &cookie, payload).await?;
            Ok(ONE_SESSION)
        }));
        cases.push(case("message", i, payload, move |fx| async move {
            let res = fx
                .app
                .call(
                    "send_message",
                    &[("hash_key", &fx.key), ("content", payload)],
                    Some(&fx.cookie),
                )
                .await;
            status_in("send_message", &res, &[200])?;
            renders_inert(fx, &fx.room, &fx.cookie, payload).await?;
            Ok(ONE_MESSAGE)
        }));
        // A message's client id is a token, never text: markup or SQL in it is refused.
        cases.push(case("client_id", i, payload, move |fx| async move {
            let res = fx
                .app
                .call(
                    "send_message",
                    &[
                        ("hash_key", fx.key.as_str()),
                        ("content", "hello"),
                        ("client_id", payload),
                    ],
                    Some(&fx.cookie),
                )
                .await;
            status_in("send_message", &res, &[422])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// One form field of a field-level case.
#[derive(Clone, Copy)]
enum Field {
    /// No field besides the room's key (if any).
    Missing,
    /// The named field with this value.
    Text(&'static str, &'static str),
    /// The named field with 10,000 characters.
    Long(&'static str),
}

/// Oversized and empty fields, missing fields, undecodable values: (endpoint, whether the
/// target room's key is sent, the field, the status it must get).
fn malformed_fields(cases: &mut Vec<Case>) {
    let table = [
        ("create_room", false, Field::Long("name"), 422),
        ("login", false, Field::Long("username"), 422),
        ("send_message", true, Field::Long("content"), 422),
        ("create_room", false, Field::Text("name", ""), 422),
        ("login", false, Field::Text("username", ""), 422),
        ("send_message", true, Field::Text("content", ""), 422),
        ("create_room", false, Field::Missing, 400),
        ("login", false, Field::Missing, 400),
        ("send_message", true, Field::Missing, 400),
        ("send_message", false, Field::Missing, 400),
        ("load_room", false, Field::Missing, 400),
        ("messages_before", true, Field::Missing, 400),
        ("messages_before", true, Field::Text("before", "1e99"), 400),
        ("typing", false, Field::Missing, 400),
        ("react_to_message", true, Field::Missing, 400),
        (
            "react_to_message",
            true,
            Field::Text("message_id", "1e99"),
            400,
        ),
        ("edit_message", true, Field::Missing, 400),
    ];
    for (i, (endpoint, with_key, field, expected)) in table.into_iter().enumerate() {
        let what = match field {
            Field::Missing if with_key => format!("{endpoint} only a key"),
            Field::Missing => format!("{endpoint} no fields"),
            Field::Text(name, "") => format!("{endpoint} empty {name}"),
            Field::Text(name, value) => format!("{endpoint} {name} {value}"),
            Field::Long(name) => format!("{endpoint} long {name}"),
        };
        cases.push(case("fields", i, &what, move |fx| async move {
            let long = "a".repeat(10_000);
            let mut form: Vec<(&str, &str)> = match field {
                Field::Missing => vec![],
                Field::Text(name, value) => vec![(name, value)],
                Field::Long(name) => vec![(name, long.as_str())],
            };
            if with_key {
                form.push(("hash_key", &fx.key));
            }
            let res = fx.app.call(endpoint, &form, Some(&fx.cookie)).await;
            status_in(endpoint, &res, &[expected])?;
            Ok(Stored::NOTHING)
        }));
    }
    cases.push(case("fields", 17, "200 KiB body", |fx| async move {
        let huge = "x".repeat(200 * 1024);
        let res = fx
            .app
            .call(
                "send_message",
                &[("hash_key", &fx.key), ("content", &huge)],
                Some(&fx.cookie),
            )
            .await;
        status_in("send_message", &res, &[413])?;
        Ok(Stored::NOTHING)
    }));
}

/// Raw bodies: invalid UTF-8, wrong content type, JSON where a form is expected, no body.
fn raw_bodies(cases: &mut Vec<Case>) {
    let form = "application/x-www-form-urlencoded";
    let bodies: [(&str, &str, &[u8]); 6] = [
        (
            "bad percent-encoded UTF-8",
            form,
            b"hash_key=%FF%FE&content=%C3%28",
        ),
        ("raw invalid UTF-8", form, &[0xff, 0xfe, 0x00, 0x41]),
        ("broken pairs", form, b"content=hi&&&==&hash_key"),
        (
            "json body",
            "application/json",
            b"{\"hash_key\": 1, \"content\": null}",
        ),
        ("plain text", "text/plain", b"hello"),
        ("empty form", form, b""),
    ];
    for (i, (what, content_type, body)) in bodies.into_iter().enumerate() {
        cases.push(case("raw_body", i, what, move |fx| async move {
            let res = fx
                .app
                .client
                .post(format!("{}/api/send_message", fx.app.base))
                .header("content-type", content_type)
                .header("accept", "application/json")
                .header("cookie", &fx.cookie)
                .body(body.to_vec())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("send_message", &res, &[400, 404, 415, 422])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// Control, bidi and zero-width characters: refused in names, kept (shown isolated) in messages.
fn invisible_characters(cases: &mut Vec<Case>) {
    let refused_in_names = [
        ("zero width space", "ad\u{200B}min"),
        ("right to left override", "\u{202E}nimda"),
        ("nul", "x\u{0}y"),
        ("ansi escape", "a\u{1b}[31mred"),
        ("bell", "bell\u{7}"),
        ("byte order mark", "\u{FEFF}bom"),
        ("arabic letter mark", "ab\u{061C}cd"),
        ("word joiner", "ab\u{2060}cd"),
        ("hangul filler", "ab\u{3164}cd"),
        ("tag letter", "ab\u{E0041}cd"),
    ];
    for (i, (what, name)) in refused_in_names.into_iter().enumerate() {
        cases.push(case(
            "invisible_in_username",
            i,
            what,
            move |fx| async move {
                let res = fx.app.call("login", &[("username", name)], None).await;
                status_in("login", &res, &[422])?;
                Ok(Stored::NOTHING)
            },
        ));
        cases.push(case(
            "invisible_in_room_name",
            i,
            what,
            move |fx| async move {
                let res = fx.app.call("create_room", &[("name", name)], None).await;
                status_in("create_room", &res, &[422])?;
                Ok(Stored::NOTHING)
            },
        ));
    }
    let messages = [
        ("right to left override", "\u{202E}reversed", 200),
        ("tab and newline", "tab\tand\nnewline", 200),
        ("zero width space", "zero\u{200B}width", 200),
        ("nul", "nul\u{0}byte", 422),
    ];
    for (i, (what, text, expected)) in messages.into_iter().enumerate() {
        cases.push(case(
            "invisible_in_message",
            i,
            what,
            move |fx| async move {
                let res = fx
                    .app
                    .call(
                        "send_message",
                        &[("hash_key", &fx.key), ("content", text)],
                        Some(&fx.cookie),
                    )
                    .await;
                status_in("send_message", &res, &[expected])?;
                Ok(if expected == 200 {
                    ONE_MESSAGE
                } else {
                    Stored::NOTHING
                })
            },
        ));
    }
}

/// Forged, malformed and stale session cookies: not logged in, nothing stored.
fn bad_cookies(cases: &mut Vec<Case>) {
    let forged = "A".repeat(43);
    let cookies = [
        ("forged token", format!("chat_session={forged}")),
        ("empty", "chat_session=".to_owned()),
        ("short", "chat_session=short".to_owned()),
        ("quoted", "chat_session=\"quoted\"".to_owned()),
        ("percent nul", "chat_session=%00%00".to_owned()),
        ("8000 bytes", format!("chat_session={}", "B".repeat(8000))),
        ("another cookie only", "other=1".to_owned()),
        (
            "twice",
            format!("chat_session={forged}; chat_session=also-bad"),
        ),
    ];
    for (i, (what, cookie)) in cookies.into_iter().enumerate() {
        let for_page = cookie.clone();
        cases.push(case("bad_cookie_send", i, what, move |fx| {
            let cookie = cookie.clone();
            async move {
                let res = fx
                    .app
                    .call(
                        "send_message",
                        &[("hash_key", &fx.key), ("content", "x")],
                        Some(&cookie),
                    )
                    .await;
                status_in("send_message", &res, &[401])?;
                Ok(Stored::NOTHING)
            }
        }));
        cases.push(case("bad_cookie_page", i, what, move |fx| {
            let cookie = for_page.clone();
            async move {
                let res = fx.app.get_page(&fx.room, Some(&cookie)).await;
                status_in("room page", &res, &[302])?;
                Ok(Stored::NOTHING)
            }
        }));
    }
    cases.push(case("bad_cookie_send", 8, "logged out", |fx| async move {
        let stale = fx.app.login("soon-gone").await;
        let res = fx.app.post_form("logout", &[], "/", Some(&stale)).await;
        status_in("logout", &res, &[302])?;
        let res = fx
            .app
            .call(
                "send_message",
                &[("hash_key", &fx.key), ("content", "x")],
                Some(&stale),
            )
            .await;
        status_in("send_message", &res, &[401])?;
        Ok(Stored::NOTHING)
    }));
}

/// A `next` that tries to leave the site: the login works and stays on the site.
fn leaving_the_site(cases: &mut Vec<Case>) {
    let targets = [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/\r\nLocation: https://evil.example",
        "http:evil.example",
    ];
    for (i, next) in targets.into_iter().enumerate() {
        cases.push(case("next", i, next, move |fx| async move {
            let name = format!("traveller{i}");
            let res = fx
                .app
                .post_form(
                    "login",
                    &[("username", name.as_str()), ("next", next)],
                    "/login",
                    None,
                )
                .await;
            status_in("login", &res, &[302])?;
            let target = location(&res);
            if !target.starts_with('/') || target.starts_with("//") {
                return Err(format!("redirected off the site: {target}"));
            }
            if target.contains('\n') || target.contains('\r') {
                return Err(format!("a line break in the redirect: {target:?}"));
            }
            Ok(ONE_SESSION)
        }));
    }
}

/// Unknown and malformed hash keys, everywhere a key is taken: the same 404.
fn bad_keys(cases: &mut Vec<Case>) {
    let keys = [
        "AAAAAAAAAAAAAAAA",
        "short",
        "../../etc/passwd",
        "%00",
        "aaaaaaaaaaaaaaaa/../x",
    ];
    for (i, bad) in keys.into_iter().enumerate() {
        cases.push(case("bad_key_page", i, bad, move |fx| async move {
            let res = fx
                .app
                .get_page(&format!("/chatrooms/{bad}/"), Some(&fx.cookie))
                .await;
            status_in("room page", &res, &[404])?;
            Ok(Stored::NOTHING)
        }));
        cases.push(case("bad_key_send", i, bad, move |fx| async move {
            let res = fx
                .app
                .call(
                    "send_message",
                    &[("hash_key", bad), ("content", "x")],
                    Some(&fx.cookie),
                )
                .await;
            status_in("send_message", &res, &[404])?;
            Ok(Stored::NOTHING)
        }));
        cases.push(case("bad_key_history", i, bad, move |fx| async move {
            let res = fx
                .app
                .call(
                    "messages_before",
                    &[("hash_key", bad), ("before", "10")],
                    Some(&fx.cookie),
                )
                .await;
            status_in("messages_before", &res, &[404])?;
            Ok(Stored::NOTHING)
        }));
        cases.push(case("bad_key_stream", i, bad, move |fx| async move {
            let res = fx.app.events_response(bad, Some(&fx.cookie), None).await;
            status_in("live stream", &res, &[404])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// Malformed chat ids, a chat this session never joined, and bad paging on the JSON API.
fn chat_api(cases: &mut Vec<Case>) {
    // Chat 1 is the target room; 3 was made by a `room_name` case and only the viewer opened it.
    let ids = [
        "-1",
        "0",
        "1e3",
        "0x1",
        "99999999999",
        "1;DROP TABLE chat",
        "%00",
        "3",
    ];
    for (i, id) in ids.into_iter().enumerate() {
        cases.push(case("chat_id", i, id, move |fx| async move {
            let res = fx
                .app
                .client
                .get(format!("{}/chats/{id}/", fx.app.base))
                .header("cookie", &fx.cookie)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("chats API", &res, &[404])?;
            Ok(Stored::NOTHING)
        }));
    }
    let queries = [
        "after=-5",
        "limit=0",
        "limit=100000",
        "after=abc",
        "after=%FF",
    ];
    for (i, query) in queries.into_iter().enumerate() {
        cases.push(case("chat_query", i, query, move |fx| async move {
            let res = fx
                .app
                .client
                .get(format!("{}/chats/1/?{query}", fx.app.base))
                .header("cookie", &fx.cookie)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("chats API", &res, &[400])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// The stored passphrase hash of the name "admin" (its key folds `m` into `rn`).
async fn admin_hash(fx: &Fixture) -> Result<Option<String>, String> {
    let claim = backend::identity::claims::find_by_key(&fx.app.db().await, "adrnin")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("admin's claim is gone")?;
    Ok(claim.passphrase_hash)
}

/// A claimed name ("admin", with a passphrase), its look-alikes and hostile passphrases: none
/// gets in, and the claim stays as it was.
fn impersonation(cases: &mut Vec<Case>) {
    let copies = [
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
    ];
    let passphrases = [
        "",
        "guessing passphrase",
        "' OR '1'='1' --",
        "<script>x</script>",
    ];
    let mut i = 0;
    for copy in copies {
        for passphrase in passphrases {
            let what = format!("{copy} {passphrase}");
            cases.push(case("impersonate", i, &what, move |fx| async move {
                let before = admin_hash(fx).await?;
                let res = fx
                    .app
                    .call(
                        "login",
                        &[("username", copy), ("passphrase", passphrase)],
                        None,
                    )
                    .await;
                // "a d m i n" is another name (spaces count), unless its passphrase is too short.
                let allowed: &[u16] = if copy == "a d m i n" {
                    &[200, 422]
                } else {
                    &[422]
                };
                let status = status_in("login", &res, allowed)?;
                if admin_hash(fx).await? != before {
                    return Err("admin's claim changed".into());
                }
                Ok(if status == 200 {
                    ONE_SESSION
                } else {
                    Stored::NOTHING
                })
            }));
            i += 1;
        }
    }
    let malformed = [
        ("nul", "pass\u{0}word!".to_owned()),
        ("10000 characters", "p".repeat(10_000)),
    ];
    for (j, (what, passphrase)) in malformed.into_iter().enumerate() {
        cases.push(case("malformed_passphrase", j, what, move |fx| {
            let passphrase = passphrase.clone();
            async move {
                let before = admin_hash(fx).await?;
                let res = fx
                    .app
                    .call(
                        "login",
                        &[("username", "admin"), ("passphrase", &passphrase)],
                        None,
                    )
                    .await;
                status_in("login", &res, &[422])?;
                if admin_hash(fx).await? != before {
                    return Err("admin's claim changed".into());
                }
                Ok(Stored::NOTHING)
            }
        }));
    }
}

/// Look-alikes of [`CLAIMED`] names that differ in case, script or compatibility form: each
/// refused, nothing stored.
fn look_alike_capitals(cases: &mut Vec<Case>) {
    let copies = [
        ("capital I for l", "AIice"),
        ("capitals I for l", "BiII"),
        ("Cyrillic capital Te", "\u{422}om"),
        ("Cyrillic capital Em", "\u{41C}ike"),
        ("Greek capital Nu", "\u{39D}ina"),
        ("all Cyrillic capitals", "\u{422}\u{41E}\u{41C}"),
        ("all Greek small", "\u{3BD}\u{3B9}\u{3BD}\u{3B1}"),
        ("l for capital I", "Mlke"),
        ("vertical bar form", "A\u{FE31}ice"),
        ("capitals", "ALICE"),
        ("digit one for l", "Bi11"),
    ];
    for (i, (what, copy)) in copies.into_iter().enumerate() {
        cases.push(case("look_alike", i, what, move |fx| async move {
            let res = fx.app.call("login", &[("username", copy)], None).await;
            status_in("login", &res, &[422])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// `X-Forwarded-*` from a client that is not a trusted proxy (the default): ignored.
fn forwarded_headers(cases: &mut Vec<Case>) {
    cases.push(case(
        "forwarded",
        0,
        "host in the share link",
        |fx| async move {
            let res = fx
                .app
                .client
                .get(format!("{}{}", fx.app.base, fx.room))
                .header("accept", "text/html")
                .header("cookie", &fx.cookie)
                .header("x-forwarded-host", "evil.example")
                .header("x-forwarded-proto", "https")
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("room page", &res, &[200])?;
            let html = res.text().await.map_err(|e| e.to_string())?;
            if html.contains("evil.example") {
                return Err("the share link names the forwarded host".into());
            }
            let own = format!("{}{}", fx.app.base, fx.room);
            if !html.contains(&own) {
                return Err(format!("the share link is not {own}"));
            }
            Ok(Stored::NOTHING)
        },
    ));
    cases.push(case(
        "forwarded",
        1,
        "host to pass the origin check",
        |fx| async move {
            let res = fx
                .app
                .client
                .post(format!("{}/api/send_message", fx.app.base))
                .header("cookie", &fx.cookie)
                .header("origin", "http://evil.example")
                .header("x-forwarded-host", "evil.example")
                .form(&[("hash_key", fx.key.as_str()), ("content", "forwarded")])
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("send_message", &res, &[403])?;
            Ok(Stored::NOTHING)
        },
    ));
}

/// Error text carried in a link (`__err`, as Leptos writes it for forms without JavaScript):
/// never shown; only errors this browser's own post produced are.
fn linked_errors(cases: &mut Vec<Case>) {
    use base64::Engine;
    let forged = [
        ("login page", "/login?next=/&__path=/api/login&__err="),
        ("home page", "/?__path=/api/create_room&__err="),
        ("room page", "ROOM?__path=/api/send_message&__err="),
    ];
    for (i, (what, link)) in forged.into_iter().enumerate() {
        cases.push(case("linked_error", i, what, move |fx| async move {
            let text = r#"{"Invalid":"Your account is locked: call +1 555 0100"}"#;
            let encoded = base64::engine::general_purpose::URL_SAFE.encode(text);
            let link = link.replace("ROOM", &fx.room);
            let res = fx
                .app
                .get_page(&format!("{link}{encoded}"), Some(&fx.cookie))
                .await;
            status_in("page", &res, &[200])?;
            let html = res.text().await.map_err(|e| e.to_string())?;
            if html.contains("call +1 555 0100") {
                return Err("the page shows text from the link".into());
            }
            Ok(Stored::NOTHING)
        }));
    }
}

/// Replayed cross-site posts: refused before anything runs.
fn cross_site(cases: &mut Vec<Case>) {
    let senders = [
        ("https://evil.example", "cross-site"),
        ("http://127.0.0.1:1", "same-site"),
    ];
    for (i, (origin, site)) in senders.into_iter().enumerate() {
        cases.push(case("cross_site", i, origin, move |fx| async move {
            let res = fx
                .app
                .client
                .post(format!("{}/api/send_message", fx.app.base))
                .header("cookie", &fx.cookie)
                .header("origin", origin)
                .header("sec-fetch-site", site)
                .form(&[("hash_key", fx.key.as_str()), ("content", "replayed")])
                .send()
                .await
                .map_err(|e| e.to_string())?;
            status_in("send_message", &res, &[403])?;
            Ok(Stored::NOTHING)
        }));
    }
}

/// Moderation requests from people without a role (a member of the room, and someone who never
/// opened it), with well-formed and hostile arguments: refused, and no moderation row changes.
fn forged_moderation(cases: &mut Vec<Case>) {
    let requests: &[(&str, &[(&str, &str)])] = &[
        ("mod/delete_message", &[("message_id", "1")]),
        ("mod/delete_message", &[("message_id", "-1")]),
        ("mod/delete_message", &[("message_id", "1 OR 1=1")]),
        ("mod/remove", &[("username", "defender")]),
        (
            "mod/ban",
            &[("username", "defender"), ("delete_messages", "on")],
        ),
        ("mod/ban", &[("username", "<script>alert(1337)</script>")]),
        ("mod/ban", &[("username", "'; DROP TABLE room_ban; --")]),
        ("mod/lift_ban", &[("ban_id", "1")]),
        ("mod/bans", &[]),
        ("mod/log", &[]),
        ("mod/lock", &[("locked", "true")]),
        ("mod/slow_mode", &[("seconds", "300")]),
        ("mod/slow_mode", &[("seconds", "-1")]),
        ("mod/rename", &[("name", "pwned")]),
        ("mod/rotate_link", &[]),
        ("mod/retention", &[("retention", "day")]),
        ("mod/make_moderator", &[("username", "defender")]),
        ("mod/make_moderator", &[("username", "viewer")]),
        ("mod/revoke_moderator", &[("username", "admin")]),
        ("mod/transfer", &[("username", "defender")]),
        ("mod/delete_room", &[("confirm", "delete")]),
    ];
    let mut index = 0;
    for (endpoint, args) in requests {
        for forger in ["member", "stranger"] {
            let input = format!("{forger} {endpoint} {args:?}");
            let (endpoint, args) = (*endpoint, *args);
            cases.push(case(
                "forged_moderation",
                index,
                &input,
                move |fx| async move {
                    let cookie = if forger == "member" {
                        &fx.cookie
                    } else {
                        &fx.viewer
                    };
                    let before = moderation_rows(fx).await?;
                    let mut form = vec![("hash_key", fx.key.as_str())];
                    form.extend_from_slice(args);
                    let res = fx.app.call(endpoint, &form, Some(cookie)).await;
                    status_in(endpoint, &res, &[400, 403, 422])?;
                    let after = moderation_rows(fx).await?;
                    if before != after {
                        return Err(format!("moderation rows changed: {before} -> {after}"));
                    }
                    Ok(Stored::NOTHING)
                },
            ));
            index += 1;
        }
    }
    // A moderation request for a room key that is not one: nothing to act on.
    for (i, key) in ["../../etc/passwd", "AAAAAAAAAAAAAAAA", ""]
        .into_iter()
        .enumerate()
    {
        cases.push(case(
            "forged_moderation_key",
            i,
            key,
            move |fx| async move {
                let res = fx
                    .app
                    .call(
                        "mod/lock",
                        &[("hash_key", key), ("locked", "true")],
                        Some(&fx.cookie),
                    )
                    .await;
                status_in("mod/lock", &res, &[404])?;
                Ok(Stored::NOTHING)
            },
        ));
    }
}

/// Every row a moderation action could change, as text.
async fn moderation_rows(fx: &Fixture) -> Result<String, String> {
    use sea_orm::ConnectionTrait;
    let mut out = String::new();
    for sql in [
        "SELECT COUNT(*) AS n FROM room_ban",
        "SELECT COUNT(*) AS n FROM room_role",
        "SELECT COUNT(*) AS n FROM retired_link",
        "SELECT COUNT(*) AS n FROM moderation_log",
        "SELECT COUNT(*) AS n FROM membership",
        "SELECT COUNT(*) AS n FROM claim_room",
        "SELECT COUNT(*) AS n FROM message WHERE deleted_by IS NOT NULL",
        "SELECT COUNT(*) AS n FROM chat WHERE locked OR slow_mode_secs > 0 OR retention_days IS NOT NULL OR name = 'pwned'",
    ] {
        let row = fx
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                fx.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no row")?;
        let n: i64 = row.try_get("", "n").map_err(|e| e.to_string())?;
        out += &format!("{n} ");
    }
    Ok(out)
}

/// Live-stream requests written by hand: the lean path reads heads as hyper does (bare-LF line
/// ends, percent-encoded key and position, the same limits), and a head split over packets
/// (served by hyper) gets the same answer.
fn live_heads(cases: &mut Vec<Case>) {
    type Head = fn(&Fixture) -> Vec<Vec<u8>>;
    let heads: &[(&str, Head, &str)] = &[
        (
            "crlf head",
            |fx| vec![head(fx, "\r\n", &fx.key, "0", 0)],
            "200",
        ),
        (
            "bare lf head",
            |fx| vec![head(fx, "\n", &fx.key, "0", 0)],
            "200",
        ),
        (
            "percent encoded key",
            |fx| vec![head(fx, "\r\n", &percent_all(&fx.key), "0", 0)],
            "200",
        ),
        (
            "percent encoded after",
            |fx| vec![head(fx, "\r\n", &fx.key, "%31", 0)],
            "200",
        ),
        (
            "negative after",
            |fx| vec![head(fx, "\r\n", &fx.key, "-1", 0)],
            "400",
        ),
        (
            "101 header lines",
            |fx| vec![head(fx, "\r\n", &fx.key, "0", 101)],
            "431",
        ),
        (
            "17 KiB of headers",
            |fx| {
                let mut h = head(fx, "\r\n", &fx.key, "0", 0);
                let pad = format!("X-Pad: {}\r\n\r\n", "a".repeat(17 * 1024));
                h.truncate(h.len() - 2);
                h.extend_from_slice(pad.as_bytes());
                vec![h]
            },
            "431",
        ),
        (
            "no cookie",
            |fx| {
                vec![format!(
                    "GET /chatrooms/{}/events HTTP/1.1\r\nHost: x\r\n\r\n",
                    fx.key
                )
                .into_bytes()]
            },
            "401",
        ),
        (
            "head split over two packets",
            |fx| {
                let whole = head(fx, "\r\n", &fx.key, "0", 0);
                let (a, b) = whole.split_at(20);
                vec![a.to_vec(), b.to_vec()]
            },
            "200",
        ),
        (
            "split head without cookie",
            |fx| {
                let whole = format!(
                    "GET /chatrooms/{}/events HTTP/1.1\r\nHost: x\r\n\r\n",
                    fx.key
                );
                let (a, b) = whole.as_bytes().split_at(20);
                vec![a.to_vec(), b.to_vec()]
            },
            "401",
        ),
    ];
    for (i, (name, build, want)) in heads.iter().enumerate() {
        let (build, want) = (*build, *want);
        cases.push(case("live_head", i, name, move |fx| async move {
            let status = status_of_raw(fx, build(fx)).await?;
            if status != want {
                return Err(format!("answered {status}, expected {want}"));
            }
            Ok(Stored::NOTHING)
        }));
    }
}

/// A live request head for the fixture's room as the defender, with `extra` filler headers.
fn head(fx: &Fixture, end: &str, key: &str, after: &str, extra: usize) -> Vec<u8> {
    let mut text = format!(
        "GET /chatrooms/{key}/events?after={after} HTTP/1.1{end}Host: x{end}Cookie: {}{end}",
        fx.cookie
    );
    for n in 0..extra {
        text += &format!("X-Filler-{n}: 1{end}");
    }
    text += end;
    text.into_bytes()
}

/// Every character of `text` as a `%XX` escape.
fn percent_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Writes `packets` (with a pause between them) on a new connection and returns the status
/// code of the answer's first line.
async fn status_of_raw(fx: &Fixture, packets: Vec<Vec<u8>>) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = fx.app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    for (n, packet) in packets.iter().enumerate() {
        if n > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        stream.write_all(packet).await.map_err(|e| e.to_string())?;
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 256];
    let read = async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
        Ok::<(), String>(())
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .map_err(|_| "no answer within 5 s".to_owned())??;
    let line = String::from_utf8_lossy(&answer).into_owned();
    Ok(line.split(' ').nth(1).unwrap_or("none").to_owned())
}
