use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `chat.version`: bumped in the same transaction as every change to a room that its row and
/// its change feed (`last_seq`) do not show: roles, bans, messages deleted for retention. Each
/// instance keeps a copy of these per room in memory and reads only the row to know the copy
/// is still right, whichever instance made the change.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Chat::Table)
                    .add_column(
                        ColumnDef::new(Chat::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Chat::Table)
                    .drop_column(Chat::Version)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Chat {
    Table,
    Version,
}
