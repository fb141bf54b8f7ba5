//! Connecting to the database and bringing its schema up to date.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use std::time::Duration;

/// Connects to `url` (`sqlite://...` or `postgres://...`), turns on WAL for SQLite and applies
/// pending migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    // With PostgreSQL one of them is kept for listening to the other instances.
    options
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers go on while a message is written; the setting is stored in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    /// Without this build option (`.cargo/config.toml`), SQLite compiles every statement with a
    /// bound `LIMIT` again on each run.
    #[tokio::test]
    async fn sqlite_is_built_with_stable_query_plans() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let found = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "select count(*) as n from pragma_compile_options \
                 where compile_options = 'ENABLE_QPSG'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.try_get::<i64>("", "n").unwrap(), 1);
    }
}
