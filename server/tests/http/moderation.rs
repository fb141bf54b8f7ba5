//! Room owners and moderation: the role matrix (every action by owner, moderator, member,
//! banned person and stranger), ban evasion, lock, link rotation, slow mode, retention, room
//! deletion, and changes reaching live pages (also pages that were offline when they happened).

use crate::support::{location, scalar, spawn_app, spawn_proxied_app, TestApp};
use backend::store::entities::message;
use reqwest::{header, Response, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// The session and browser cookies of a login, ready for a `Cookie` header.
fn cookies_of(res: &Response) -> String {
    let pairs: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("chat_session=") || v.starts_with("chat_browser="))
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect();
    pairs.join("; ")
}

/// The `chat_browser=...` pair among `cookies`.
fn browser_of(cookies: &str) -> String {
    cookies
        .split("; ")
        .find(|pair| pair.starts_with("chat_browser="))
        .expect("a browser cookie")
        .to_owned()
}

/// Logs in as `username` in a new browser (or in `browser`, a `chat_browser=...` pair);
/// returns the cookies of both.
async fn login(app: &TestApp, username: &str, browser: Option<&str>, from: &str) -> String {
    let res = app
        .call_with(
            "login",
            &[("username", username), ("next", "/")],
            browser,
            &[("x-forwarded-for", from)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "login as {username}");
    let fresh = cookies_of(&res);
    match browser {
        Some(browser) if !fresh.contains("chat_browser=") => format!("{fresh}; {browser}"),
        _ => fresh,
    }
}

/// Opens the room page (as a browser would), which makes the session a member.
async fn open(app: &TestApp, key: &str, cookies: &str, from: &str) -> Response {
    app.client
        .get(format!("{}/chatrooms/{key}/", app.base))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookies)
        .header("x-forwarded-for", from)
        .send()
        .await
        .expect("request")
}

/// A room with one person of each standing.
struct Cast {
    key: String,
    owner: String,
    moderator: String,
    member: String,
    banned: String,
    stranger: String,
    /// Name suffix of this cast (names are unique per app).
    tag: usize,
    /// A message by the member.
    message_id: i64,
}

impl Cast {
    fn name(&self, role: &str) -> String {
        format!("{role}{}", self.tag)
    }
}

static NEXT_TAG: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(2);

const HOME: &str = "198.51.100.7";

/// Sets up a room: the owner creates it, a moderator, a member and someone later banned join,
/// a stranger logs in without ever opening it.
async fn cast(app: &TestApp) -> Cast {
    let tag = NEXT_TAG.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let owner = login(app, &format!("owner{tag}"), None, HOME).await;
    let res = app
        .call_with("create_room", &[("name", "Moderated")], Some(&owner), &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let key: String = res.json().await.unwrap();
    assert_eq!(open(app, &key, &owner, HOME).await.status(), StatusCode::OK);
    let mut people = Vec::new();
    for role in ["moderator", "member", "banned"] {
        let cookies = login(app, &format!("{role}{tag}"), None, HOME).await;
        assert_eq!(
            open(app, &key, &cookies, HOME).await.status(),
            StatusCode::OK
        );
        people.push(cookies);
    }
    let stranger = login(app, &format!("stranger{tag}"), None, HOME).await;
    let [moderator, member, banned] = <[String; 3]>::try_from(people).unwrap();
    let cast = Cast {
        key,
        owner,
        moderator,
        member,
        banned,
        stranger,
        tag,
        message_id: 0,
    };
    let ok = act(
        app,
        &cast,
        Act::MakeModerator(cast.name("moderator")),
        &cast.owner,
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text().await.unwrap());
    let ok = act(app, &cast, Act::Ban(cast.name("banned")), &cast.owner).await;
    assert_eq!(ok.status(), StatusCode::OK, "{}", ok.text().await.unwrap());
    let message_id = app
        .send(&cast.key, &cast.member, "hello from the member")
        .await;
    Cast { message_id, ..cast }
}

/// A moderation action and its arguments.
#[derive(Debug, Clone)]
enum Act {
    DeleteMessage(i64),
    Remove(String),
    Ban(String),
    Bans,
    LiftBan,
    Lock,
    SlowMode,
    Rename,
    Rotate,
    Retention,
    MakeModerator(String),
    RevokeModerator(String),
    Transfer(String),
    DeleteRoom,
    Log,
}

async fn act(app: &TestApp, cast: &Cast, act: Act, cookies: &str) -> Response {
    let key = cast.key.as_str();
    let ban_id = match act {
        Act::LiftBan => first_ban_id(app, key).await.to_string(),
        _ => String::new(),
    };
    let message_id = match &act {
        Act::DeleteMessage(id) => id.to_string(),
        _ => String::new(),
    };
    let (endpoint, form): (&str, Vec<(&str, &str)>) = match &act {
        Act::DeleteMessage(_) => ("mod/delete_message", vec![("message_id", &message_id)]),
        Act::Remove(name) => ("mod/remove", vec![("username", name)]),
        Act::Ban(name) => ("mod/ban", vec![("username", name)]),
        Act::Bans => ("mod/bans", vec![]),
        Act::LiftBan => ("mod/lift_ban", vec![("ban_id", &ban_id)]),
        Act::Lock => ("mod/lock", vec![("locked", "true")]),
        Act::SlowMode => ("mod/slow_mode", vec![("seconds", "30")]),
        Act::Rename => ("mod/rename", vec![("name", "Renamed")]),
        Act::Rotate => ("mod/rotate_link", vec![]),
        Act::Retention => ("mod/retention", vec![("retention", "week")]),
        Act::MakeModerator(name) => ("mod/make_moderator", vec![("username", name)]),
        Act::RevokeModerator(name) => ("mod/revoke_moderator", vec![("username", name)]),
        Act::Transfer(name) => ("mod/transfer", vec![("username", name)]),
        Act::DeleteRoom => ("mod/delete_room", vec![("confirm", "delete")]),
        Act::Log => ("mod/log", vec![]),
    };
    let mut form = form;
    form.push(("hash_key", key));
    app.call_with(endpoint, &form, Some(cookies), &[("x-forwarded-for", HOME)])
        .await
}

async fn first_ban_id(app: &TestApp, key: &str) -> i64 {
    let db = app.db().await;
    let sql = format!(
        "SELECT CAST(COALESCE(MIN(b.id), 0) AS BIGINT) AS n FROM room_ban b JOIN chat c ON c.id = b.chat_id \
         WHERE c.hash_key = '{key}'"
    );
    scalar::<i64>(&db, &sql).await
}

/// Everything a moderation action could change, as text.
async fn snapshot(db: &sea_orm::DatabaseConnection) -> String {
    let mut out = String::new();
    for table in [
        "chat",
        "message",
        "room_ban",
        "room_role",
        "retired_link",
        "moderation_log",
        "membership",
        "claim_room",
    ] {
        out += &format!("{table}={} ", crate::support::count_rows(db, table).await);
    }
    for sql in [
        "SELECT COUNT(*) AS n FROM message WHERE deleted_by IS NOT NULL",
        "SELECT COUNT(*) AS n FROM chat WHERE locked",
        "SELECT CAST(COALESCE(SUM(slow_mode_secs), 0) AS BIGINT) AS n FROM chat",
        "SELECT CAST(COALESCE(SUM(retention_days), 0) AS BIGINT) AS n FROM chat",
        "SELECT COUNT(*) AS n FROM chat WHERE name = 'Renamed'",
        "SELECT COUNT(*) AS n FROM room_role WHERE role = 'owner'",
        "SELECT COUNT(*) AS n FROM room_role WHERE role = 'moderator'",
    ] {
        out += &format!("{}; ", scalar::<i64>(db, sql).await);
    }
    out
}

/// Who may do what: the role matrix the server enforces.
fn allowed(act: &Act) -> &'static [&'static str] {
    match act {
        Act::Retention
        | Act::MakeModerator(_)
        | Act::RevokeModerator(_)
        | Act::Transfer(_)
        | Act::DeleteRoom => &["owner"],
        _ => &["owner", "moderator"],
    }
}

fn acts(cast: &Cast) -> Vec<Act> {
    vec![
        Act::DeleteMessage(cast.message_id),
        Act::Remove(cast.name("member")),
        Act::Ban(cast.name("member")),
        Act::Bans,
        Act::LiftBan,
        Act::Lock,
        Act::SlowMode,
        Act::Rename,
        Act::Rotate,
        Act::Retention,
        Act::MakeModerator(cast.name("member")),
        Act::RevokeModerator(cast.name("moderator")),
        Act::Transfer(cast.name("member")),
        Act::DeleteRoom,
        Act::Log,
    ]
}

fn reads_only(act: &Act) -> bool {
    matches!(act, Act::Bans | Act::Log)
}

#[tokio::test]
async fn every_action_is_checked_against_the_role_matrix() {
    let app = spawn_proxied_app().await;
    let db = app.db().await;
    let count = acts(&cast(&app).await).len();
    for index in 0..count {
        // Refusals first, each on the same room: nothing may change.
        let room = cast(&app).await;
        let act_now = acts(&room)[index].clone();
        let before = snapshot(&db).await;
        for (who, cookies) in [
            ("moderator", &room.moderator),
            ("member", &room.member),
            ("banned", &room.banned),
            ("stranger", &room.stranger),
        ] {
            if allowed(&act_now).contains(&who) {
                continue;
            }
            let res = act(&app, &room, act_now.clone(), cookies).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {act_now:?}: {body}");
            let expected = if who == "banned" {
                "Banned"
            } else {
                "Only the room's"
            };
            assert!(body.contains(expected), "{who} {act_now:?}: {body}");
            assert_eq!(
                snapshot(&db).await,
                before,
                "{who} {act_now:?} changed something"
            );
        }
        // Then each allowed role on a room of its own: it works, and it changes something.
        for who in allowed(&act_now) {
            let room = cast(&app).await;
            let act_now = acts(&room)[index].clone();
            let cookies = if *who == "owner" {
                &room.owner
            } else {
                &room.moderator
            };
            let before = snapshot(&db).await;
            let res = act(&app, &room, act_now.clone(), cookies).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{who} {act_now:?}: {body}");
            if reads_only(&act_now) {
                assert!(body.starts_with('['), "{who} {act_now:?}: {body}");
            } else {
                assert_ne!(
                    snapshot(&db).await,
                    before,
                    "{who} {act_now:?} changed nothing"
                );
            }
        }
    }
}

#[tokio::test]
async fn nobody_acts_on_themselves_or_on_equal_or_higher_rank() {
    let app = spawn_proxied_app().await;
    let db = app.db().await;
    let room = cast(&app).await;
    let owner = room.name("owner");
    let moderator = room.name("moderator");
    let before = snapshot(&db).await;
    for (cookies, act_now) in [
        (&room.moderator, Act::Ban(owner.clone())),
        (&room.moderator, Act::Remove(owner.clone())),
        (&room.moderator, Act::Remove(moderator.clone())),
        (&room.owner, Act::Ban(owner.clone())),
        (&room.owner, Act::Transfer(owner.clone())),
    ] {
        let res = act(&app, &room, act_now.clone(), cookies).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{act_now:?}: {body}");
        assert!(body.contains("You cannot do that to"), "{body}");
    }
    assert_eq!(snapshot(&db).await, before);
    // A moderator made by another moderator? Only the owner names moderators.
    let res = act(
        &app,
        &room,
        Act::MakeModerator(room.name("member")),
        &room.moderator,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_ban_survives_new_names_new_sessions_other_addresses_and_look_alikes() {
    let app = spawn_proxied_app().await;
    let room = cast(&app).await;
    let elsewhere = "203.0.113.50";
    let troll = login(&app, "Trolly", None, "192.0.2.66").await;
    // The troll set a passphrase, so the name can be used from any browser.
    let res = app
        .call_with(
            "login",
            &[
                ("username", "Trolly"),
                ("passphrase", "correct horse battery"),
                ("next", "/"),
            ],
            Some(&troll),
            &[("x-forwarded-for", "192.0.2.66")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let troll = format!(
        "{}; {}",
        cookies_of(&res).split("; ").next().unwrap(),
        browser_of(&troll)
    );
    assert_eq!(
        open(&app, &room.key, &troll, "192.0.2.66").await.status(),
        StatusCode::OK
    );
    let res = act(&app, &room, Act::Ban("Trolly".into()), &room.owner).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    let refused = |cookies: String, from: &'static str, why: &'static str| {
        let (app, key) = (&app, room.key.clone());
        async move {
            let res = app
                .call_with(
                    "send_message",
                    &[("hash_key", &key), ("content", "I am back")],
                    Some(&cookies),
                    &[("x-forwarded-for", from)],
                )
                .await;
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{why}: {body}");
            assert!(body.contains("Banned"), "{why}: {body}");
            let live = app
                .client
                .get(format!("{}/chatrooms/{key}/events", app.base))
                .header(header::COOKIE, &cookies)
                .header("x-forwarded-for", from)
                .send()
                .await
                .unwrap();
            assert_eq!(live.status(), StatusCode::FORBIDDEN, "{why}: live stream");
        }
    };
    refused(troll.clone(), "192.0.2.66", "the banned session").await;
    // Nor can the banned person read the room through the JSON API.
    let db = app.db().await;
    let chat_id = scalar::<i64>(
        &db,
        &format!("SELECT id AS n FROM chat WHERE hash_key = '{}'", room.key),
    )
    .await;
    let api = app
        .client
        .get(format!("{}/chats/{chat_id}/", app.base))
        .header(header::COOKIE, &troll)
        .header("x-forwarded-for", "192.0.2.66")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "the JSON API");
    let same_browser = login(
        &app,
        "Innocent Newcomer",
        Some(&browser_of(&troll)),
        elsewhere,
    )
    .await;
    refused(same_browser, elsewhere, "a new name in the same browser").await;
    let same_address = login(&app, "Fresh Face", None, "192.0.2.66").await;
    refused(
        same_address,
        "192.0.2.66",
        "a new browser and name from the same address",
    )
    .await;
    let res = app
        .call_with(
            "login",
            &[
                ("username", "Trolly"),
                ("passphrase", "correct horse battery"),
                ("next", "/"),
            ],
            None,
            &[("x-forwarded-for", elsewhere)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    refused(
        cookies_of(&res),
        elsewhere,
        "the banned name from another browser and address",
    )
    .await;

    // The name's claim lapses and someone takes a look-alike of it: still the banned name.
    db.execute_unprepared("DELETE FROM username_claim WHERE name = 'Trolly'")
        .await
        .unwrap();
    let look_alike = login(&app, "TROLLY", None, "203.0.113.99").await;
    refused(
        look_alike,
        "203.0.113.99",
        "a look-alike of the banned name",
    )
    .await;

    // Members who share the troll's address, and people elsewhere, are unaffected.
    app.send(&room.key, &room.member, "still here").await;
    let newcomer = login(&app, "Newcomer", None, "203.0.113.77").await;
    assert_eq!(
        open(&app, &room.key, &newcomer, "203.0.113.77")
            .await
            .status(),
        StatusCode::OK
    );

    // Lifting the ban lets the troll's session back in.
    let res = act(&app, &room, Act::Bans, &room.owner).await;
    let bans: Vec<domain::moderation::BanEntry> = res.json().await.unwrap();
    let trolly = bans.iter().find(|b| b.username == "Trolly").unwrap();
    let res = app
        .call_with(
            "mod/lift_ban",
            &[("hash_key", &room.key), ("ban_id", &trolly.id.to_string())],
            Some(&room.owner),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call_with(
            "send_message",
            &[("hash_key", &room.key), ("content", "sorry")],
            Some(&troll),
            &[("x-forwarded-for", "192.0.2.66")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn a_locked_room_admits_members_only() {
    let app = spawn_proxied_app().await;
    let room = cast(&app).await;
    assert_eq!(
        act(&app, &room, Act::Lock, &room.owner).await.status(),
        StatusCode::OK
    );
    // The stranger never opened it: closed, on the page, for sending and for the live stream.
    let page = open(&app, &room.key, &room.stranger, HOME).await;
    assert!(page.text().await.unwrap().contains("closed to new people"));
    let res = app
        .call(
            "send_message",
            &[("hash_key", &room.key), ("content", "hi")],
            Some(&room.stranger),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let live = app
        .events_response(&room.key, Some(&room.stranger), None)
        .await;
    assert_eq!(live.status(), StatusCode::FORBIDDEN);
    // Members keep talking.
    app.send(&room.key, &room.member, "we are still here").await;
    let res = app
        .call_with(
            "mod/lock",
            &[("hash_key", &room.key), ("locked", "false")],
            Some(&room.moderator),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        open(&app, &room.key, &room.stranger, HOME).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_rotated_link_is_gone_for_strangers_and_leads_members_to_the_new_one() {
    let app = spawn_proxied_app().await;
    let room = cast(&app).await;
    assert_eq!(
        act(&app, &room, Act::Rotate, &room.owner).await.status(),
        StatusCode::OK
    );
    let db = app.db().await;
    let new_key: String = scalar(&db, "SELECT hash_key FROM chat").await;
    assert_ne!(new_key, room.key);
    // A stranger with the old link finds nothing, anywhere.
    let res = app
        .call(
            "load_room",
            &[("hash_key", &room.key)],
            Some(&room.stranger),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let live = app
        .events_response(&room.key, Some(&room.stranger), None)
        .await;
    assert_eq!(live.status(), StatusCode::NOT_FOUND);
    // A member with the old link is sent to the new one, and can still use the old one.
    let page = open(&app, &room.key, &room.member, HOME).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(location(&page), format!("/chatrooms/{new_key}/"));
    app.send(&room.key, &room.member, "old link, still in")
        .await;
    // The new link works for a stranger (it was shared with them).
    assert_eq!(
        open(&app, &new_key, &room.stranger, HOME).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn slow_mode_refuses_fast_posts_but_not_moderators() {
    let app = spawn_proxied_app().await;
    let room = cast(&app).await;
    assert_eq!(
        act(&app, &room, Act::SlowMode, &room.moderator)
            .await
            .status(),
        StatusCode::OK
    );
    // The member posted during setup, just now.
    let before = app.count("message").await;
    let res = app
        .call(
            "send_message",
            &[("hash_key", &room.key), ("content", "again")],
            Some(&room.member),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = res.text().await.unwrap();
    assert!(body.contains("SlowMode"), "{body}");
    assert_eq!(app.count("message").await, before);
    for _ in 0..3 {
        app.send(&room.key, &room.moderator, "moderators are exempt")
            .await;
    }
    app.send(&room.key, &room.owner, "owners too").await;
}

#[tokio::test]
async fn deletions_and_removals_reach_live_pages_and_pages_that_were_offline() {
    let app = spawn_app().await;
    let owner = app.login("Olive").await;
    let res = app
        .call("create_room", &[("name", "Live")], Some(&owner))
        .await;
    let key: String = res.json().await.unwrap();
    let member = app.login("Mallory").await;
    assert_eq!(
        app.get_page(&format!("/chatrooms/{key}/"), Some(&member))
            .await
            .status(),
        StatusCode::OK
    );
    let first = app.send(&key, &member, "first").await;
    let second = app.send(&key, &member, "second").await;

    // An open page sees a deletion at once: the same message, now deleted by a moderator.
    let mut watching = app.events(&key, &owner, Some(0)).await;
    let mut last = 0;
    for _ in 0..2 {
        last = watching.next_of("message", WAIT).await.unwrap().id.unwrap();
    }
    let res = app
        .call(
            "mod/delete_message",
            &[("hash_key", &key), ("message_id", &first.to_string())],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let event = watching
        .next_of("message", WAIT)
        .await
        .expect("the deletion");
    let json = event.json();
    assert_eq!(json["id"], first);
    assert_eq!(json["deleted"], "moderator");
    assert_eq!(json["content"], "");
    assert!(event.id.unwrap() > last);

    // A page that was offline when the next deletion happened gets it when it reconnects.
    let offline_at = event.id.unwrap();
    drop(watching);
    let res = app
        .call(
            "mod/delete_message",
            &[("hash_key", &key), ("message_id", &second.to_string())],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut back = app.events(&key, &owner, Some(offline_at)).await;
    let json = back
        .next_of("message", WAIT)
        .await
        .expect("the missed deletion")
        .json();
    assert_eq!(json["id"], second);
    assert_eq!(json["deleted"], "moderator");
    // Gone after reload too, and in the JSON API.
    let page = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&owner))
        .await;
    let html = page.text().await.unwrap();
    assert!(!html.contains(">first<") && html.contains("message removed by a moderator"));

    // A removal ends the removed person's stream after telling them; others hear of it.
    let mut theirs = app.events(&key, &member, None).await;
    let res = app
        .call(
            "mod/remove",
            &[("hash_key", &key), ("username", "Mallory")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let removed = theirs.next_of("removed", WAIT).await.expect("told").json();
    assert_eq!(removed["username"], "Mallory");
    assert_eq!(removed["banned"], false);
    assert!(
        theirs.next(Duration::from_secs(2)).await.is_none(),
        "the stream ended"
    );
    let seen = back
        .next_of("removed", WAIT)
        .await
        .expect("others hear of it")
        .json();
    assert_eq!(seen["username"], "Mallory");

    // While the room is open they may come back, and are then a member again (the page is
    // noted anew, though the same page was noted minutes before): a lock keeps them in.
    let page = format!("/chatrooms/{key}/");
    assert_eq!(
        app.get_page(&page, Some(&member)).await.status(),
        StatusCode::OK
    );
    let res = app
        .call(
            "mod/lock",
            &[("hash_key", &key), ("locked", "true")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = app
        .get_page(&page, Some(&member))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("closed to new people"), "{html}");
    app.send(&key, &member, "back again").await;
}

#[tokio::test]
async fn a_ban_can_delete_the_banned_persons_messages() {
    let app = spawn_app().await;
    let owner = app.login("Olga").await;
    let key: String = app
        .call("create_room", &[("name", "Clean")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    let troll = app.login("Spammer").await;
    app.get_page(&format!("/chatrooms/{key}/"), Some(&troll))
        .await;
    for n in 0..3 {
        app.send(&key, &troll, &format!("spam {n}")).await;
    }
    app.send(&key, &owner, "keep me").await;
    let res = app
        .call(
            "mod/ban",
            &[
                ("hash_key", &key),
                ("username", "Spammer"),
                ("delete_messages", "on"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let db = app.db().await;
    assert_eq!(
        scalar::<i64>(
            &db,
            "SELECT COUNT(*) AS n FROM message WHERE deleted_by = 'moderator'"
        )
        .await,
        3
    );
    assert_eq!(
        scalar::<i64>(
            &db,
            "SELECT COUNT(*) AS n FROM message WHERE content = 'keep me'"
        )
        .await,
        1
    );
    let log: Vec<domain::moderation::LogEntry> = app
        .call("mod/log", &[("hash_key", &key)], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log[0].detail.contains("deleted 3 of their messages"),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_creator_owns_the_room_even_when_they_chose_a_name_afterwards() {
    let app = spawn_app().await;
    let res = app.call("create_room", &[("name", "Mine")], None).await;
    let browser = browser_of(&cookies_of(&res));
    let key: String = res.json().await.unwrap();
    let res = app
        .call(
            "login",
            &[("username", "Creator"), ("next", "/")],
            Some(&browser),
        )
        .await;
    let cookies = format!("{}; {browser}", cookies_of(&res));
    let view: domain::model::RoomView = app
        .call("load_room", &[("hash_key", &key)], Some(&cookies))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        view.room.role_of("Creator"),
        Some(domain::moderation::Role::Owner)
    );
    // Someone else opening it first from another browser would not have become the owner.
    let other = app.login("Visitor").await;
    let view: domain::model::RoomView = app
        .call("load_room", &[("hash_key", &key)], Some(&other))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.room.role_of("Visitor"), None);
}

#[tokio::test]
async fn retention_sweeps_old_messages_and_deleting_the_room_removes_everything() {
    let app = spawn_app().await;
    let owner = app.login("Keeper").await;
    let key: String = app
        .call("create_room", &[("name", "Ephemeral")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    app.send(&key, &owner, "old news").await;
    app.send(&key, &owner, "fresh").await;
    let res = app
        .call(
            "mod/retention",
            &[("hash_key", &key), ("retention", "day")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Opened once before the sweep: the server keeps the room's latest messages in memory.
    let view: domain::model::RoomView = app
        .call("load_room", &[("hash_key", &key)], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.messages.len(), 2);
    let db = app.db().await;
    let old = chrono::Utc::now() - chrono::TimeDelta::days(2);
    message::Entity::update_many()
        .col_expr(message::Column::Timestamp, Expr::value(old))
        .filter(message::Column::Content.eq("old news"))
        .exec(&db)
        .await
        .unwrap();
    backend::expiry::sweep(&db).await;
    assert_eq!(app.count("message").await, 1);
    // This sweep ran outside the server, which keeps rooms' rows for up to
    // `RoomMirror::FRESH_FOR`: the page must stop showing swept messages once that has passed.
    let deadline = std::time::Instant::now()
        + backend::store::room_mirror::FRESH_FOR
        + std::time::Duration::from_secs(5);
    let view = loop {
        let view: domain::model::RoomView = app
            .call("load_room", &[("hash_key", &key)], Some(&owner))
            .await
            .json()
            .await
            .unwrap();
        if view.messages.len() == 1 || std::time::Instant::now() > deadline {
            break view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(view.room.retention, domain::moderation::Retention::Day);
    let shown: Vec<&str> = view.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(shown, ["fresh"], "the page no longer shows swept messages");

    // Deleting needs the confirmation; then the room and its messages are gone.
    let res = app
        .call("mod/delete_room", &[("hash_key", &key)], Some(&owner))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("chat").await, 1);
    let mut live = app.events(&key, &owner, None).await;
    let res = app
        .call(
            "mod/delete_room",
            &[("hash_key", &key), ("confirm", "delete")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(live.next_of("closed", WAIT).await.is_some());
    assert_eq!(app.count("chat").await, 0);
    assert_eq!(app.count("message").await, 0);
    let res = app
        .call("load_room", &[("hash_key", &key)], Some(&owner))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn anyone_in_the_room_can_export_its_history_and_nobody_else() {
    let app = spawn_proxied_app().await;
    let room = cast(&app).await;
    app.send(&room.key, &room.member, "two\nlines").await;
    let doomed = app.send(&room.key, &room.member, "to be deleted").await;
    let res = act(&app, &room, Act::DeleteMessage(doomed), &room.owner).await;
    assert_eq!(res.status(), StatusCode::OK);
    let get = |format: &str, cookies: Option<&str>| {
        let mut req = app
            .client
            .get(format!(
                "{}/chatrooms/{}/export/{format}",
                app.base, room.key
            ))
            .header("x-forwarded-for", HOME);
        if let Some(cookies) = cookies {
            req = req.header(header::COOKIE, cookies);
        }
        req.send()
    };

    let res = get("json", Some(&room.member)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"Moderated.json\"");
    let json: serde_json::Value = res.json().await.unwrap();
    assert_eq!(json["room"], "Moderated");
    let messages = json["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1]["content"], "two\nlines");
    assert_eq!(messages[2]["deleted"], "moderator");
    assert_eq!(messages[2]["content"], "");

    let res = get("md", Some(&room.stranger)).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the link is the key: a stranger may enter"
    );
    let text = res.text().await.unwrap();
    assert!(text.starts_with("# Moderated\n"), "{text}");
    let member = room.name("member");
    assert!(text.contains(&format!("**{member}** (")), "{text}");
    assert!(text.contains("two\n  lines"), "{text}");
    assert!(text.contains("_message removed by a moderator_"), "{text}");
    assert!(!text.contains("to be deleted"), "{text}");

    assert_eq!(
        get("json", Some(&room.banned)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get("json", None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("html", Some(&room.member)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // The page offers both downloads.
    let page = open(&app, &room.key, &room.member, HOME)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/chatrooms/{}/export/json", room.key)));
    assert!(page.contains(&format!("/chatrooms/{}/export/md", room.key)));
}

#[tokio::test]
async fn moderation_works_as_plain_form_posts_without_javascript() {
    let app = spawn_app().await;
    let owner = app.login("Formal Owner").await;
    let key: String = app
        .call("create_room", &[("name", "No JS")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    let member = app.login("Formal Member").await;
    let room = format!("/chatrooms/{key}/");
    assert_eq!(
        app.get_page(&room, Some(&member)).await.status(),
        StatusCode::OK
    );
    let id = app.send(&key, &member, "remove me").await;
    let res = app
        .post_form(
            "mod/delete_message",
            &[("hash_key", &key), ("message_id", &id.to_string())],
            &room,
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        location(&res).contains(&room),
        "back to the room: {}",
        location(&res)
    );
    let db = app.db().await;
    assert_eq!(
        scalar::<i64>(
            &db,
            "SELECT COUNT(*) AS n FROM message WHERE deleted_by = 'moderator'"
        )
        .await,
        1
    );
    // A refused one comes back to the page with its error, and changes nothing.
    let res = app
        .post_form(
            "mod/lock",
            &[("hash_key", &key), ("locked", "true")],
            &room,
            Some(&member),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(location(&res).contains("__err="), "{}", location(&res));
    assert_eq!(
        scalar::<i64>(&db, "SELECT COUNT(*) AS n FROM chat WHERE locked").await,
        0
    );
}
