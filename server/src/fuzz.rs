//! Property tests over every parser of user input: whatever comes in, nothing panics, and what
//! is accepted stays within its limits and parses again to itself. The normal test run tries
//! 256 inputs each; `.ci/fuzz.sh` runs many more for a bounded time. (The live stream's
//! request-head parser is fuzzed next to it, in `connection.rs`.)

use app::rich_text::{segments, Segment};
use backend::identity::name_key::{keys_of, name_keys};
use domain::{ClientId, HashKey, LocalPath, MessageText, Passphrase, RoomName, Username};
use proptest::prelude::*;

/// Text that is often hostile: any Unicode, plus the characters our parsers care about.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("`".to_owned()),
                Just("https://".to_owned()),
                Just("http://x.y/".to_owned()),
                Just("@".to_owned()),
                Just("\n".to_owned()),
                Just("\u{202e}".to_owned()),
                Just("\u{200b}".to_owned()),
                Just("а".to_owned()),
                Just("%".to_owned()),
                Just(" ".to_owned()),
                "[a-zA-Z0-9]{1,6}".prop_map(|s| s),
                any::<char>().prop_map(String::from),
            ],
            0..60,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #[test]
    fn fuzz_text_types_accept_only_what_parses_again_within_limits(raw in text()) {
        if let Ok(name) = Username::parse(&raw) {
            prop_assert!(name.as_str().chars().count() <= Username::MAX_CHARS);
            prop_assert_eq!(Username::parse(name.as_str()), Ok(name.clone()));
            prop_assert!(!name.as_str().contains('\n'));
            // Every accepted name has keys, the same ones each time.
            let keys = name_keys(&name);
            prop_assert!(!keys.is_empty());
            prop_assert_eq!(keys, name_keys(&name));
        }
        if let Ok(room) = RoomName::parse(&raw) {
            prop_assert!(room.as_str().chars().count() <= RoomName::MAX_CHARS);
            prop_assert_eq!(RoomName::parse(room.as_str()), Ok(room.clone()));
        }
        if let Ok(message) = MessageText::parse(&raw) {
            prop_assert!(message.as_str().chars().count() <= MessageText::MAX_CHARS);
            prop_assert!(!message.as_str().trim().is_empty());
            prop_assert_eq!(MessageText::parse(message.as_str()), Ok(message.clone()));
        }
        // Keys of any text at all (a look-alike check runs them on what people type).
        let _ = keys_of(&raw);
    }

    #[test]
    fn fuzz_tokens_and_paths_accept_only_their_shape(raw in text()) {
        if let Ok(key) = HashKey::parse(&raw) {
            prop_assert_eq!(key.as_str().len(), HashKey::LEN);
        }
        if let Ok(Some(id)) = ClientId::parse_optional(Some(&raw)) {
            prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
        if let Ok(Some(secret)) = Passphrase::parse_optional(Some(&raw)) {
            prop_assert!(secret.expose().chars().count() <= Passphrase::MAX_CHARS);
        }
        // A `next` link never leaves the site, whatever it says.
        let next = LocalPath::parse_or_home(&raw);
        prop_assert!(next.as_str().starts_with('/'));
        prop_assert!(!next.as_str().starts_with("//"));
        prop_assert!(!next.as_str().contains('\\'));
    }

    #[test]
    fn fuzz_rich_text_splits_into_pieces_of_the_input(raw in text()) {
        for segment in segments(&raw) {
            let piece = match segment {
                Segment::Text(t) | Segment::Code(t) => t,
                Segment::Link(url) => {
                    prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
                    url
                }
            };
            prop_assert!(raw.contains(piece), "{piece:?} is not from {raw:?}");
        }
    }
}
