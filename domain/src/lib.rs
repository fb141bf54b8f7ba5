//! What the browser and the server share, with no web framework and no database in sight:
//! parsed user input ([`input`]), ids ([`ids`]), the plain serde types that cross the wire
//! ([`model`]), roles and room settings ([`moderation`]), the live events of a room ([`live`]),
//! the site's paths ([`paths`]), how long identities last ([`policy`]), reactions
//! ([`reactions`]), who a message mentions ([`mentions`]) and the colour theme ([`theme`]).

pub mod ids;
pub mod input;
pub mod live;
pub mod mentions;
pub mod model;
pub mod moderation;
pub mod paths;
pub mod policy;
pub mod reactions;
pub mod theme;

pub use ids::{ChatId, MessageId, Seq};
pub use input::{
    ClientId, HashKey, InvalidInput, LocalPath, MessageText, Passphrase, RoomName, Username,
};
