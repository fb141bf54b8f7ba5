use crate::message_column;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// When a message's author last edited it (`NULL`: never).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::add(
            manager,
            ColumnDef::new(Message::EditedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::drop(manager, Message::EditedAt).await
    }
}

#[derive(DeriveIden)]
enum Message {
    EditedAt,
}
