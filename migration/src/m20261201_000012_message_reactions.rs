use crate::message_column;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The reactions of a message, as JSON (`[{"emoji":"👍","users":["ann"]}]`; `NULL`: none).
/// Kept on the row: every read of a message needs them, and only the writer changes them,
/// under the room's change-feed lock.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::add(
            manager,
            ColumnDef::new(Message::Reactions).text().null().to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::drop(manager, Message::Reactions).await
    }
}

#[derive(DeriveIden)]
enum Message {
    Reactions,
}
