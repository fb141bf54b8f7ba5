use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every key of every claimed name, each unique, so two names sharing any key cannot both be
/// claimed (the database enforces it). Existing claims get their keys here.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsernameKey::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(UsernameKey::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(UsernameKey::ClaimId).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_username_key_claim")
                            .from(UsernameKey::Table, UsernameKey::ClaimId)
                            .to(UsernameClaim::Table, UsernameClaim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_username_key_claim")
                    .table(UsernameKey::Table)
                    .col(UsernameKey::ClaimId)
                    .to_owned(),
            )
            .await?;
        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsernameKey::Table).to_owned())
            .await
    }
}

/// Gives every existing claim its keys, oldest claim first: names claimed earlier that now
/// share a key keep their claims, and the shared key goes to the earlier one.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([UsernameClaim::Id, UsernameClaim::Name])
        .from(UsernameClaim::Table)
        .order_by(UsernameClaim::Id, Order::Asc)
        .to_owned();
    for row in db.query_all(&select).await? {
        let id: i32 = row.try_get("", "id")?;
        let name: String = row.try_get("", "name")?;
        for key in keys_as_of_this_migration(&name) {
            let insert = Query::insert()
                .into_table(UsernameKey::Table)
                .columns([UsernameKey::Key, UsernameKey::ClaimId])
                .values_panic([key.into(), id.into()])
                .on_conflict(OnConflict::column(UsernameKey::Key).do_nothing().to_owned())
                .to_owned();
            db.execute(&insert).await?;
        }
    }
    Ok(())
}

/// The name keys as the backend defined them when this migration was written. A copy on
/// purpose: schema history must not change when the backend's key function does (a later
/// change would bring a migration of its own that recomputes the keys).
fn keys_as_of_this_migration(name: &str) -> Vec<String> {
    let lower = |text: &str| -> String { text.chars().flat_map(char::to_lowercase).collect() };
    let finish = |text: &str| -> String {
        let key = lower(&skeleton(text).collect::<String>());
        key.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let nfkc: String = name.nfkc().collect();
    let mut keys = Vec::new();
    for form in [nfkc.as_str(), name] {
        let capitals: String = form.chars().flat_map(char::to_uppercase).collect();
        let folded_first = finish(&lower(form));
        let mapped_first = finish(&lower(&skeleton(form).collect::<String>()));
        let capitals_mapped = finish(&lower(&skeleton(&capitals).collect::<String>()));
        for key in [folded_first, mapped_first, capitals_mapped] {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[derive(DeriveIden)]
enum UsernameKey {
    Table,
    Key,
    ClaimId,
}

#[derive(DeriveIden)]
enum UsernameClaim {
    Table,
    Id,
    Name,
}
