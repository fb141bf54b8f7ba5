use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Chat and message ids (and the columns that point at them) become 64-bit, the type they have
/// all the way to the browser. SQLite's INTEGER is 64-bit already: only PostgreSQL changes.
const UP: &str = r#"
ALTER TABLE chat ALTER COLUMN id TYPE bigint;
ALTER TABLE message ALTER COLUMN id TYPE bigint, ALTER COLUMN chat_id TYPE bigint;
ALTER TABLE membership ALTER COLUMN chat_id TYPE bigint;
DO $$ BEGIN
  EXECUTE format('ALTER SEQUENCE %s AS bigint', pg_get_serial_sequence('chat', 'id'));
  EXECUTE format('ALTER SEQUENCE %s AS bigint', pg_get_serial_sequence('message', 'id'));
END $$;
"#;

const DOWN: &str = r#"
DO $$ BEGIN
  EXECUTE format('ALTER SEQUENCE %s AS integer', pg_get_serial_sequence('chat', 'id'));
  EXECUTE format('ALTER SEQUENCE %s AS integer', pg_get_serial_sequence('message', 'id'));
END $$;
ALTER TABLE membership ALTER COLUMN chat_id TYPE integer;
ALTER TABLE message ALTER COLUMN id TYPE integer, ALTER COLUMN chat_id TYPE integer;
ALTER TABLE chat ALTER COLUMN id TYPE integer;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(DOWN).await?;
        }
        Ok(())
    }
}
