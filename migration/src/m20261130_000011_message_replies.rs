use crate::message_column;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The message a message answers (`NULL`: none); always one of the same room (the writer checks
/// it). No foreign key: the original may be deleted by retention, the reply stays.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::add(
            manager,
            ColumnDef::new(Message::ReplyTo)
                .big_integer()
                .null()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        message_column::drop(manager, Message::ReplyTo).await
    }
}

#[derive(DeriveIden)]
enum Message {
    ReplyTo,
}
