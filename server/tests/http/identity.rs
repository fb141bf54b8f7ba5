//! Claimed usernames, passphrases, and sessions that expire: nobody can pass as someone else.

use crate::support::{spawn_app, TestApp};
use backend::store::entities::{session, username_claim};
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Logs in as `name` (with `passphrase`, from the browser holding `cookie`); the response.
async fn login_as(
    app: &TestApp,
    name: &str,
    passphrase: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    app.call(
        "login",
        &[
            ("username", name),
            ("passphrase", passphrase),
            ("next", "/"),
        ],
        cookie,
    )
    .await
}

/// The error message of a refused server-function call.
async fn refusal(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.expect("error JSON");
    body["Invalid"]
        .as_str()
        .expect("an Invalid error")
        .to_owned()
}

/// Moves every session's last activity and every claim's last use `days` into the past.
async fn age_everything(app: &TestApp, days: i64) {
    let db = app.db().await;
    let then = Utc::now() - TimeDelta::days(days);
    session::Entity::update_many()
        .col_expr(session::Column::LastActiveAt, then.into())
        .exec(&db)
        .await
        .expect("age sessions");
    username_claim::Entity::update_many()
        .col_expr(username_claim::Column::LastUsedAt, then.into())
        .exec(&db)
        .await
        .expect("age claims");
}

#[tokio::test]
async fn a_claimed_name_or_its_look_alikes_cannot_be_used_by_someone_else() {
    let app = spawn_app().await;
    let alice = app.login("alice").await;
    for copy in [
        "alice",
        "Alice",
        "ALICE",
        "\u{ff41}\u{ff4c}ice", // full-width ａｌ
        "al\u{131}ce",         // dotless ı
        "AIice",               // capital I for l
        "A\u{fe31}ice",        // a vertical bar form for l
    ] {
        let message = refusal(login_as(&app, copy, "", None).await).await;
        assert!(message.contains("is taken"), "{copy:?}: {message}");
    }
    // A look-alike letter from another script inside a word is refused before names are
    // compared.
    let message = refusal(login_as(&app, "\u{430}lice", "", None).await).await;
    assert!(message.contains("writing systems"), "{message}");
    assert_eq!(app.count("session").await, 1);
    assert_eq!(app.count("username_claim").await, 1);
    // Different names are still free, and the owner's browser keeps the name.
    assert_eq!(
        login_as(&app, "alicia", "", None).await.status(),
        StatusCode::OK
    );
    let again = login_as(&app, "ALICE", "", Some(&alice)).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<String>().await.unwrap(),
        "alice",
        "the claimed spelling"
    );
}

#[tokio::test]
async fn the_passphrase_lets_the_owner_in_from_another_browser() {
    let app = spawn_app().await;
    let res = login_as(&app, "bob", "correct horse battery", None).await;
    assert_eq!(res.status(), StatusCode::OK);

    let message = refusal(login_as(&app, "bob", "", None).await).await;
    assert!(message.contains("enter its passphrase"), "{message}");
    let message = refusal(login_as(&app, "bob", "wrong horse battery", None).await).await;
    assert!(message.contains("Wrong passphrase"), "{message}");
    assert_eq!(app.count("session").await, 1);

    let res = login_as(&app, "Bob", "correct horse battery", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<String>().await.unwrap(), "bob");
    assert_eq!(app.count("session").await, 2, "both browsers are logged in");

    let stored = username_claim::Entity::find()
        .one(&app.db().await)
        .await
        .unwrap()
        .unwrap()
        .passphrase_hash
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("horse"));
}

#[tokio::test]
async fn the_holder_can_add_a_passphrase_later_but_nobody_else_can() {
    let app = spawn_app().await;
    let carol = app.login("carol").await;
    let message = refusal(login_as(&app, "carol", "mallory's passphrase", None).await).await;
    assert!(message.contains("is taken"), "{message}");
    let res = login_as(&app, "carol", "carol's passphrase", Some(&carol)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = login_as(&app, "carol", "carol's passphrase", None).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bad_passphrase_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    for bad in ["short", &"p".repeat(129), "tab\tinside it"] {
        let message = refusal(login_as(&app, "dave", bad, None).await).await;
        assert!(message.contains("passphrase"), "{message}");
    }
    assert_eq!(app.count("session").await, 0);
    assert_eq!(app.count("username_claim").await, 0);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = spawn_app().await;
    let erin = app.login("erin").await;
    let key = app.create_room("Quiet").await;
    let room = format!("/chatrooms/{key}/");
    assert_eq!(
        app.get_page(&room, Some(&erin)).await.status(),
        StatusCode::OK
    );

    age_everything(&app, domain::policy::SESSION_IDLE_DAYS + 1).await;
    // The server that just served erin trusts what it saw for a few minutes (sessions are
    // kept in memory, see `session_cache`); the rows were aged, not the clock, so ask one that
    // knows only the database.
    let app = app.fresh_instance().await;
    let res = app.get_page(&room, Some(&erin)).await;
    assert_eq!(res.status(), StatusCode::FOUND, "sent to the login page");
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "still here?")],
            Some(&erin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("message").await, 0);
}

#[tokio::test]
async fn activity_keeps_the_session_and_the_name() {
    let app = spawn_app().await;
    let frank = app.login("frank").await;
    let room = format!("/chatrooms/{}/", app.create_room("Busy").await);
    age_everything(&app, 20).await;
    assert_eq!(
        app.get_page(&room, Some(&frank)).await.status(),
        StatusCode::OK
    );
    let db = app.db().await;
    let recent = Utc::now() - TimeDelta::minutes(1);
    let session = session::Entity::find().one(&db).await.unwrap().unwrap();
    assert!(
        session.last_active_at > recent,
        "{:?}",
        session.last_active_at
    );
    let claim = username_claim::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(claim.last_used_at > recent, "{:?}", claim.last_used_at);
}

#[tokio::test]
async fn an_unused_name_without_passphrase_is_released() {
    let app = spawn_app().await;
    let old_owner = app.login("gina").await;
    let key = app.create_room("Old haunt").await;
    let res = login_as(&app, "hank", "hank's passphrase", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    age_everything(&app, domain::policy::RELEASE_DAYS_WITHOUT_PASSPHRASE + 1).await;

    // The passphrase-less name is free again; the old browser lost it.
    let res = login_as(&app, "Gina", "", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<String>().await.unwrap(), "Gina");
    let res = app
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "it's me")],
            Some(&old_owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let sessions = session::Entity::find()
        .filter(session::Column::Username.eq("gina"))
        .all(&app.db().await)
        .await
        .unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");

    // A name with a passphrase is kept much longer.
    let message = refusal(login_as(&app, "hank", "", None).await).await;
    assert!(message.contains("passphrase"), "{message}");
}

#[tokio::test]
async fn the_sweep_ends_idle_sessions_and_releases_unused_names() {
    let app = spawn_app().await;
    app.login("ivy").await;
    let res = login_as(&app, "jack", "jack's passphrase", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    age_everything(&app, domain::policy::RELEASE_DAYS_WITHOUT_PASSPHRASE + 1).await;
    backend::expiry::sweep(&app.db().await).await;
    assert_eq!(app.count("session").await, 0);
    let kept: Vec<String> = username_claim::Entity::find()
        .all(&app.db().await)
        .await
        .unwrap()
        .into_iter()
        .map(|claim| claim.name)
        .collect();
    assert_eq!(kept, ["jack"]);
}

#[tokio::test]
async fn names_claimed_before_look_alike_keys_get_them_oldest_first() {
    use backend::store::entities::username_key;
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ActiveModelTrait, Database, Set};

    let dir = tempfile::tempdir().expect("temp dir");
    let database = crate::test_db::TestDatabase::fresh(dir.path()).await;
    let db = Database::connect(&database.url).await.expect("connect");
    // The schema as it was before names had several keys, with two names that look alike
    // once capitals count ("AIice" has a capital I), claimed in that order.
    Migrator::up(&db, Some(7)).await.expect("migrate to 7");
    for (name, old_key) in [("Alice", "alice"), ("AIice", "aiice")] {
        username_claim::ActiveModel {
            name_key: Set(old_key.to_owned()),
            name: Set(name.to_owned()),
            passphrase_hash: Set(None),
            last_used_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("old claim");
    }
    Migrator::up(&db, None).await.expect("migrate");
    let owner_of = |key: &'static str| {
        let db = db.clone();
        async move {
            username_key::Entity::find_by_id(key.to_owned())
                .one(&db)
                .await
                .expect("key query")
                .map(|row| row.claim_id)
        }
    };
    assert_eq!(
        owner_of("alice").await,
        Some(1),
        "the shared key goes to the older claim"
    );
    assert_eq!(
        owner_of("aiice").await,
        Some(2),
        "the newer one keeps its own key"
    );
    // Every spelling of either is now refused to anyone new.
    let alice = domain::Username::parse("ALICE").unwrap();
    let matching = backend::identity::claims::find_matching(&db, &alice)
        .await
        .expect("matching");
    assert!(matches!(
        matching.owner(None, Utc::now()),
        backend::identity::claims::Owner::Claim(claim) if claim.name == "Alice"
    ));
}

#[tokio::test]
async fn a_passphrase_name_finds_its_rooms_in_another_browser_even_after_logging_out() {
    let app = spawn_app().await;
    let key = app.create_room("Book club").await;
    let res = login_as(&app, "reader", "correct horse battery", None).await;
    let first = crate::support::session_cookie(&res).expect("cookie");
    let room = format!("/chatrooms/{key}/");
    assert_eq!(
        app.get_page(&room, Some(&first)).await.status(),
        StatusCode::OK
    );
    let res = app.call("logout", &[], Some(&first)).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        app.count("membership").await,
        0,
        "the session's rooms went with it"
    );

    // Another browser, the same name: the room is listed there.
    let res = login_as(&app, "reader", "correct horse battery", None).await;
    let second = crate::support::session_cookie(&res).expect("cookie");
    let html = app.get_page("/", Some(&second)).await.text().await.unwrap();
    assert!(html.contains("Your recent rooms"), "{html}");
    assert!(html.contains(&room) && html.contains("Book club"), "{html}");

    // Nobody else's list has it.
    let other = app.login("writer").await;
    let html = app.get_page("/", Some(&other)).await.text().await.unwrap();
    assert!(!html.contains("Book club"), "{html}");
}
