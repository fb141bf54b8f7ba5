//! Hostile input, driven over HTTP against one running server: one named test per input, so a
//! failure names the input that caused it (`cargo test -p server --test hostile -- message::`
//! runs a group). Every case must get the status it is allowed and store exactly what it says
//! (refused input stores nothing), and whatever is stored is rendered inert; never a 5xx.
//!
//! The cases share the server, and each compares the rows in the database before and after it,
//! so they run one at a time.

#[allow(dead_code)] // Shared with the `http` tests, which use more of it.
#[path = "../http/support.rs"]
mod support;
#[allow(dead_code)]
#[path = "../http/test_db.rs"]
mod test_db;

mod cases;

use libtest_mimic::{Arguments, Failed, Trial};
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use support::{count_rows, spawn_app, TestApp};

/// What every case can use: the server, a room, a logged-in defender and a claimed name.
pub struct Fixture {
    /// The server.
    pub app: TestApp,
    /// A separate connection to its database, for counting rows.
    db: DatabaseConnection,
    /// The room under attack.
    pub key: String,
    /// Its page, `/chatrooms/<key>/`.
    pub room: String,
    /// The session cookie of a member of that room.
    pub cookie: String,
    /// The session cookie of someone who opens only the rooms the cases create.
    pub viewer: String,
}

/// Rows a case stored: what it expects, compared with what the database shows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// New chats.
    pub chats: i64,
    /// New sessions (minus ended ones).
    pub sessions: i64,
    /// New messages.
    pub messages: i64,
}

impl Stored {
    /// Nothing at all.
    pub const NOTHING: Stored = Stored {
        chats: 0,
        sessions: 0,
        messages: 0,
    };
}

type CaseFuture = Pin<Box<dyn Future<Output = Result<Stored, String>> + Send>>;
type CaseBody = Arc<dyn Fn(&'static Fixture) -> CaseFuture + Send + Sync>;

/// One named hostile input and what it must lead to.
pub struct Case {
    name: String,
    body: CaseBody,
}

/// A case named `group::index_slug`, where the slug is a readable part of the input.
pub fn case<F, Fut>(group: &str, index: usize, input: &str, body: F) -> Case
where
    F: Fn(&'static Fixture) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Stored, String>> + Send + 'static,
{
    Case {
        name: format!("{group}::{index:02}_{}", slug(input)),
        body: Arc::new(move |fixture| Box::pin(body(fixture))),
    }
}

/// Letters and digits of `input` (others become `_`), at most 40 characters.
fn slug(input: &str) -> String {
    let slug: String = input
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let slug: String = slug.chars().take(40).collect();
    if slug.is_empty() {
        "empty".to_owned()
    } else {
        slug
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

/// Starts the server and prepares the room, the defender and the claimed names ("admin" with
/// a passphrase, and [`cases::CLAIMED`]).
async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let key = app.create_room("Target").await;
    let cookie = app.login("defender").await;
    let viewer = app.login("viewer").await;
    let room = format!("/chatrooms/{key}/");
    let page = app.get_page(&room, Some(&cookie)).await;
    assert_eq!(page.status(), 200, "the defender opens the room");
    let res = app
        .call(
            "login",
            &[
                ("username", "admin"),
                ("passphrase", "the admin's own passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "admin claims the name with a passphrase");
    for name in cases::CLAIMED {
        let res = app.call("login", &[("username", name)], None).await;
        assert_eq!(res.status(), 200, "{name} claims the name");
    }
    let db = app.db().await;
    Fixture {
        app,
        db,
        key,
        room,
        cookie,
        viewer,
    }
}

async fn rows(db: &DatabaseConnection) -> Stored {
    Stored {
        chats: count_rows(db, "chat").await,
        sessions: count_rows(db, "session").await,
        messages: count_rows(db, "message").await,
    }
}

/// Runs one case and checks that it stored exactly what it says.
fn run(body: &CaseBody) -> Result<(), Failed> {
    let fixture = FIXTURE.get().ok_or("the fixture did not start")?;
    runtime().block_on(async {
        let before = rows(&fixture.db).await;
        let expected = body(fixture).await?;
        let after = rows(&fixture.db).await;
        let stored = Stored {
            chats: after.chats - before.chats,
            sessions: after.sessions - before.sessions,
            messages: after.messages - before.messages,
        };
        if stored != expected {
            return Err(format!("stored {stored:?}, expected {expected:?}").into());
        }
        Ok(())
    })
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // One at a time: each case counts the rows of the shared database before and after.
    args.test_threads = Some(1);
    let cases = cases::all();
    let listing = args.list;
    if !listing {
        let _ = FIXTURE.set(runtime().block_on(fixture()));
    }
    let trials = cases
        .into_iter()
        .map(|Case { name, body }| Trial::test(name, move || run(&body)))
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if !listing {
        println!(
            "hostile cases: {}",
            conclusion.num_passed + conclusion.num_failed
        );
    }
    conclusion.exit_code()
}
