//! Schema history for Chat, Message, Session, Membership (which session opened which chat),
//! UsernameClaim (who owns a name), UsernameKey (the keys that make two names the same),
//! room moderation (roles, bans, retired links, the moderation log), the edits, replies and
//! reactions and client ids of messages, and ClaimRoom (which rooms a name opened, from any browser).
//! Never imports the backend's entities, so the history stays fixed when the entities change.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_chat_table;
mod m20261124_000002_create_message_table;
mod m20261124_000003_create_session_table;
mod m20261124_000004_create_membership_table;
mod m20261124_000005_create_username_claim_table;
mod m20261124_000006_add_session_claim_and_activity;
mod m20261125_000007_widen_ids_to_bigint;
mod m20261125_000008_create_username_key_table;
mod m20261129_000009_room_moderation;
mod m20261129_000010_message_edits;
mod m20261130_000011_message_replies;
mod m20261201_000012_message_reactions;
mod m20261202_000013_claim_rooms;
mod m20261202_000014_message_client_ids;
mod m20261203_000015_chat_version;
mod message_column;

/// Where the database lives when `DATABASE_URL` is not set: a SQLite file in the working
/// directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://chat.db?mode=rwc";

/// The ordered list of migrations, applied by `cargo run -p migration -- up` and at server start.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_chat_table::Migration),
            Box::new(m20261124_000002_create_message_table::Migration),
            Box::new(m20261124_000003_create_session_table::Migration),
            Box::new(m20261124_000004_create_membership_table::Migration),
            Box::new(m20261124_000005_create_username_claim_table::Migration),
            Box::new(m20261124_000006_add_session_claim_and_activity::Migration),
            Box::new(m20261125_000007_widen_ids_to_bigint::Migration),
            Box::new(m20261125_000008_create_username_key_table::Migration),
            Box::new(m20261129_000009_room_moderation::Migration),
            Box::new(m20261129_000010_message_edits::Migration),
            Box::new(m20261130_000011_message_replies::Migration),
            Box::new(m20261201_000012_message_reactions::Migration),
            Box::new(m20261202_000013_claim_rooms::Migration),
            Box::new(m20261202_000014_message_client_ids::Migration),
            Box::new(m20261203_000015_chat_version::Migration),
        ]
    }
}
