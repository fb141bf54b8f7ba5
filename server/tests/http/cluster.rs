//! Several instances on one PostgreSQL: live delivery, presence and typing across them, sessions
//! valid everywhere, clients failing over when an instance dies, and recovery when the
//! instances' database connections drop.
//!
//! They cannot run on SQLite, so they are ignored (and reported as such) unless asked for: the
//! PostgreSQL pass runs `TEST_BACKEND=postgres cargo test -p server --test http --
//! --include-ignored`.

use crate::support::{spawn_process, EventStream, TestApp};
use crate::test_db::{Backend, TestDatabase};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Two instances on a fresh PostgreSQL database.
async fn two_instances() -> (TestDatabase, TestApp, TestApp) {
    assert_eq!(
        Backend::from_env(),
        Backend::Postgres,
        "several instances need PostgreSQL (TEST_BACKEND=postgres); this test cannot run on SQLite"
    );
    let database = TestDatabase::fresh_postgres().await;
    // Each instance names its connections, so a test can cut one instance's off.
    // The first instance migrates; the second starts on the finished schema.
    let a = spawn_process(&format!("{}?application_name=chat-a", database.url), &[]).await;
    let b = spawn_process(&format!("{}?application_name=chat-b", database.url), &[]).await;
    (database, a, b)
}

/// Logs in on `app` as `name`, opens the room (membership) and returns the cookie.
async fn join(app: &TestApp, key: &str, name: &str) -> String {
    let cookie = app.login(name).await;
    let res = app
        .get_page(&format!("/chatrooms/{key}/"), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    cookie
}

/// Reads message events until `count` have arrived; returns their (id, content).
async fn read_messages(stream: &mut EventStream, count: usize) -> Vec<(i64, String)> {
    let mut got = Vec::new();
    while got.len() < count {
        let Some(event) = stream.next_of("message", WAIT).await else {
            panic!("only {} of {count} messages arrived: {got:?}", got.len());
        };
        let message = event.json();
        got.push((
            event.id.expect("message id"),
            message["content"].as_str().unwrap().to_owned(),
        ));
    }
    got
}

/// Sends on an instance that keeps its connections while the database refuses new ones (to
/// everyone: the test's way of cutting A off). If the send happens to need a new connection it
/// is answered 503 with nothing stored, and is tried again, as a client would.
async fn send_through_outage(app: &TestApp, key: &str, cookie: &str, content: &str) -> i64 {
    for _ in 0..50 {
        let res = app
            .call(
                "send_message",
                &[("hash_key", key), ("content", content)],
                Some(cookie),
            )
            .await;
        match res.status() {
            StatusCode::OK => {
                let message: domain::model::ChatMessage = res.json().await.expect("message");
                return message.id.0;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("send answered {other}"),
        }
    }
    panic!("the send never got through");
}

fn assert_in_order_without_gaps(got: &[(i64, String)], expected_ids: &[i64]) {
    let ids: Vec<i64> = got.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected_ids, "every message once, in id order");
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn messages_presence_and_typing_cross_instances_in_order() {
    let (_db, a, b) = two_instances().await;
    let key = a.create_room("Across").await;
    let alice = join(&a, &key, "alice").await;
    let bob = join(&b, &key, "bob").await;

    // A session made on one instance is valid on the other.
    assert_eq!(
        b.get_page(&format!("/chatrooms/{key}/"), Some(&alice))
            .await
            .status(),
        StatusCode::OK
    );

    let mut on_a = a.events(&key, &alice, Some(0)).await;
    let mut on_b = b.events(&key, &bob, Some(0)).await;
    // Bob's arrival on B shows on A.
    loop {
        let joined = on_a
            .next_of("joined", WAIT)
            .await
            .expect("bob joins through B");
        if joined.json()["username"] == "bob" {
            break;
        }
    }

    // Both send at the same time through their own instance.
    let (mut ids_a, mut ids_b) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let (text_a, text_b) = (format!("a{i}"), format!("b{i}"));
        let (x, y) = tokio::join!(a.send(&key, &alice, &text_a), b.send(&key, &bob, &text_b));
        ids_a.push(x);
        ids_b.push(y);
    }
    let mut all: Vec<i64> = ids_a.iter().chain(&ids_b).copied().collect();
    all.sort_unstable();
    let seen_on_a = read_messages(&mut on_a, all.len()).await;
    let seen_on_b = read_messages(&mut on_b, all.len()).await;
    assert_in_order_without_gaps(&seen_on_a, &all);
    assert_in_order_without_gaps(&seen_on_b, &all);
    assert_eq!(seen_on_a, seen_on_b);

    // Typing on B shows on A.
    let res = b.call("typing", &[("hash_key", &key)], Some(&bob)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let typing = on_a.next_of("typing", WAIT).await.expect("typing from B");
    assert_eq!(typing.json()["username"], "bob");

    // The room page on A lists bob (online through B) too.
    let page = a
        .get_page(&format!("/chatrooms/{key}/"), Some(&alice))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("bob"), "bob online on the page");
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn when_an_instance_dies_its_clients_resume_on_the_other_and_miss_nothing() {
    let (_db, mut a, b) = two_instances().await;
    let key = a.create_room("Failover").await;
    let alice = join(&a, &key, "alice").await;
    let bob = join(&b, &key, "bob").await;
    let mut on_a = a.events(&key, &alice, Some(0)).await;
    let first = b.send(&key, &bob, "before").await;
    let got = read_messages(&mut on_a, 1).await;
    assert_eq!(got, [(first, "before".to_owned())]);

    // A crashes; bob goes on talking on B meanwhile.
    a.kill();
    assert!(on_a
        .next_of("message", Duration::from_millis(500))
        .await
        .is_none());
    let mut missed = Vec::new();
    for i in 0..5 {
        missed.push(b.send(&key, &bob, &format!("while A is down {i}")).await);
    }

    // Alice's browser reconnects, through the load balancer, to B with her last id.
    let mut on_b = b.events(&key, &alice, Some(first)).await;
    let got = read_messages(&mut on_b, missed.len()).await;
    assert_in_order_without_gaps(&got, &missed);
    // And live delivery goes on.
    let after = b.send(&key, &bob, "after").await;
    assert_eq!(
        read_messages(&mut on_b, 1).await,
        [(after, "after".to_owned())]
    );
    assert!(
        on_b.next_of("message", Duration::from_millis(300))
            .await
            .is_none(),
        "no duplicates"
    );
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn after_the_database_connections_drop_live_streams_catch_up() {
    let (db, a, b) = two_instances().await;
    let key = a.create_room("Outage").await;
    let alice = join(&a, &key, "alice").await;
    let bob = join(&b, &key, "bob").await;
    let mut on_a = a.events(&key, &alice, Some(0)).await;
    let first = b.send(&key, &bob, "before").await;
    assert_eq!(
        read_messages(&mut on_a, 1).await,
        [(first, "before".to_owned())]
    );
    // A second tab without a position (live only) must catch up too.
    let mut live_only = a.events(&key, &alice, None).await;
    live_only.next_of("presence", WAIT).await.expect("live");

    // A's connections are cut and it cannot reconnect for a while (a network blip between A
    // and the database); B goes on and bob talks meanwhile: A hears none of it live.
    let (admin_url, name) = db.postgres_admin().expect("a PostgreSQL database");
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND application_name = 'chat-a'"
        ))
        .await
        .unwrap();
    let mut missed = Vec::new();
    for i in 0..5 {
        missed.push(send_through_outage(&b, &key, &bob, &format!("during the outage {i}")).await);
    }
    // Sending through A fails cleanly meanwhile: 503, try again, nothing stored.
    let res = a
        .call(
            "send_message",
            &[("hash_key", &key), ("content", "lost?")],
            Some(&alice),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Opening a live stream meets the outage with the same answer (one error mapping, on
    // both wires): 503 and when to try again.
    let res = a.events_response(&key, Some(&alice), None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key(reqwest::header::RETRY_AFTER));
    assert!(
        on_a.next_of("message", Duration::from_millis(500))
            .await
            .is_none(),
        "A cannot have heard of them yet"
    );

    // The network is back: A reconnects and alice's open stream gets what she missed.
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let got = read_messages(&mut on_a, missed.len()).await;
    assert_in_order_without_gaps(&got, &missed);
    let got = read_messages(&mut live_only, missed.len()).await;
    assert_in_order_without_gaps(&got, &missed);
    let after = a.send(&key, &alice, "after").await;
    assert_eq!(
        read_messages(&mut on_a, 1).await,
        [(after, "after".to_owned())]
    );
    assert!(
        on_a.next_of("message", Duration::from_millis(300))
            .await
            .is_none(),
        "no duplicates"
    );
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn moderation_on_one_instance_reaches_pages_on_the_other() {
    let (_db, a, b) = two_instances().await;
    let owner = a.login("olga").await;
    let key: String = a
        .call("create_room", &[("name", "Across")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    let member = join(&b, &key, "mia").await;
    let troll = join(&b, &key, "tom").await;
    let spam = b.send(&key, &troll, "spam").await;
    let mut member_on_b = b.events(&key, &member, None).await;
    let mut troll_on_b = b.events(&key, &troll, None).await;

    // A deletion made on A reaches B's pages as the changed message.
    let res = a
        .call(
            "mod/delete_message",
            &[("hash_key", &key), ("message_id", &spam.to_string())],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let deleted = member_on_b
        .next_of("message", WAIT)
        .await
        .expect("the deletion")
        .json();
    assert_eq!(deleted["id"], spam);
    assert_eq!(deleted["deleted"], "moderator");

    // So do settings (after the state every stream starts with).
    let res = a
        .call(
            "mod/rename",
            &[("hash_key", &key), ("name", "Renamed")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    loop {
        let state = member_on_b
            .next_of("room", WAIT)
            .await
            .expect("the new state")
            .json();
        if state["name"] == "Renamed" {
            break;
        }
    }

    // And a ban: the troll's stream on B is told and ends; the others hear of it.
    let res = a
        .call(
            "mod/ban",
            &[("hash_key", &key), ("username", "tom")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let told = troll_on_b
        .next_of("removed", WAIT)
        .await
        .expect("told")
        .json();
    assert_eq!(told["banned"], true);
    assert!(
        troll_on_b.next(Duration::from_secs(2)).await.is_none(),
        "the stream ended"
    );
    let seen = member_on_b
        .next_of("removed", WAIT)
        .await
        .expect("seen")
        .json();
    assert_eq!(seen["username"], "tom");
    assert_eq!(
        b.events_response(&key, Some(&troll), None).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
#[ignore = "several instances need PostgreSQL (TEST_BACKEND=postgres)"]
async fn a_session_ended_on_one_instance_is_refused_by_the_other() {
    let (_db, a, b) = two_instances().await;
    let key = a.create_room("Sessions").await;
    let leaving = join(&b, &key, "lea").await;
    let renaming = join(&b, &key, "ren").await;
    // Both used on B, so B knows them without asking the database.
    b.send(&key, &leaving, "hello").await;
    b.send(&key, &renaming, "hello").await;

    let res = a.post_form("logout", &[], "/", Some(&leaving)).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let res = a
        .call(
            "login",
            &[("username", "renate"), ("next", "/")],
            Some(&renaming),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // B hears of both endings at once (a notice at commit), not when its copy goes stale.
    for (cookie, who) in [(&leaving, "logged out"), (&renaming, "renamed")] {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let res = b
                .call(
                    "send_message",
                    &[("hash_key", &key), ("content", "late")],
                    Some(cookie),
                )
                .await;
            if res.status() == StatusCode::UNAUTHORIZED {
                break;
            }
            assert_eq!(res.status(), StatusCode::OK, "{who}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "B still accepts the session of someone who {who} on A"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
