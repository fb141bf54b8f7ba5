use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsernameClaim::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(UsernameClaim::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // The look-alike-proof form of the name: unique, so one name has one owner.
                    .col(
                        ColumnDef::new(UsernameClaim::NameKey)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(UsernameClaim::Name).string().not_null())
                    // An argon2id PHC string, or NULL when the owner set no passphrase.
                    .col(
                        ColumnDef::new(UsernameClaim::PassphraseHash)
                            .string()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(UsernameClaim::LastUsedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsernameClaim::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UsernameClaim {
    Table,
    Id,
    NameKey,
    Name,
    PassphraseHash,
    LastUsedAt,
}
