//! Database ids as they travel from the database to the browser: one 64-bit type per kind of
//! row, so a chat id cannot be passed where a message id is meant and nothing is narrowed on
//! the way.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

id_type!(
    /// A chat (room) in the database.
    ChatId
);
id_type!(
    /// A message in the database. Ids grow with every message stored, so they order a room's
    /// history and serve as the cursor of history pages.
    MessageId
);

id_type!(
    /// A position in a room's change feed: every change to a room's messages (a new message, a
    /// deletion, …) takes the room's next number, in commit order. A live stream resumes after
    /// the last one it delivered, so it also learns of changes to messages it already showed.
    Seq
);

impl MessageId {
    /// Before every message: "from the start".
    pub const START: MessageId = MessageId(0);
}

impl Seq {
    /// Before every change.
    pub const START: Seq = Seq(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_on_the_wire() {
        assert_eq!(serde_json::to_string(&MessageId(42)).unwrap(), "42");
        assert_eq!(
            serde_json::from_str::<ChatId>("9007199254740993").unwrap(),
            ChatId(9_007_199_254_740_993)
        );
        assert_eq!("17".parse::<MessageId>(), Ok(MessageId(17)));
        assert!("x".parse::<MessageId>().is_err());
        assert_eq!(MessageId(5).to_string(), "5");
    }
}
