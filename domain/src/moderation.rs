//! Room ownership and moderation as both sides see it: roles, the room's settings (each a small
//! closed set of choices, parsed here), and what the settings panel lists.

use crate::input::{HashKey, InvalidInput};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A person's standing in a room beyond being a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May delete messages, remove and ban people, and change the room's settings.
    Moderator,
    /// Everything a moderator may, and naming moderators and handing the room on. One per room.
    Owner,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Moderator => "moderator",
        }
    }

    /// The stored form back; `None` for anything else.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Role::Owner),
            "moderator" => Some(Role::Moderator),
            _ => None,
        }
    }

    /// The badge shown next to the name.
    pub fn badge(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Moderator => "mod",
        }
    }
}

/// Who deleted a message (its text is gone; a placeholder says who took it away).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Deletion {
    /// The author took it back.
    Author,
    /// An owner or moderator removed it.
    Moderator,
}

impl Deletion {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Deletion::Author => "author",
            Deletion::Moderator => "moderator",
        }
    }

    /// The stored form back; `None` for anything else.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "author" => Some(Deletion::Author),
            "moderator" => Some(Deletion::Moderator),
            _ => None,
        }
    }

    /// The placeholder shown instead of the text.
    pub fn placeholder(self) -> &'static str {
        match self {
            Deletion::Author => "message deleted",
            Deletion::Moderator => "message removed by a moderator",
        }
    }
}

/// Least time between two messages of one person; owners and moderators are exempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct SlowMode(u32);

impl SlowMode {
    /// The intervals an owner may choose, in seconds (0: off).
    pub const CHOICES: [u32; 6] = [0, 5, 10, 30, 60, 300];

    /// One of [`Self::CHOICES`].
    pub fn from_secs(secs: u32) -> Result<Self, InvalidInput> {
        if Self::CHOICES.contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(InvalidInput(format!(
                "Slow mode must be one of {} seconds.",
                list(&Self::CHOICES)
            )))
        }
    }

    /// From a form field.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let secs = raw
            .trim()
            .parse::<u32>()
            .map_err(|_| InvalidInput("Slow mode must be a number of seconds.".into()))?;
        Self::from_secs(secs)
    }

    /// Seconds (0: off).
    pub fn secs(self) -> u32 {
        self.0
    }

    /// Whether posts are limited at all.
    pub fn is_on(self) -> bool {
        self.0 > 0
    }
}

impl TryFrom<u32> for SlowMode {
    type Error = InvalidInput;
    fn try_from(secs: u32) -> Result<Self, InvalidInput> {
        Self::from_secs(secs)
    }
}

impl From<SlowMode> for u32 {
    fn from(mode: SlowMode) -> u32 {
        mode.0
    }
}

/// How long a room keeps its messages; older ones are deleted by the periodic sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    /// Messages are kept until deleted.
    #[default]
    Forever,
    /// 365 days.
    Year,
    /// 30 days.
    Month,
    /// 7 days.
    Week,
    /// 1 day.
    Day,
}

impl Retention {
    /// Every choice, longest first.
    pub const ALL: [Retention; 5] = [
        Retention::Forever,
        Retention::Year,
        Retention::Month,
        Retention::Week,
        Retention::Day,
    ];

    /// Days kept (`None`: forever).
    pub fn days(self) -> Option<i32> {
        match self {
            Retention::Forever => None,
            Retention::Year => Some(365),
            Retention::Month => Some(30),
            Retention::Week => Some(7),
            Retention::Day => Some(1),
        }
    }

    /// The stored number of days back; anything else counts as the nearest longer choice, so a
    /// room never loses messages to a value we did not offer.
    pub fn from_days(days: Option<i32>) -> Self {
        match days {
            None => Retention::Forever,
            Some(d) if d > 30 && d <= 365 => Retention::Year,
            Some(d) if d > 7 && d <= 30 => Retention::Month,
            Some(d) if d > 1 && d <= 7 => Retention::Week,
            Some(1) => Retention::Day,
            Some(_) => Retention::Forever,
        }
    }

    /// The wire and form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Retention::Forever => "forever",
            Retention::Year => "year",
            Retention::Month => "month",
            Retention::Week => "week",
            Retention::Day => "day",
        }
    }

    /// From a form field.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| {
                InvalidInput("Keep messages forever, for a year, 30 days, 7 days or 1 day.".into())
            })
    }

    /// "forever", "for 30 days", …: how the room states it at a glance.
    pub fn describe(self) -> &'static str {
        match self {
            Retention::Forever => "Messages are kept until deleted.",
            Retention::Year => "Messages are kept for 1 year.",
            Retention::Month => "Messages are kept for 30 days.",
            Retention::Week => "Messages are kept for 7 days.",
            Retention::Day => "Messages are kept for 1 day.",
        }
    }

    /// The choice as a menu label.
    pub fn label(self) -> &'static str {
        match self {
            Retention::Forever => "forever",
            Retention::Year => "1 year",
            Retention::Month => "30 days",
            Retention::Week => "7 days",
            Retention::Day => "1 day",
        }
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

fn list(choices: &[u32]) -> String {
    let parts: Vec<String> = choices.iter().map(u32::to_string).collect();
    parts.join(", ")
}

/// Someone with a role in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHolder {
    /// Their name.
    pub username: String,
    /// Their role.
    pub role: Role,
}

/// What every open page of a room shows about the room itself; sent when a stream starts and
/// whenever an owner or moderator changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    /// Display name.
    pub name: String,
    /// The current key of its share link.
    pub hash_key: HashKey,
    /// No new people may enter.
    pub locked: bool,
    /// Slow mode.
    pub slow_mode: SlowMode,
    /// How long messages are kept.
    pub retention: Retention,
    /// The owner and moderators, by name.
    pub roles: Vec<RoleHolder>,
}

impl RoomState {
    /// The role of `username`, if any.
    pub fn role_of(&self, username: &str) -> Option<Role> {
        self.roles
            .iter()
            .find(|holder| holder.username == username)
            .map(|holder| holder.role)
    }
}

/// A ban as the settings panel lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanEntry {
    /// Its id, to lift it.
    pub id: i32,
    /// The banned name.
    pub username: String,
    /// Who banned them.
    pub banned_by: String,
    /// When, RFC 3339 in UTC.
    pub created_at: String,
}

/// One line of the moderation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// Who did it.
    pub actor: String,
    /// What was done, e.g. "deleted a message".
    pub action: String,
    /// To whom or what, in words.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_mode_accepts_only_its_choices() {
        assert_eq!(SlowMode::parse(" 30 ").unwrap().secs(), 30);
        assert!(!SlowMode::parse("0").unwrap().is_on());
        assert!(SlowMode::parse("7").is_err());
        assert!(SlowMode::parse("-5").is_err());
        assert!(SlowMode::parse("soon").is_err());
        assert!(serde_json::from_str::<SlowMode>("7").is_err());
        assert_eq!(
            serde_json::to_string(&SlowMode::from_secs(5).unwrap()).unwrap(),
            "5"
        );
    }

    #[test]
    fn retention_round_trips_through_days_and_forms() {
        for choice in Retention::ALL {
            assert_eq!(Retention::from_days(choice.days()), choice);
            assert_eq!(Retention::parse(choice.as_str()).unwrap(), choice);
        }
        assert!(Retention::parse("a while").is_err());
        // Stored values we never offered round up, never down.
        assert_eq!(Retention::from_days(Some(3)), Retention::Week);
        assert_eq!(Retention::from_days(Some(0)), Retention::Forever);
        assert_eq!(Retention::from_days(Some(1000)), Retention::Forever);
    }

    #[test]
    fn roles_and_deletions_round_trip() {
        for role in [Role::Owner, Role::Moderator] {
            assert_eq!(Role::from_stored(role.as_str()), Some(role));
        }
        for deletion in [Deletion::Author, Deletion::Moderator] {
            assert_eq!(Deletion::from_stored(deletion.as_str()), Some(deletion));
        }
        assert_eq!(Role::from_stored("admin"), None);
        assert!(Role::Owner > Role::Moderator);
    }
}
