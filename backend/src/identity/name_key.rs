//! The form of a username that decides who owns it: two names with the same key are the same
//! name. Folds what a reader cannot tell apart: case, compatibility forms (full-width letters,
//! ligatures), look-alike letters from other scripts (UTS #39 confusable skeleton: Cyrillic `а`
//! is Latin `a`, `rn` is `m`, `0` is `O`), invisible characters and runs of spaces.

use domain::Username;
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// The ownership key of `name`.
pub fn name_key(name: &Username) -> String {
    let folded: String = name.as_str().nfkc().flat_map(char::to_lowercase).collect();
    // Lower-case again: a skeleton may map to an upper-case prototype (`l` → `I`).
    let key: String = skeleton(&folded).flat_map(char::to_lowercase).collect();
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        name_key(&Username::parse(raw).unwrap())
    }

    #[test]
    fn case_and_width_do_not_make_a_new_name() {
        assert_eq!(key("Alice"), key("alice"));
        assert_eq!(key("ALICE"), key("alice"));
        assert_eq!(key("ａｌｉｃｅ"), key("alice"));
        assert_eq!(key("ﬁona"), key("fiona"));
    }

    #[test]
    fn look_alikes_are_the_same_name() {
        // Cyrillic а and е, Greek ο.
        assert_eq!(key("\u{430}lic\u{435}"), key("alice"));
        assert_eq!(key("b\u{3bf}b"), key("bob"));
        assert_eq!(key("paypal"), key("paypa1"));
        assert_eq!(key("rnallory"), key("mallory"));
        assert_eq!(key("al ice"), key("al   ice"));
        // Combining accent vs precomposed.
        assert_eq!(key("e\u{301}lodie"), key("\u{e9}lodie"));
    }

    #[test]
    fn different_names_stay_different() {
        assert_ne!(key("alice"), key("alicia"));
        assert_ne!(key("bob"), key("bobby"));
        assert_ne!(key("李"), key("王"));
        assert_ne!(key("élodie"), key("elodie"));
    }
}
