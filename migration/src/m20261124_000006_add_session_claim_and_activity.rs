use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Sessions older than this migration have no claim and no activity time: they count as
/// expired (their users pick a name again, which claims it).
const NEVER: &str = "1970-01-01 00:00:00+00:00";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .add_column(ColumnDef::new(Session::ClaimId).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .add_column(
                        ColumnDef::new(Session::LastActiveAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(NEVER),
                    )
                    .to_owned(),
            )
            .await?;
        // "Which sessions hold this name" and the expiry sweep.
        manager
            .create_index(
                Index::create()
                    .name("idx_session_claim")
                    .table(Session::Table)
                    .col(Session::ClaimId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_session_last_active")
                    .table(Session::Table)
                    .col(Session::LastActiveAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["idx_session_claim", "idx_session_last_active"] {
            manager
                .drop_index(Index::drop().name(index).table(Session::Table).to_owned())
                .await?;
        }
        for column in [Session::ClaimId, Session::LastActiveAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Session::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Session {
    Table,
    ClaimId,
    LastActiveAt,
}
