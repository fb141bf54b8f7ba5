//! SIGTERM while people are connected and sending: the server exits within a bounded time (live
//! streams are told to reconnect and end, so their browsers come back, to another instance or to
//! this one restarted), and every send it acknowledged is stored.

use crate::support::spawn_process;
use crate::test_db::TestDatabase;
use domain::model::ChatMessage;
use reqwest::{header, StatusCode};
use std::time::{Duration, Instant};

#[tokio::test]
async fn sigterm_ends_streams_exits_in_time_and_keeps_every_acknowledged_send() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::fresh(dir.path()).await;
    let mut app = spawn_process(&database.url, &[]).await;
    let key = app.create_room("Closing time").await;
    let ann = app.login("ann").await;
    let mut stream = app.events(&key, &ann, None).await;

    // Sends keep coming while the signal arrives; each answered one is noted.
    let (client, base) = (app.client.clone(), app.base.clone());
    let sender = tokio::spawn(async move {
        let mut acknowledged = Vec::new();
        for i in 0..500 {
            let content = format!("message {i}");
            let res = client
                .post(format!("{base}/api/send_message"))
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, &ann)
                .form(&[("hash_key", key.as_str()), ("content", content.as_str())])
                .send()
                .await;
            match res {
                Ok(res) if res.status() == StatusCode::OK => {
                    acknowledged.push(res.json::<ChatMessage>().await.expect("a message").id.0);
                }
                // Refused or cut off by the shutdown: not acknowledged, so not promised.
                _ => break,
            }
        }
        acknowledged
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let asked = Instant::now();
    let status = app.terminate(Duration::from_secs(15)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "exit status {status:?} after {:?}",
        asked.elapsed()
    );
    // The open live stream was told to reconnect, after a delay of its own, then ended.
    let mut last = None;
    while let Some(event) = stream.next(Duration::from_secs(20)).await {
        last = Some(event);
    }
    let last = last.expect("events before the end");
    assert_eq!(last.event, "reconnect", "the stream's last event");
    let after_ms = last.json()["after_ms"].as_u64().expect("a delay");
    assert!((1000..4000).contains(&after_ms), "{after_ms}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "{:?}",
        asked.elapsed()
    );

    let acknowledged = sender.await.expect("the sender");
    assert!(
        !acknowledged.is_empty(),
        "some sends went through before the signal"
    );
    let db = app.db().await;
    for id in &acknowledged {
        let sql = format!("SELECT COUNT(*) AS n FROM message WHERE id = {id}");
        assert_eq!(
            crate::support::scalar::<i64>(&db, &sql).await,
            1,
            "acknowledged message {id} is stored"
        );
    }
}
