//! What the browser and the server share, with no web framework and no database in sight:
//! parsed user input ([`input`]), ids ([`ids`]), the plain serde types that cross the wire
//! ([`model`]), the live events of a room ([`live`]), the site's paths ([`paths`]) and how long
//! identities last ([`policy`]).

pub mod ids;
pub mod input;
pub mod live;
pub mod model;
pub mod paths;
pub mod policy;

pub use ids::{ChatId, MessageId};
pub use input::{HashKey, InvalidInput, LocalPath, MessageText, Passphrase, RoomName, Username};
