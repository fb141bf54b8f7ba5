//! `spawn_app()`: the real server on 127.0.0.1:0 with its own fresh database.

use crate::test_db::TestDatabase;
use backend::identity::cookies::CookiePolicy;
use backend::Settings;
use leptos::prelude::LeptosOptions;
use reqwest::{header, redirect::Policy, Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use server::page_cache::PageCacheSwitch;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client that does not follow redirects, so tests can inspect them.
    pub client: Client,
    /// Turns keeping room pages off (and on) in an in-process server.
    pub page_cache: PageCacheSwitch,
    db_url: String,
    // Dropped in this order: the server stops, then its database goes, then the directory.
    server: Server,
    _database: Option<TestDatabase>,
    _dir: TempDir,
}

/// The server behind a [`TestApp`]: a task in the test's runtime, or a process of its own.
enum Server {
    /// Stops when the sender is dropped.
    InProcess(#[allow(dead_code)] oneshot::Sender<()>),
    /// Killed when dropped.
    Process(std::process::Child),
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Process(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The settings tests run with: production ones, but without rate limits (tests send from one
/// address far faster than people do; `rate_limits.rs` tests the limits themselves).
fn test_settings() -> Settings {
    Settings {
        room_buffer: backend::live::hub::DEFAULT_ROOM_BUFFER,
        cookies: CookiePolicy::default(),
        rate_limits: false,
        trusted_proxy: false,
    }
}

/// How many panics this test process has seen so far (the servers run in it): a page that
/// answers 200 while a task behind it panicked still counts as broken.
pub fn panics_so_far() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Once;
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            COUNT.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    COUNT.load(Ordering::SeqCst)
}

/// Starts a server with a fresh database and waits until it answers.
pub async fn spawn_app() -> TestApp {
    spawn(test_settings()).await
}

/// Like [`spawn_app`], with `room_buffer` live frames buffered per room (small = easy lag).
pub async fn spawn_app_with(room_buffer: usize) -> TestApp {
    spawn(Settings {
        room_buffer,
        ..test_settings()
    })
    .await
}

/// Like [`spawn_app`], configured as served over HTTPS (`COOKIE_SECURE=true`).
pub async fn spawn_secure_app() -> TestApp {
    spawn(Settings {
        cookies: CookiePolicy { secure: true },
        ..test_settings()
    })
    .await
}

/// Like [`spawn_app`], with the production rate limits; `trusted_proxy` as configured.
pub async fn spawn_limited_app(trusted_proxy: bool) -> TestApp {
    spawn(Settings {
        rate_limits: true,
        trusted_proxy,
        ..test_settings()
    })
    .await
}

/// Like [`spawn_app`], behind a trusted proxy (the client address is the last hop of
/// `X-Forwarded-For`, so one test can come from many addresses), without rate limits.
pub async fn spawn_proxied_app() -> TestApp {
    spawn(Settings {
        trusted_proxy: true,
        ..test_settings()
    })
    .await
}

/// Whether `TEST_LOG=1` asks for the servers' logs (shown for failing tests only: the test
/// harness captures a test's output and prints it when the test fails).
fn logs_wanted() -> bool {
    matches!(std::env::var("TEST_LOG").as_deref(), Ok("1") | Ok("true"))
}

/// With `TEST_LOG=1`, sends in-process servers' logs (`RUST_LOG`, default `info,sqlx=warn`)
/// to the test's captured output.
fn init_logs() {
    static INIT: std::sync::Once = std::sync::Once::new();
    if !logs_wanted() {
        return;
    }
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

/// Like [`spawn_app`], with at most `per_address` connections from one address, and a client
/// that keeps no idle connections (they would count).
pub async fn spawn_capped_app(per_address: usize) -> TestApp {
    let mut app = spawn_with(
        test_settings(),
        server::admission::ConnectionLimits {
            total: server::admission::ConnectionLimits::total_from_file_limit(),
            per_address: Some(per_address),
        },
    )
    .await;
    // Dropping the old client closes the connection it kept from waiting for the server.
    app.client = Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    app
}

/// The connection caps of most tests: tests come from one address, far more at once than
/// people do.
fn uncapped() -> server::admission::ConnectionLimits {
    server::admission::ConnectionLimits {
        total: server::admission::ConnectionLimits::total_from_file_limit(),
        per_address: None,
    }
}

async fn spawn(settings: Settings) -> TestApp {
    spawn_with(settings, uncapped()).await
}

/// Like [`spawn_app`], with a built bundle in the site root: `(path under the site root,
/// contents)` for each file.
pub async fn spawn_app_with_site(files: &[(&str, &[u8])]) -> TestApp {
    spawn_in(tempdir_with(files), test_settings(), uncapped()).await
}

/// A temporary folder holding `files`.
fn tempdir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    dir
}

async fn spawn_with(
    settings: Settings,
    connections: server::admission::ConnectionLimits,
) -> TestApp {
    spawn_in(tempdir_with(&[]), settings, connections).await
}

async fn spawn_in(
    dir: tempfile::TempDir,
    settings: Settings,
    connections: server::admission::ConnectionLimits,
) -> TestApp {
    init_logs();
    let database = TestDatabase::fresh(dir.path()).await;
    let db_url = database.url.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let options = LeptosOptions::builder()
        .env(leptos::config::Env::PROD)
        .output_name("chat")
        .site_root(dir.path().to_string_lossy().to_string())
        .site_addr(addr)
        .build();
    let (stop, stopped) = oneshot::channel::<()>();
    let page_cache = PageCacheSwitch::new(true);
    let config = server::Config {
        database_url: db_url.clone(),
        leptos: options,
        settings,
        connections,
        keep_pages: page_cache.clone(),
    };
    tokio::spawn(async move {
        server::serve(listener, config, async {
            let _ = stopped.await;
        })
        .await
        .expect("server failed");
    });
    let client = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let app = TestApp {
        base: format!("http://{addr}"),
        client,
        page_cache,
        db_url,
        server: Server::InProcess(stop),
        _database: Some(database),
        _dir: dir,
    };
    app.wait_until_up().await;
    app
}

/// Starts the real server binary (a separate instance) on a free port against `database_url`
/// (which the caller keeps alive), with the given extra environment.
pub async fn spawn_process(database_url: &str, env: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_OUTPUT_NAME", "chat")
        .env("LEPTOS_SITE_ROOT", dir.path())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_ENV", "PROD")
        .env("RATE_LIMITS", "false")
        .envs(env.iter().copied());
    if logs_wanted() {
        // A process of its own: its log goes straight to the terminal (run the failing test
        // alone to read it), filtered by the caller's RUST_LOG if set.
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".to_owned());
        command.env("RUST_LOG", filter);
    } else {
        command
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
    }
    let child = command.spawn().expect("start the server binary");
    let app = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client"),
        // A process of its own reads PAGE_CACHE from `env`; this switch is not its.
        page_cache: PageCacheSwitch::new(true),
        db_url: database_url.to_owned(),
        server: Server::Process(child),
        _database: None,
        _dir: dir,
    };
    app.wait_until_up().await;
    app
}

impl TestApp {
    /// Another server process on this app's database that has served no request yet: it knows
    /// of no session but from the database (as a server that has not seen one for days).
    pub async fn fresh_instance(&self) -> TestApp {
        spawn_process(&self.db_url, &[]).await
    }

    /// Waits until the server answers (the listener may be bound while migrations still run).
    async fn wait_until_up(&self) {
        for _ in 0..400 {
            let up = self
                .client
                .get(format!("{}/", self.base))
                .send()
                .await
                .is_ok_and(|res| res.status() == StatusCode::OK);
            if up {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("server did not come up");
    }

    /// Asks the server process to stop (SIGTERM, as a service manager does) and waits up to
    /// `wait` for it to exit: its exit status, or `None` if it is still running then.
    pub async fn terminate(
        &mut self,
        wait: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let Server::Process(child) = &mut self.server else {
            return None;
        };
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM failed");
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }

    /// Kills the server process at once (no graceful shutdown), as a crash would.
    pub fn kill(&mut self) {
        if let Server::Process(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// GET a page as a browser navigation (Accept: text/html), with an optional session cookie.
    pub async fn get_page(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html,application/xhtml+xml");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.expect("request")
    }

    /// POST a server function the way the hydrated app does (JSON answer).
    pub async fn call(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        self.call_with(endpoint, form, cookie, &[]).await
    }

    /// Like [`TestApp::call`], with extra request headers (e.g. `X-Forwarded-For`).
    pub async fn call_with(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ACCEPT, "application/json")
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.expect("request")
    }

    /// POST a server function as a plain HTML form with JavaScript off (answer: a redirect).
    pub async fn post_form(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        referer: &str,
        cookie: Option<&str>,
    ) -> Response {
        let mut req = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("{}{referer}", self.base))
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.expect("request")
    }

    /// Edits message `id` of room `key` as the session of `cookie` (the answer is checked by
    /// the caller).
    pub async fn edit_message(&self, key: &str, cookie: &str, id: i64, content: &str) -> Response {
        let id = id.to_string();
        let form = [("hash_key", key), ("message_id", &id), ("content", content)];
        self.call("edit_message", &form, Some(cookie)).await
    }

    /// Deletes the session's own message `id` of room `key`.
    pub async fn delete_my_message(&self, key: &str, cookie: &str, id: i64) -> Response {
        let id = id.to_string();
        let form = [("hash_key", key), ("message_id", id.as_str())];
        self.call("delete_my_message", &form, Some(cookie)).await
    }

    /// Creates a room through the server function and returns its hash key.
    pub async fn create_room(&self, name: &str) -> String {
        let res = self.call("create_room", &[("name", name)], None).await;
        assert_eq!(res.status(), StatusCode::OK, "create_room failed");
        res.json::<String>().await.expect("hash key")
    }

    /// Logs in as `username` and returns the `Cookie` header value for the session.
    pub async fn login(&self, username: &str) -> String {
        let res = self
            .call("login", &[("username", username), ("next", "/")], None)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "login failed");
        session_cookie(&res).expect("session cookie")
    }

    /// Runs a `SELECT COUNT(*)` on the server's database.
    pub async fn count(&self, table: &str) -> i64 {
        count_rows(&self.db().await, table).await
    }

    /// A separate connection to the server's database.
    pub async fn db(&self) -> DatabaseConnection {
        Database::connect(&self.db_url).await.expect("db")
    }
}

/// The number of rows in `table`.
pub async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await
}

/// The first column of the first row `sql` returns.
pub async fn scalar<T: sea_orm::TryGetable>(db: &DatabaseConnection, sql: &str) -> T {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<T>(0)
        .expect("a value of the type asked for")
}

/// The `chat_session=...` pair from a response's Set-Cookie, ready for a Cookie header.
pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chat_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The Location header of a response.
pub fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// One parsed Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    /// The `id:` field, if any.
    pub id: Option<i64>,
    /// The `event:` name.
    pub event: String,
    /// The `data:` payload.
    pub data: String,
}

impl SseEvent {
    /// The payload as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).expect("event data is JSON")
    }
}

/// A live stream being read event by event.
pub struct EventStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl EventStream {
    /// The next event (comments and `retry:` lines skipped), or `None` after `wait` of silence
    /// or when the stream ends.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<SseEvent> {
        use futures_util::StreamExt;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(event) = parse_block(&block) {
                    return Some(event);
                }
            }
            match tokio::time::timeout(wait, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// The next event named `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str, wait: std::time::Duration) -> Option<SseEvent> {
        loop {
            let event = self.next(wait).await?;
            if event.event == kind {
                return Some(event);
            }
        }
    }

    /// Message contents received until `wait` passes with no message event.
    pub async fn drain_messages(&mut self, wait: std::time::Duration) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        while let Some(event) = self.next_of("message", wait).await {
            let json = event.json();
            out.push((
                event.id.expect("message id"),
                json["content"].as_str().unwrap().to_owned(),
            ));
        }
        out
    }
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let (mut id, mut event, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = v.parse().ok();
        } else if let Some(v) = line.strip_prefix("event: ") {
            event = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("data: ") {
            data = Some(v.to_owned());
        }
    }
    Some(SseEvent {
        id,
        event: event?,
        data: data?,
    })
}

impl TestApp {
    /// Opens `/chatrooms/<key>/events` with an optional cookie and resume headers; returns the raw
    /// response (for status checks).
    pub async fn events_response(
        &self,
        key: &str,
        cookie: Option<&str>,
        last_event_id: Option<i64>,
    ) -> Response {
        let mut req = self
            .client
            .get(format!("{}/chatrooms/{key}/events", self.base))
            .header(header::ACCEPT, "text/event-stream");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        req.send().await.expect("request")
    }

    /// Opens the live stream of a room as the session in `cookie`.
    pub async fn events(&self, key: &str, cookie: &str, last_event_id: Option<i64>) -> EventStream {
        let res = self.events_response(key, Some(cookie), last_event_id).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/event-stream"
        );
        EventStream {
            body: Box::pin(res.bytes_stream()),
            buf: String::new(),
        }
    }

    /// Sends a message as the session in `cookie` and returns its id.
    pub async fn send(&self, key: &str, cookie: &str, content: &str) -> i64 {
        let res = self
            .call(
                "send_message",
                &[("hash_key", key), ("content", content)],
                Some(cookie),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "send failed");
        res.json::<domain::model::ChatMessage>()
            .await
            .expect("message")
            .id
            .0
    }
}

/// A page with the composer's fresh message id (random per page) taken out.
pub fn without_client_id(html: &str) -> String {
    let field = r#"name="client_id" value=""#;
    let at = html.find(field).expect("the composer's message id") + field.len();
    let end = at + html[at..].find('"').expect("closing quote");
    assert_eq!(end - at, 32, "16 random bytes in hex");
    format!("{}ID{}", &html[..at], &html[end..])
}

/// A page with its per-response nonce (in `nonce` and `crossorigin` attributes) taken out.
pub fn without_nonces(html: &str) -> String {
    let at = html.find("nonce=\"").expect("a nonce") + "nonce=\"".len();
    let nonce = &html[at..at + html[at..].find('"').expect("closing quote")];
    html.replace(nonce, "NONCE")
}

/// A room page's markup with its per-answer values taken out (the resources' scripts after
/// `</html>` arrive in whichever order they resolve, and are left out too).
pub fn page_markup(page: &str) -> String {
    let page = without_client_id(&without_nonces(page));
    page[..page.find("</html>").expect("a whole page")].to_owned()
}
