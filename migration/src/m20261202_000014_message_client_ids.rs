use crate::message_column;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The id a sender's browser gave a message (`NULL`: none): one author's message with a given
/// id is stored once per room, however often it is sent. The unique index is the last line of
/// defence; the writer looks the id up first (under the room's lock) and answers a repeat with
/// the stored message.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::add(
            manager,
            ColumnDef::new(Message::ClientId).string().null().to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_client_id")
                    .table(Message::Table)
                    .col(Message::ChatId)
                    .col(Message::ClientId)
                    .col(Message::Username)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_message_client_id")
                    .table(Message::Table)
                    .to_owned(),
            )
            .await?;
        message_column::drop(manager, Message::ClientId).await
    }
}

#[derive(DeriveIden)]
enum Message {
    Table,
    ChatId,
    ClientId,
    Username,
}
