//! The live stream: delivery, resume without gaps or duplicates, lag, presence and typing.

use crate::support::{spawn_app, spawn_app_with};
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn the_stream_needs_a_session_and_a_real_room() {
    let app = spawn_app().await;
    let key = app.create_room("Live").await;
    let res = app.events_response(&key, None, None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let cookie = app.login("alice").await;
    for bad in ["AAAAAAAAAAAAAAAA", "nope"] {
        let res = app.events_response(bad, Some(&cookie), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let res = app
        .client
        .get(format!("{}/chatrooms/{key}/events?after=abc", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn messages_are_pushed_to_every_listener_with_their_id() {
    let app = spawn_app().await;
    let key = app.create_room("Live").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let mut alice_stream = app.events(&key, &alice, None).await;
    let mut bob_stream = app.events(&key, &bob, None).await;

    let id = app.send(&key, &bob, "pushed").await;
    for stream in [&mut alice_stream, &mut bob_stream] {
        let event = stream.next_of("message", WAIT).await.expect("a message");
        assert_eq!(event.id, Some(id));
        let json = event.json();
        assert_eq!(json["content"], "pushed");
        assert_eq!(json["username"], "bob");
    }
}

#[tokio::test]
async fn a_listener_gets_the_history_after_its_position_and_none_without_one() {
    let app = spawn_app().await;
    let key = app.create_room("Live").await;
    let alice = app.login("alice").await;
    let first = app.send(&key, &alice, "one").await;
    app.send(&key, &alice, "two").await;
    let mut all = app.events(&key, &alice, Some(0)).await;
    let got: Vec<String> = all
        .drain_messages(QUIET)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(got, ["one", "two"]);
    let mut resumed = app.events(&key, &alice, Some(first)).await;
    let got: Vec<String> = resumed
        .drain_messages(QUIET)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(got, ["two"]);
    let mut fresh = app.events(&key, &alice, None).await;
    fresh.next_of("presence", WAIT).await.unwrap();
    app.send(&key, &alice, "three").await;
    let got: Vec<String> = fresh
        .drain_messages(QUIET)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(got, ["three"], "no position: live messages only");
}

#[tokio::test]
async fn reconnecting_with_the_last_id_delivers_exactly_the_missed_messages() {
    let app = spawn_app().await;
    let key = app.create_room("Resume").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;

    let mut stream = app.events(&key, &alice, None).await;
    app.send(&key, &bob, "before").await;
    let seen = stream.next_of("message", WAIT).await.unwrap();
    let last = seen.id.unwrap();
    drop(stream); // the connection drops

    let mut missed = Vec::new();
    for i in 0..5 {
        missed.push(app.send(&key, &bob, &format!("while away {i}")).await);
    }
    let mut stream = app.events(&key, &alice, Some(last)).await;
    let after_live = app.send(&key, &bob, "after reconnect").await;
    let got = stream.drain_messages(QUIET).await;
    let ids: Vec<i64> = got.iter().map(|m| m.0).collect();
    let mut expected = missed.clone();
    expected.push(after_live);
    assert_eq!(
        ids, expected,
        "exactly the missed ones, in order, then live"
    );
}

#[tokio::test]
async fn a_listener_that_falls_behind_catches_up_from_the_database() {
    // A room buffer of 4 frames: a burst of concurrent sends overflows it for sure.
    let app = spawn_app_with(4).await;
    let key = app.create_room("Burst").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let mut stream = app.events(&key, &alice, None).await;
    // Wait until the stream is live (its first presence event).
    stream.next_of("presence", WAIT).await.unwrap();
    stream.next_of("joined", WAIT).await.unwrap();

    let sends = (0..60).map(|i| {
        let (app, key, bob) = (&app, &key, &bob);
        async move { app.send(key, bob, &format!("burst {i}")).await }
    });
    let mut ids = futures_util::future::join_all(sends).await;
    ids.sort_unstable();
    let got: Vec<i64> = stream
        .drain_messages(Duration::from_secs(1))
        .await
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(got, ids, "every message once, in id order");
}

#[tokio::test]
async fn presence_follows_connections_and_counts_tabs_once() {
    let app = spawn_app().await;
    let key = app.create_room("Presence").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;

    let bob_early = app.events(&key, &bob, None).await;
    let mut watcher = app.events(&key, &alice, None).await;
    let first = watcher.next_of("presence", WAIT).await.unwrap().json();
    assert_eq!(first["online"], serde_json::json!(["alice", "bob"]));
    drop(bob_early);
    let left = watcher.next_of("left", WAIT).await.unwrap().json();
    assert_eq!(left["username"], "bob");

    let bob_tab1 = app.events(&key, &bob, None).await;
    let joined = watcher.next_of("joined", WAIT).await.unwrap().json();
    assert_eq!(joined["username"], "bob");

    // A second tab, and closing the first, change nothing for the others.
    let bob_tab2 = app.events(&key, &bob, None).await;
    drop(bob_tab1);
    let quiet = watcher.next(QUIET).await;
    assert!(quiet.is_none(), "unexpected {quiet:?}");

    drop(bob_tab2);
    let left = watcher.next_of("left", WAIT).await.unwrap().json();
    assert_eq!(left["username"], "bob");
}

#[tokio::test]
async fn typing_is_announced_to_the_room() {
    let app = spawn_app().await;
    let key = app.create_room("Typing").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let mut watcher = app.events(&key, &alice, None).await;
    watcher.next_of("presence", WAIT).await.unwrap();

    let res = app.call("typing", &[("hash_key", &key)], Some(&bob)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let event = watcher.next_of("typing", WAIT).await.expect("typing event");
    assert_eq!(event.json()["username"], "bob");

    let res = app.call("typing", &[("hash_key", &key)], None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_request_head_split_over_packets_is_served_too() {
    // The lean live path only takes heads it sees whole in the first packet; the rest go through
    // the ordinary HTTP stack, which must give the same stream.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let key = app.create_room("Split").await;
    let alice = app.login("alice").await;
    let id = app.send(&key, &alice, "hello split").await;

    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    socket.set_nodelay(true).unwrap();
    socket.write_all(b"GET /chatro").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rest =
        format!("oms/{key}/events?after=0 HTTP/1.1\r\nHost: {addr}\r\nCookie: {alice}\r\n\r\n");
    socket.write_all(rest.as_bytes()).await.unwrap();

    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + WAIT;
    while !String::from_utf8_lossy(&received).contains("hello split") {
        let n = tokio::time::timeout_at(deadline, socket.read(&mut buf))
            .await
            .expect("the message in time")
            .unwrap();
        assert!(
            n > 0,
            "closed early: {}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(&format!("id: {id}\n")), "{text}");
}

#[tokio::test]
async fn a_stalled_client_neither_slows_the_others_nor_loses_messages() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(16).await;
    let key = app.create_room("Stall").await;
    let alice = app.login("alice").await;
    let bob = app.login("bob").await;
    let carol = app.login("carol").await;

    // Carol's client connects with a tiny receive buffer and then reads nothing for a while.
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(addr).await.unwrap();
    let request = format!(
        "GET /chatrooms/{key}/events?after=0 HTTP/1.1\r\nHost: {addr}\r\nCookie: {carol}\r\n\r\n"
    );
    stalled.write_all(request.as_bytes()).await.unwrap();

    let mut live = app.events(&key, &alice, None).await;
    live.next_of("presence", WAIT).await.unwrap();

    let text = "x".repeat(1900);
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(app.send(&key, &bob, &format!("{i} {text}")).await);
    }
    let got: Vec<i64> = live
        .drain_messages(Duration::from_secs(1))
        .await
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(
        got, ids,
        "the reading client got everything while the other stalled"
    );

    // Carol finally reads: every message, once, in order.
    let mut received = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let last = format!("id: {}\n", ids[ids.len() - 1]);
    while !String::from_utf8_lossy(&received).contains(&last) {
        let n = tokio::time::timeout(WAIT, stalled.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "stream closed");
        received.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&received);
    let seen: Vec<i64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn one_session_holds_a_bounded_number_of_streams() {
    let app = spawn_app().await;
    let key = app.create_room("Tabs").await;
    let me = app.login("tabby").await;
    let mut tabs = Vec::new();
    for _ in 0..backend::live::stream_caps::PER_SESSION {
        tabs.push(app.events(&key, &me, None).await);
    }
    let res = app.events_response(&key, Some(&me), None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Someone else still gets in, and a closed tab frees a place.
    let other = app.login("other").await;
    let _theirs = app.events(&key, &other, None).await;
    drop(tabs.pop());
    let mut reopened = None;
    for _ in 0..50 {
        let res = app.events_response(&key, Some(&me), None).await;
        if res.status() == StatusCode::OK {
            reopened = Some(res);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        reopened.is_some(),
        "the place of a closed stream comes back"
    );
}

/// Writes `request` on a raw connection and returns the first bytes of the answer.
async fn raw_answer(app: &crate::support::TestApp, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn live_heads_are_understood_as_hyper_understands_them() {
    let app = spawn_app().await;
    let key = app.create_room("Heads").await;
    let me = app.login("parser").await;
    // Bare LF line ends, and an encoded key and position.
    let bare = format!("GET /chatrooms/{key}/events HTTP/1.1\nHost: x\nCookie: {me}\n\n");
    assert!(raw_answer(&app, bare).await.starts_with("HTTP/1.1 200"));
    let encoded_key: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    let encoded = format!(
        "GET /chatrooms/{encoded_key}/events?after=%30 HTTP/1.1\r\nHost: x\r\nCookie: {me}\r\n\r\n"
    );
    assert!(raw_answer(&app, encoded).await.starts_with("HTTP/1.1 200"));
    // Too many header lines: the same 431 on the live path and on hyper's.
    let crowd: String = (0..120).map(|i| format!("x-{i}: y\r\n")).collect();
    for path in [format!("/chatrooms/{key}/events"), "/".to_owned()] {
        let answer = raw_answer(
            &app,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{crowd}\r\n"),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{path}: {answer}");
    }
}

#[tokio::test]
async fn a_client_too_far_behind_gets_a_reset_instead_of_a_replay() {
    let app = spawn_app().await;
    let key = app.create_room("Busy").await;
    let me = app.login("latecomer").await;
    let mut last = 0;
    for n in 0..1002 {
        last = app.send(&key, &me, &format!("m{n}")).await;
    }
    // 1,001 changes after position 1: more than a stream replays one by one.
    let mut stream = app.events(&key, &me, Some(1)).await;
    let reset = stream.next_of("reset", WAIT).await.expect("a reset");
    // One room, nothing but posts: the feed position is the newest message's id.
    assert_eq!(reset.id, Some(last));
    assert_eq!(reset.json()["seq"], last);
    // No replay follows; the next message is the next new one.
    let newest = app.send(&key, &me, "after the reset").await;
    let next = stream
        .next_of("message", WAIT)
        .await
        .expect("the new message");
    assert_eq!(next.json()["id"], newest);
}

#[tokio::test]
async fn a_burst_of_posts_and_replies_in_two_rooms_is_stored_once_each_in_order() {
    use backend::store::entities::message;
    use sea_orm::{EntityTrait, QueryOrder};
    let app = spawn_app().await;
    let alice = app.login("alice").await;
    let rooms = [
        app.create_room("Burst A").await,
        app.create_room("Burst B").await,
    ];
    let mut firsts = Vec::new();
    for key in &rooms {
        firsts.push(app.send(key, &alice, "first").await);
    }
    // Plain posts go in with one statement per batch; replies between them are stored one by
    // one: the acknowledgements must still match the rows, and ids follow the change feed.
    let sends = (0..80).map(|i| {
        let (app, alice) = (&app, &alice);
        let (key, first) = (&rooms[i % 2], firsts[i % 2]);
        async move {
            let content = format!("burst {i}");
            let first = first.to_string();
            let mut form = vec![("hash_key", key.as_str()), ("content", content.as_str())];
            if i.is_multiple_of(5) {
                form.push(("reply_to", first.as_str()));
            }
            let res = app.call("send_message", &form, Some(alice)).await;
            assert_eq!(res.status(), StatusCode::OK, "{content}");
            res.json::<domain::model::ChatMessage>().await.unwrap()
        }
    });
    let acks = futures_util::future::join_all(sends).await;
    let db = app.db().await;
    let stored = message::Entity::find()
        .order_by_asc(message::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 82, "every message once");
    for ack in &acks {
        let row = stored
            .iter()
            .find(|row| row.id == ack.id.0)
            .expect("stored");
        assert_eq!(
            (row.chat_id, row.seq, row.content.as_str(), row.reply_to),
            (
                ack.chat_id.0,
                ack.seq.0,
                ack.content.as_str(),
                ack.reply_to.as_ref().map(|q| q.id.0)
            ),
            "the acknowledgement is the stored row"
        );
        let i: usize = ack.content["burst ".len()..].parse().unwrap();
        assert_eq!(
            ack.reply_to.is_some(),
            i.is_multiple_of(5),
            "{}",
            ack.content
        );
    }
    for chat in [acks[0].chat_id.0, acks[1].chat_id.0] {
        let seqs: Vec<i64> = stored
            .iter()
            .filter(|r| r.chat_id == chat)
            .map(|r| r.seq)
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "ids follow seq in chat {chat}: {seqs:?}"
        );
    }
}
