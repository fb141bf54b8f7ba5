//! Adding and dropping one column of `message`, the shape of several migrations.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Message {
    Table,
}

/// Adds `column` to `message`.
pub async fn add(manager: &SchemaManager<'_>, mut column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Message::Table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

/// Drops `column` from `message`.
pub async fn drop(manager: &SchemaManager<'_>, column: impl IntoIden) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Message::Table)
                .drop_column(column)
                .to_owned(),
        )
        .await
}
