use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Room owners and moderation, and one change feed per room:
/// - every message gets `seq`, the room's sequence number of its latest change (new, deleted, …);
///   the chat keeps the last number handed out. A live stream resumes "after seq N" and so
///   receives edits and deletions it missed, not only new messages. Existing messages take their
///   id as seq, so a resume position saved before this migration (a message id) still works;
/// - room settings on the chat (locked, slow mode, retention, the browser that created it);
/// - roles (owner, moderator) held by a claimed name, bans, retired share links, and a
///   moderation log; the session remembers its browser and the membership its address (what a
///   ban also covers).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let chat_columns = [
            ColumnDef::new(Chat::LastSeq)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Chat::Locked)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Chat::SlowModeSecs)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Chat::RetentionDays)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Chat::CreatorBrowser)
                .string()
                .null()
                .to_owned(),
        ];
        for mut column in chat_columns {
            add_column(manager, Chat::Table, &mut column).await?;
        }
        add_column(
            manager,
            Message::Table,
            ColumnDef::new(Message::Seq)
                .big_integer()
                .not_null()
                .default(0),
        )
        .await?;
        add_column(
            manager,
            Message::Table,
            ColumnDef::new(Message::DeletedBy).string().null(),
        )
        .await?;
        add_column(
            manager,
            Session::Table,
            ColumnDef::new(Session::BrowserId).string().null(),
        )
        .await?;
        add_column(
            manager,
            Membership::Table,
            ColumnDef::new(Membership::Address).string().null(),
        )
        .await?;

        let db = manager.get_connection();
        db.execute_unprepared("UPDATE message SET seq = id").await?;
        db.execute_unprepared(
            "UPDATE chat SET last_seq = COALESCE(\
             (SELECT MAX(message.id) FROM message WHERE message.chat_id = chat.id), 0)",
        )
        .await?;
        // One seq per change within a room: the resume cursor, in change order.
        manager
            .create_index(
                Index::create()
                    .name("idx_message_chat_seq")
                    .table(Message::Table)
                    .col(Message::ChatId)
                    .col(Message::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;

        create_room_role(manager).await?;
        create_room_ban(manager).await?;
        create_retired_link(manager).await?;
        create_moderation_log(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ModerationLog::Table.into_iden(),
            RetiredLink::Table.into_iden(),
            RoomBan::Table.into_iden(),
            RoomRole::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_message_chat_seq")
                    .table(Message::Table)
                    .to_owned(),
            )
            .await?;
        drop_column(manager, Membership::Table, Membership::Address).await?;
        drop_column(manager, Session::Table, Session::BrowserId).await?;
        drop_column(manager, Message::Table, Message::DeletedBy).await?;
        drop_column(manager, Message::Table, Message::Seq).await?;
        for column in [
            Chat::CreatorBrowser,
            Chat::RetentionDays,
            Chat::SlowModeSecs,
            Chat::Locked,
            Chat::LastSeq,
        ] {
            drop_column(manager, Chat::Table, column).await?;
        }
        Ok(())
    }
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: &mut ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

fn chat_fk(from: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{}_chat", from.into_iden()))
        .from(from, column)
        .to(Chat::Table, Chat::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Who holds a role in a room: a claimed name, so the role follows the name to any browser that
/// holds it (or logs in with its passphrase), and ends when the claim is released.
async fn create_room_role(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(RoomRole::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(RoomRole::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RoomRole::ChatId).big_integer().not_null())
                .col(ColumnDef::new(RoomRole::ClaimId).integer().not_null())
                .col(ColumnDef::new(RoomRole::Role).string().not_null())
                .foreign_key(&mut chat_fk(RoomRole::Table, RoomRole::ChatId))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_room_role_claim")
                        .from(RoomRole::Table, RoomRole::ClaimId)
                        .to(UsernameClaim::Table, UsernameClaim::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_room_role_chat_claim")
                .table(RoomRole::Table)
                .col(RoomRole::ChatId)
                .col(RoomRole::ClaimId)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_room_role_claim")
                .table(RoomRole::Table)
                .col(RoomRole::ClaimId)
                .to_owned(),
        )
        .await
}

/// Who may not enter a room: by session, claimed name (and names that look like it), browser,
/// and for sessions newer than the ban, address.
async fn create_room_ban(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(RoomBan::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(RoomBan::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RoomBan::ChatId).big_integer().not_null())
                .col(ColumnDef::new(RoomBan::Username).string().not_null())
                .col(ColumnDef::new(RoomBan::SessionId).integer().null())
                .col(ColumnDef::new(RoomBan::ClaimId).integer().null())
                .col(ColumnDef::new(RoomBan::BrowserId).string().null())
                .col(ColumnDef::new(RoomBan::Address).string().null())
                .col(
                    ColumnDef::new(RoomBan::SessionsAfter)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(RoomBan::BannedBy).string().not_null())
                .col(
                    ColumnDef::new(RoomBan::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(&mut chat_fk(RoomBan::Table, RoomBan::ChatId))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_room_ban_chat")
                .table(RoomBan::Table)
                .col(RoomBan::ChatId)
                .to_owned(),
        )
        .await
}

/// Share-link keys a room had before its link was rotated: members who open one are sent to
/// the current link; for anyone else it does not exist.
async fn create_retired_link(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(RetiredLink::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(RetiredLink::HashKey)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(RetiredLink::ChatId).big_integer().not_null())
                .col(
                    ColumnDef::new(RetiredLink::RetiredAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(&mut chat_fk(RetiredLink::Table, RetiredLink::ChatId))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_retired_link_chat")
                .table(RetiredLink::Table)
                .col(RetiredLink::ChatId)
                .to_owned(),
        )
        .await
}

/// What owners and moderators did in a room, for them to read.
async fn create_moderation_log(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ModerationLog::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(ModerationLog::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ModerationLog::ChatId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ModerationLog::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(ModerationLog::Actor).string().not_null())
                .col(ColumnDef::new(ModerationLog::Action).string().not_null())
                .col(ColumnDef::new(ModerationLog::Detail).text().not_null())
                .foreign_key(&mut chat_fk(ModerationLog::Table, ModerationLog::ChatId))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_moderation_log_chat")
                .table(ModerationLog::Table)
                .col(ModerationLog::ChatId)
                .col(ModerationLog::Id)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum Chat {
    Table,
    Id,
    LastSeq,
    Locked,
    SlowModeSecs,
    RetentionDays,
    CreatorBrowser,
}

#[derive(DeriveIden, Clone, Copy)]
enum Message {
    Table,
    ChatId,
    Seq,
    DeletedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Session {
    Table,
    BrowserId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Membership {
    Table,
    Address,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsernameClaim {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoomRole {
    Table,
    Id,
    ChatId,
    ClaimId,
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoomBan {
    Table,
    Id,
    ChatId,
    Username,
    SessionId,
    ClaimId,
    BrowserId,
    Address,
    SessionsAfter,
    BannedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RetiredLink {
    Table,
    HashKey,
    ChatId,
    RetiredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModerationLog {
    Table,
    Id,
    ChatId,
    At,
    Actor,
    Action,
    Detail,
}
