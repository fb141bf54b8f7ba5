//! Domain types: every user input becomes one of these in exactly one place, with its limits
//! stated here once. Holding a value of one of these types means it is valid.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_script::Script;
use unicode_security::general_security_profile::{GeneralSecurityProfile, IdentifierType};
use unicode_security::mixed_script::AugmentedScriptSet;

/// Why an input was refused; the message is shown to the user as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// Characters that are invisible or change how the text around them is shown, by their Unicode
/// properties: format characters (general category Cf, which holds every Bidi_Control
/// character: marks, embeddings, overrides, isolates) and Default_Ignorable_Code_Point
/// (zero-width characters, fillers, variation selectors, tags). In a name they let one name
/// pass for another.
pub fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
        || c.identifier_type() == Some(IdentifierType::Default_Ignorable)
}

/// Characters that make a name or message look like something else or break the layout.
/// Messages (multi-line) may contain invisible characters: they are shown isolated.
fn is_forbidden_char(c: char, is_message: bool) -> bool {
    if is_message {
        return c.is_control() && c != '\n' && c != '\t';
    }
    c.is_control() || is_invisible(c)
}

/// Refuses a name with a word that mixes writing systems (UTS #39 "highly restrictive": one
/// script per word, or Latin with the Han-based sets of Japanese, Korean or Chinese), so a
/// Cyrillic `Т` cannot stand in for the Latin `T` of "Tom". Digits, punctuation and combining
/// marks belong to every script.
fn single_script_words(text: &str, what: &str) -> Result<(), InvalidInput> {
    let mixed = text
        .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .any(|word| !is_highly_restrictive(word));
    if mixed {
        return Err(InvalidInput(format!(
            "{what} mixes writing systems within a word (for example Latin and Cyrillic \
             letters); please write each word in one script."
        )));
    }
    Ok(())
}

/// Whether `word` uses one script, or Latin plus one of the Han-based sets (UTS #39 §5.2).
fn is_highly_restrictive(word: &str) -> bool {
    let mut all = AugmentedScriptSet::default();
    let mut without_latin = AugmentedScriptSet::default();
    for c in word.chars() {
        let scripts = AugmentedScriptSet::for_char(c);
        all.intersect_with(scripts);
        if !scripts.base.contains_script(Script::Latin) {
            without_latin.intersect_with(scripts);
        }
    }
    !all.is_empty() || without_latin.jpan || without_latin.kore || without_latin.hanb
}

/// The check of text types that need nothing beyond length and characters.
fn no_further_check(_text: &str, _what: &str) -> Result<(), InvalidInput> {
    Ok(())
}

/// Trims `raw` and checks it is non-empty, at most `max` characters and free of control characters.
fn parse_text(raw: &str, what: &str, max: usize, is_message: bool) -> Result<String, InvalidInput> {
    // Normalise Windows line endings first so a message looks the same everywhere.
    let normalised = raw.replace("\r\n", "\n");
    let text = normalised.trim();
    if text.is_empty() {
        return Err(InvalidInput(format!("{what} cannot be empty.")));
    }
    let len = text.chars().count();
    if len > max {
        return Err(InvalidInput(format!(
            "{what} is too long ({len} characters; the limit is {max})."
        )));
    }
    if text.chars().any(|c| is_forbidden_char(c, is_message)) {
        let kind = if is_message {
            "control characters"
        } else {
            "invisible or control characters"
        };
        return Err(InvalidInput(format!("{what} contains {kind}.")));
    }
    Ok(text.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr, $is_message:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters a value may have.
            pub const MAX_CHARS: usize = $max;

            /// Parses user input; trims surrounding whitespace.
            pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
                let text = parse_text(raw, $what, Self::MAX_CHARS, $is_message)?;
                $check(&text, $what)?;
                Ok(Self(text))
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidInput;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A chatroom's display name: 1 to 80 characters on one line.
    RoomName, "The room name", 80, false, no_further_check
);
text_type!(
    /// The name a person chats under: 1 to 32 characters on one line, each word in one script.
    Username, "The username", 32, false, single_script_words
);
text_type!(
    /// The text of one message: 1 to 2000 characters, newlines allowed.
    MessageText, "The message", 2000, true, no_further_check
);

/// An optional secret that lets a username's owner log in from another browser: 8 to 128
/// characters, kept exactly as typed (never trimmed, never shown, stored only as a slow hash).
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

impl Passphrase {
    /// The fewest characters a passphrase may have.
    pub const MIN_CHARS: usize = 8;
    /// The most characters a passphrase may have (hashing cost grows with length).
    pub const MAX_CHARS: usize = 128;

    /// Parses the optional form field: empty means "no passphrase".
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, InvalidInput> {
        let raw = match raw {
            None | Some("") => return Ok(None),
            Some(raw) => raw,
        };
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err(InvalidInput(format!(
                "The passphrase is too short ({len} characters; at least {}).",
                Self::MIN_CHARS
            )));
        }
        if len > Self::MAX_CHARS {
            return Err(InvalidInput(format!(
                "The passphrase is too long ({len} characters; the limit is {}).",
                Self::MAX_CHARS
            )));
        }
        if raw.chars().any(char::is_control) {
            return Err(InvalidInput(
                "The passphrase contains control characters.".into(),
            ));
        }
        Ok(Some(Self(raw.to_owned())))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never in a log line.
        f.write_str("Passphrase(..)")
    }
}

/// The URL-safe alphabet used for hash keys and session tokens (64 symbols = 6 bits each).
pub const URL_SAFE_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Whether `byte` is one of [`URL_SAFE_ALPHABET`]'s symbols (without scanning the alphabet:
/// every request's room key is checked).
pub fn is_url_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// The random, unguessable part of a share link: 16 URL-safe symbols = 96 random bits.
/// Deserialising parses too, so a `HashKey` from the wire is as valid as one from a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HashKey(String);

impl HashKey {
    /// Symbols in a hash key.
    pub const LEN: usize = 16;

    /// Parses a hash key from a URL; anything that could not have been generated is refused.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        if raw.len() == Self::LEN && raw.bytes().all(is_url_safe) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidInput("This is not a valid chatroom link.".into()))
        }
    }

    /// A key made of random bytes (the caller brings them from a CSPRNG): each byte picks one
    /// of the 64 symbols (256 is a multiple of 64, so every symbol is equally likely).
    pub fn from_random_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| char::from(URL_SAFE_ALPHABET[usize::from(b % 64)]))
                .collect(),
        )
    }

    /// The key as it appears in the URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HashKey {
    type Error = InvalidInput;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<HashKey> for String {
    fn from(key: HashKey) -> String {
        key.0
    }
}

impl fmt::Display for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A same-site path to return to after logging in; refuses anything that would leave the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// Accepts `/something` but not `//host`, `/\host`, absolute URLs or control characters;
    /// anything else falls back to the home page.
    pub fn parse_or_home(raw: &str) -> Self {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && !raw.starts_with("/\\")
            && raw.len() <= 2048
            && !raw
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
        if ok {
            Self(raw.to_owned())
        } else {
            Self("/".to_owned())
        }
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id the sender's browser gives a message before sending it (a UUID, or any 8 to 64 of
/// `A-Z a-z 0-9 - _`): sending the same id twice stores one message, so a retry after a timeout
/// or a dropped connection never doubles it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// The fewest symbols an id may have.
    pub const MIN_LEN: usize = 8;
    /// The most symbols an id may have.
    pub const MAX_LEN: usize = 64;

    /// Parses the optional form field: empty means "no id" (the message is not deduplicated).
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, InvalidInput> {
        let raw = match raw.map(str::trim) {
            None | Some("") => return Ok(None),
            Some(raw) => raw,
        };
        let well_formed = (Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Some(Self(raw.to_owned())))
        } else {
            Err(InvalidInput(
                "The message's id is malformed; reload the page and send it again.".into(),
            ))
        }
    }

    /// A new id from 16 random bytes (the caller brings them from a CSPRNG), in hex.
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(RoomName::parse("  Lobby ").unwrap().as_str(), "Lobby");
        assert!(RoomName::parse("   ").is_err());
        assert!(RoomName::parse("").is_err());
        assert!(RoomName::parse(&"x".repeat(RoomName::MAX_CHARS)).is_ok());
        let err = RoomName::parse(&"x".repeat(RoomName::MAX_CHARS + 1)).unwrap_err();
        assert!(err.0.contains("too long"), "{err}");
        assert!(Username::parse(&"é".repeat(Username::MAX_CHARS)).is_ok());
        assert!(Username::parse(&"é".repeat(Username::MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn control_characters_are_refused_except_newlines_in_messages() {
        assert!(Username::parse("ali\u{0}ce").is_err());
        assert!(Username::parse("ali\nce").is_err());
        assert!(RoomName::parse("a\u{1b}[31m").is_err());
        assert_eq!(
            MessageText::parse("line 1\r\nline 2").unwrap().as_str(),
            "line 1\nline 2"
        );
        assert!(MessageText::parse("bell\u{7}").is_err());
        assert!(MessageText::parse(" \n\t ").is_err());
    }

    #[test]
    fn names_refuse_invisible_and_bidi_characters() {
        for evil in [
            "ad\u{200B}min",
            "\u{202E}nimda",
            "bob\u{FEFF}",
            "a\u{2066}b",
        ] {
            assert!(Username::parse(evil).is_err(), "{evil:?}");
            assert!(RoomName::parse(evil).is_err(), "{evil:?}");
        }
        // Messages keep them (shown isolated), so quoting such text stays possible.
        assert!(MessageText::parse("\u{202E}olleh").is_ok());
    }

    #[test]
    fn every_bidi_control_and_default_ignorable_is_invisible() {
        // Bidi_Control (PropList.txt), listed here only to check the property-based rule.
        let bidi_controls = [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ];
        // A sample of Default_Ignorable_Code_Point: soft hyphen, combining grapheme joiner,
        // Hangul fillers, zero-width joiner, word joiner, variation selector, BOM, a tag.
        let ignorables = [
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{3164}',
            '\u{200D}',
            '\u{2060}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{180E}',
        ];
        for c in bidi_controls.into_iter().chain(ignorables) {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
            let name = format!("ab{c}cd");
            assert!(Username::parse(&name).is_err(), "U+{:04X}", u32::from(c));
            assert!(RoomName::parse(&name).is_err(), "U+{:04X}", u32::from(c));
        }
        for visible in ['a', 'é', '李', ' ', '-', '\u{0301}'] {
            assert!(!is_invisible(visible), "{visible:?}");
        }
    }

    #[test]
    fn a_word_keeps_to_one_script() {
        for mixed in [
            "\u{422}om",
            "\u{41C}ike",
            "\u{39D}ina",
            "p\u{430}ypal",
            "Bob Sm\u{456}th",
        ] {
            let err = Username::parse(mixed).unwrap_err();
            assert!(err.0.contains("writing systems"), "{mixed:?}: {err}");
        }
        for fine in [
            "Tom",
            "Владимир",
            "Νίκος",
            "Jürgen Müller",
            "Иван Smith",
            "李小龙",
            "山田たろう",
            "Tanaka 太郎",
            "김민준",
            "user_42",
            "Zoë-Ann",
            "R2-D2",
        ] {
            assert!(Username::parse(fine).is_ok(), "{fine:?}");
        }
        // Room names are not identities: they may mix scripts.
        assert!(RoomName::parse("\u{422}om's room").is_ok());
    }

    #[test]
    fn message_length_limit_counts_characters_not_bytes() {
        assert!(MessageText::parse(&"ü".repeat(MessageText::MAX_CHARS)).is_ok());
        assert!(MessageText::parse(&"a".repeat(MessageText::MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn deserialising_parses() {
        let ok: Result<Username, _> = serde_json::from_str("\" bob \"");
        assert_eq!(ok.unwrap().as_str(), "bob");
        let bad: Result<Username, _> = serde_json::from_str("\"\"");
        assert!(bad.is_err());
    }

    #[test]
    fn passphrases_are_optional_bounded_and_secret() {
        assert_eq!(Passphrase::parse_optional(None).unwrap(), None);
        assert_eq!(Passphrase::parse_optional(Some("")).unwrap(), None);
        assert!(Passphrase::parse_optional(Some("short")).is_err());
        let kept = Passphrase::parse_optional(Some("  spaces count  ")).unwrap();
        assert_eq!(
            kept.as_ref().map(Passphrase::expose),
            Some("  spaces count  ")
        );
        assert!(Passphrase::parse_optional(Some(&"p".repeat(Passphrase::MAX_CHARS))).is_ok());
        assert!(Passphrase::parse_optional(Some(&"p".repeat(Passphrase::MAX_CHARS + 1))).is_err());
        assert!(Passphrase::parse_optional(Some("pass\nword\u{0}")).is_err());
        assert_eq!(format!("{:?}", kept.unwrap()), "Passphrase(..)");
    }

    #[test]
    fn url_safe_bytes_are_the_alphabet_s() {
        for byte in 0..=u8::MAX {
            assert_eq!(
                is_url_safe(byte),
                URL_SAFE_ALPHABET.contains(&byte),
                "{byte}"
            );
        }
    }

    #[test]
    fn hash_keys_must_look_generated() {
        assert!(HashKey::parse("abcdEFGH1234-_xy").is_ok());
        assert!(HashKey::parse("abc").is_err());
        assert!(HashKey::parse("abcdEFGH1234-_x/").is_err());
        assert!(HashKey::parse("../../etc/passwd").is_err());
    }

    #[test]
    fn hash_keys_from_the_wire_are_checked_too() {
        let ok: HashKey = serde_json::from_str("\"abcdEFGH1234-_xy\"").unwrap();
        assert_eq!(ok.as_str(), "abcdEFGH1234-_xy");
        assert!(serde_json::from_str::<HashKey>("\"../../etc/passwd\"").is_err());
        assert!(serde_json::from_str::<HashKey>("\"\"").is_err());
    }

    #[test]
    fn random_bytes_always_make_a_valid_key() {
        for fill in [0_u8, 63, 64, 255] {
            let key = HashKey::from_random_bytes([fill; HashKey::LEN]);
            assert_eq!(HashKey::parse(key.as_str()), Ok(key));
        }
        let spread = HashKey::from_random_bytes(std::array::from_fn(|i| i as u8 * 17));
        assert_eq!(HashKey::parse(spread.as_str()), Ok(spread));
    }

    #[test]
    fn next_paths_stay_on_the_site() {
        assert_eq!(
            LocalPath::parse_or_home("/chatrooms/x/").as_str(),
            "/chatrooms/x/"
        );
        for evil in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\nLocation: x",
            "",
            "chatrooms/x",
        ] {
            assert_eq!(LocalPath::parse_or_home(evil).as_str(), "/", "{evil:?}");
        }
    }

    #[test]
    fn client_ids_are_uuids_or_similar_and_nothing_else() {
        let uuid = "3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b";
        assert_eq!(
            ClientId::parse_optional(Some(uuid))
                .unwrap()
                .unwrap()
                .as_str(),
            uuid
        );
        assert_eq!(ClientId::parse_optional(None), Ok(None));
        assert_eq!(ClientId::parse_optional(Some(" ")), Ok(None));
        for bad in [
            "short",
            "has space inside",
            "<script>alert(1)</script>",
            &"a".repeat(65),
        ] {
            assert!(ClientId::parse_optional(Some(bad)).is_err(), "{bad}");
        }
        let made = ClientId::from_random_bytes([0xab; 16]);
        assert_eq!(made.as_str().len(), 32);
        assert!(ClientId::parse_optional(Some(made.as_str())).is_ok());
    }
}
