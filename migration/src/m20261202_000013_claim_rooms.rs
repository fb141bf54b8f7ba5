use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The rooms a name has opened, whichever browser (session) it used: "your recent rooms" and
/// the membership of a locked room follow a passphrase-protected name to another browser, and
/// outlive logging out. Filled from the existing memberships.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClaimRoom::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ClaimRoom::ClaimId).integer().not_null())
                    .col(ColumnDef::new(ClaimRoom::ChatId).big_integer().not_null())
                    .col(
                        ColumnDef::new(ClaimRoom::OpenedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ClaimRoom::ClaimId)
                            .col(ClaimRoom::ChatId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_claim_room_claim")
                            .from(ClaimRoom::Table, ClaimRoom::ClaimId)
                            .to(UsernameClaim::Table, UsernameClaim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_claim_room_chat")
                            .from(ClaimRoom::Table, ClaimRoom::ChatId)
                            .to(Chat::Table, Chat::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO claim_room (claim_id, chat_id, opened_at) \
                 SELECT s.claim_id, m.chat_id, MAX(m.joined_at) FROM membership m \
                 JOIN session s ON s.id = m.session_id WHERE s.claim_id IS NOT NULL \
                 GROUP BY s.claim_id, m.chat_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClaimRoom::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ClaimRoom {
    Table,
    ClaimId,
    ChatId,
    OpenedAt,
}

#[derive(DeriveIden)]
enum UsernameClaim {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Chat {
    Table,
    Id,
}
