use sea_orm_migration::prelude::*;

use crate::m20261124_000001_create_chat_table::Chat;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Message::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Message::ChatId).integer().not_null())
                    .col(
                        ColumnDef::new(Message::Timestamp)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Message::Username).string().not_null())
                    .col(ColumnDef::new(Message::Content).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_message_chat")
                            .from(Message::Table, Message::ChatId)
                            .to(Chat::Table, Chat::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Every read of a room is "messages of chat X ordered by id", before or after a cursor.
        manager
            .create_index(
                Index::create()
                    .name("idx_message_chat_id_id")
                    .table(Message::Table)
                    .col(Message::ChatId)
                    .col(Message::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Message::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    ChatId,
    Timestamp,
    Username,
    Content,
}
