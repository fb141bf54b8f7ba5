//! Reactions to a message: one emoji per reaction, who reacted with it, and the limits.

use crate::input::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_properties::UnicodeEmoji;

/// One emoji, as a single grapheme of the Unicode emoji grammar (UTS #51 §1.4.9): a pictograph
/// (with its presentation selector, skin tone or tag sequence), a flag (two regional indicators),
/// a keycap, or a ZWJ sequence of those ("👩‍💻"). Nothing else: no letters, no words, no two
/// emoji at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Emoji(String);

/// Joins the parts of a ZWJ sequence.
const ZWJ: char = '\u{200D}';
/// Asks for the emoji (colour) form of the character before it.
const EMOJI_PRESENTATION: char = '\u{FE0F}';
/// Makes a digit, `#` or `*` a keycap.
const KEYCAP: char = '\u{20E3}';

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

const CANCEL_TAG: char = '\u{E007F}';

impl Emoji {
    /// Most Unicode scalar values in one emoji (the longest standard ZWJ sequences have 10).
    pub const MAX_CHARS: usize = 16;

    /// Parses one typed or picked emoji; surrounding whitespace is ignored.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(InvalidInput("Pick an emoji to react with.".into()));
        }
        let chars: Vec<char> = text.chars().collect();
        if chars.len() > Self::MAX_CHARS || !is_one_emoji(&chars) {
            return Err(InvalidInput(
                "A reaction is one emoji (for example 👍 or ❤️).".into(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The emoji as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `chars` is exactly one emoji: a flag, a keycap, or ZWJ-joined elements.
fn is_one_emoji(chars: &[char]) -> bool {
    match chars {
        [a, b] if is_regional_indicator(*a) && is_regional_indicator(*b) => true,
        [k, EMOJI_PRESENTATION, KEYCAP] | [k, KEYCAP] => matches!(k, '0'..='9' | '#' | '*'),
        _ => chars.split(|c| *c == ZWJ).all(is_element),
    }
}

/// One element of a ZWJ sequence: a pictograph, then at most one of a presentation selector,
/// a skin tone, or a tag sequence ending in CANCEL TAG.
fn is_element(chars: &[char]) -> bool {
    let Some((&base, rest)) = chars.split_first() else {
        return false;
    };
    // ASCII digits, `#` and `*` count as emoji only in keycaps; regional indicators only in
    // pairs; skin tones and tags only after a base.
    let pictograph = base.is_emoji_char()
        && !base.is_ascii()
        && !is_regional_indicator(base)
        && !is_skin_tone(base);
    if !pictograph {
        return false;
    }
    match rest {
        [] | [EMOJI_PRESENTATION] => true,
        [tone] => is_skin_tone(*tone),
        [tags @ .., CANCEL_TAG] => !tags.is_empty() && tags.iter().all(|c| is_tag(*c)),
        _ => false,
    }
}

impl TryFrom<String> for Emoji {
    type Error = InvalidInput;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Emoji> for String {
    fn from(value: Emoji) -> String {
        value.0
    }
}

impl fmt::Display for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The emoji offered by the reaction picker (any other can be typed).
pub const COMMON: [&str; 8] = ["👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "👀"];

/// Everyone who reacted to a message with one emoji, in the order they did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reaction {
    /// The emoji.
    pub emoji: Emoji,
    /// Who reacted with it (never empty).
    pub users: Vec<String>,
}

/// Why a reaction was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("A message can have at most {max} different reactions.", max = Reactions::MAX_DISTINCT)]
pub struct TooManyReactions;

/// The reactions of one message, each emoji once, in the order they were first used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reactions(Vec<Reaction>);

impl Reactions {
    /// Most different emoji on one message.
    pub const MAX_DISTINCT: usize = 20;

    /// The reactions, in the order each emoji was first used.
    pub fn list(&self) -> &[Reaction] {
        &self.0
    }

    /// Whether nobody reacted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `user` reacted with `emoji`.
    pub fn has(&self, emoji: &Emoji, user: &str) -> bool {
        self.0
            .iter()
            .any(|r| r.emoji == *emoji && r.users.iter().any(|u| u == user))
    }

    /// Adds `user`'s `emoji`, or takes it back if they had reacted with it already; returns
    /// whether it is there now. A new emoji beyond [`Self::MAX_DISTINCT`] is refused.
    pub fn toggle(&mut self, emoji: &Emoji, user: &str) -> Result<bool, TooManyReactions> {
        match self.0.iter().position(|r| r.emoji == *emoji) {
            Some(at) => {
                let users = &mut self.0[at].users;
                if let Some(mine) = users.iter().position(|u| u == user) {
                    users.remove(mine);
                    if users.is_empty() {
                        self.0.remove(at);
                    }
                    Ok(false)
                } else {
                    users.push(user.to_owned());
                    Ok(true)
                }
            }
            None if self.0.len() >= Self::MAX_DISTINCT => Err(TooManyReactions),
            None => {
                self.0.push(Reaction {
                    emoji: emoji.clone(),
                    users: vec![user.to_owned()],
                });
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emoji_of_any_standard_shape_is_a_reaction() {
        for ok in [
            "👍",
            "❤️",
            "❤",
            "☺",
            "👍🏽",
            "👩‍💻",
            "👨‍👩‍👧‍👦",
            "🇫🇷",
            "1️⃣",
            "#⃣",
            "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
            " 🎉 ",
            "🏳️‍🌈",
        ] {
            assert!(Emoji::parse(ok).is_ok(), "{ok:?}");
        }
        for common in COMMON {
            assert!(Emoji::parse(common).is_ok(), "{common:?}");
        }
    }

    #[test]
    fn text_two_emoji_and_loose_parts_are_refused() {
        for bad in [
            "",
            " ",
            "a",
            "1",
            "#",
            "ok",
            "👍👍",
            "👍 🎉",
            "🇫",
            "🏽",
            "\u{200D}",
            "👍\u{200D}",
            "e\u{301}",
            "<b>",
            "👍a",
            "🇫🇷🇫",
        ] {
            assert!(Emoji::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("👍{}", "\u{200D}👍".repeat(Emoji::MAX_CHARS));
        assert!(Emoji::parse(&long).is_err());
    }

    #[test]
    fn toggling_adds_then_takes_back_and_caps_distinct_emoji() {
        let thumbs = Emoji::parse("👍").unwrap();
        let mut reactions = Reactions::default();
        assert_eq!(reactions.toggle(&thumbs, "ann"), Ok(true));
        assert_eq!(reactions.toggle(&thumbs, "bob"), Ok(true));
        assert_eq!(reactions.list()[0].users, ["ann", "bob"]);
        assert!(reactions.has(&thumbs, "ann"));
        assert_eq!(reactions.toggle(&thumbs, "ann"), Ok(false));
        assert!(!reactions.has(&thumbs, "ann"));
        assert_eq!(reactions.toggle(&thumbs, "bob"), Ok(false));
        assert!(reactions.is_empty(), "an emoji nobody uses any more goes");

        // Twenty different emoji fit; a twenty-first does not, an existing one still does.
        let many: Vec<Emoji> = ('\u{1F600}'..)
            .take(Reactions::MAX_DISTINCT + 1)
            .map(|c| Emoji::parse(&c.to_string()).unwrap())
            .collect();
        for emoji in &many[..Reactions::MAX_DISTINCT] {
            reactions.toggle(emoji, "ann").unwrap();
        }
        assert_eq!(
            reactions.toggle(&many[Reactions::MAX_DISTINCT], "ann"),
            Err(TooManyReactions)
        );
        assert_eq!(reactions.toggle(&many[0], "bob"), Ok(true));
        assert_eq!(reactions.list().len(), Reactions::MAX_DISTINCT);
    }

    #[test]
    fn reactions_read_back_from_json_only_when_valid() {
        let mut reactions = Reactions::default();
        reactions
            .toggle(&Emoji::parse("🎉").unwrap(), "ann")
            .unwrap();
        let json = serde_json::to_string(&reactions).unwrap();
        assert_eq!(json, r#"[{"emoji":"🎉","users":["ann"]}]"#);
        assert_eq!(serde_json::from_str::<Reactions>(&json).unwrap(), reactions);
        assert!(serde_json::from_str::<Reactions>(r#"[{"emoji":"x","users":[]}]"#).is_err());
    }
}
