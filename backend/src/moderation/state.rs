//! A room's state as open pages see it (name, link, settings, roles), and telling them when it
//! changes: on this instance directly, or through PostgreSQL to every instance.

use super::access::Entry;
use super::roles;
use crate::live::cluster::{self, RoomNotice};
use crate::live::fanout::Fanout;
use crate::live::hub::Hub;
use crate::store::rooms::{self, Room};
use crate::Services;
use domain::live::LiveEvent;
use domain::moderation::{RoleHolder, RoomState};
use domain::ChatId;
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The state of `room` with these role holders.
fn with_roles(room: &Room, roles: Vec<RoleHolder>) -> RoomState {
    RoomState {
        name: room.name.clone(),
        hash_key: room.hash_key.clone(),
        locked: room.locked,
        slow_mode: room.slow_mode,
        retention: room.retention,
        roles,
    }
}

/// The state of `room`, with its roles read from the database.
async fn of(db: &impl ConnectionTrait, room: &Room) -> Result<RoomState, crate::Error> {
    Ok(with_roles(room, roles::holders(db, room.id).await?))
}

/// The state of the room `entry` entered, with the roles read then.
pub fn of_entry(entry: &Entry) -> RoomState {
    with_roles(&entry.room, entry.rules.holders())
}

/// Reads `chat_id`'s state and publishes it to this instance's listeners (if the room still
/// exists).
pub async fn publish_room_state(
    db: &DatabaseConnection,
    hub: &Hub,
    chat_id: ChatId,
) -> Result<(), crate::Error> {
    if let Some(room) = rooms::find_by_id(db, chat_id).await? {
        hub.publish_event(chat_id, LiveEvent::Room(of(db, &room).await?));
    }
    Ok(())
}

/// Tells every open page of `chat_id`, on every instance, about `notice` (call after the change
/// is committed).
pub async fn announce(
    services: &Services,
    chat_id: ChatId,
    notice: RoomNotice,
) -> Result<(), crate::Error> {
    match &services.fanout {
        Fanout::Postgres(_) => cluster::notify_room(&services.db, chat_id, notice).await?,
        Fanout::InProcess => match notice {
            RoomNotice::Changed => publish_room_state(&services.db, &services.hub, chat_id).await?,
            RoomNotice::Removed { username, banned } => services
                .hub
                .publish_event(chat_id, LiveEvent::Removed { username, banned }),
            RoomNotice::Closed => services.hub.publish_event(chat_id, LiveEvent::Closed {}),
        },
    }
    Ok(())
}
