//! A fresh database per test, on the backend the run asks for: `TEST_BACKEND=sqlite` (default,
//! a file in the test's temp dir) or `TEST_BACKEND=postgres` (a new database on the server at
//! `TEST_DATABASE_URL`, dropped when the test ends).

use sea_orm::{ConnectionTrait, Database};
use std::path::Path;

/// Where the PostgreSQL suites create their databases unless `TEST_DATABASE_URL` says otherwise.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The backend this test run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file per test.
    Sqlite,
    /// A PostgreSQL database per test.
    Postgres,
}

impl Backend {
    /// From `TEST_BACKEND`.
    pub fn from_env() -> Self {
        match std::env::var("TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("TEST_BACKEND must be sqlite or postgres, got {other:?}"),
        }
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// Its connection URL.
    pub url: String,
    /// For PostgreSQL: the server URL and database name, to drop it afterwards.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A new, empty database (SQLite files go into `dir`).
    pub async fn fresh(dir: &Path) -> Self {
        match Backend::from_env() {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                postgres: None,
            },
            Backend::Postgres => Self::fresh_postgres().await,
        }
    }

    /// A new database on the PostgreSQL server at `TEST_DATABASE_URL`.
    pub async fn fresh_postgres() -> Self {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
        let name = format!("chat_test_{:016x}", rand::random::<u64>());
        let admin = Database::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        Self {
            url: with_database(&admin_url, &name),
            postgres: Some((admin_url, name)),
        }
    }
}

impl TestDatabase {
    /// For PostgreSQL: the server URL to administer it from, and the database's name.
    pub fn postgres_admin(&self) -> Option<(&str, &str)> {
        self.postgres
            .as_ref()
            .map(|(admin, name)| (admin.as_str(), name.as_str()))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop is not async and may run inside the test's runtime: drop it from a thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        });
        let _ = dropped.join();
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}
