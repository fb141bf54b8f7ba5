//! `@name` mentions: where a message names someone, and what the composer offers after an `@`.
//! A mention is `@` at the start of a word followed by a name, compared without regard to case,
//! and not followed by a letter or digit (so `@ann` does not mention "anna").

use std::ops::Range;

/// Most names the composer offers at once.
pub const MAX_SUGGESTIONS: usize = 8;

/// The byte length of the prefix of `text` that equals `name` ignoring case, if it does.
fn strip_name_ci(text: &str, name: &str) -> Option<usize> {
    let mut rest = text.char_indices();
    let mut end = 0;
    for wanted in name.chars() {
        let (at, got) = rest.next()?;
        if got != wanted && !got.to_lowercase().eq(wanted.to_lowercase()) {
            return None;
        }
        end = at + got.len_utf8();
    }
    Some(end)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The byte ranges of the mentions in `text` of any of `names` (each range covers the `@` and
/// the name, as written); the longest name wins where several fit.
pub fn find(text: &str, names: &[&str]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('@') {
        let at = from + offset;
        from = at + 1;
        let at_word_start = !text[..at].ends_with(is_word_char);
        if !at_word_start {
            continue;
        }
        let after = &text[at + 1..];
        let longest = names
            .iter()
            .filter(|name| !name.is_empty())
            .filter_map(|name| strip_name_ci(after, name))
            .filter(|len| !after[*len..].starts_with(is_word_char))
            .max();
        if let Some(len) = longest {
            found.push(at..at + 1 + len);
            from = at + 1 + len;
        }
    }
    found
}

/// Whether `text` mentions `name`.
pub fn mentions(text: &str, name: &str) -> bool {
    !find(text, &[name]).is_empty()
}

/// The name being typed after an `@` that ends at byte `caret` of `text`: the `@`'s byte offset
/// and what follows it, if the caret is in such a word (at most a name's length, one line).
pub fn typed_at(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    let at_word_start = !before[..at].ends_with(is_word_char);
    let plausible = query.chars().count() <= crate::Username::MAX_CHARS
        && !query.contains(['\n', '@'])
        && !query.starts_with(char::is_whitespace);
    (at_word_start && plausible).then_some((at, query))
}

/// The names to offer for `query`, in the order given (online people first, then recent
/// authors), without `me` and without repeats: names starting with the query first, then
/// names containing it; at most [`MAX_SUGGESTIONS`].
pub fn suggest<'a>(candidates: &[&'a str], query: &str, me: &str) -> Vec<&'a str> {
    let query = query.to_lowercase();
    let mut seen: Vec<String> = vec![me.to_lowercase()];
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    for name in candidates {
        let lower = name.to_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        if lower.starts_with(&query) {
            starts.push(*name);
        } else if lower.contains(&query) {
            contains.push(*name);
        } else {
            continue;
        }
        seen.push(lower);
    }
    starts.extend(contains);
    starts.truncate(MAX_SUGGESTIONS);
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_at_a_word_start_and_ends_with_the_name() {
        assert!(mentions("hi @ann!", "ann"));
        assert!(mentions("@Ann, look", "ann"), "case does not matter");
        assert!(mentions("ping @ANN", "Ann"));
        assert!(
            !mentions("hi @anna", "ann"),
            "a longer word is someone else"
        );
        assert!(!mentions("mail ann@example.com", "example.com"));
        assert!(!mentions("hi ann", "ann"), "no @, no mention");
        assert!(!mentions("hi @", ""));
        assert!(mentions("@Zoë: ça va ?", "zoë"));
    }

    #[test]
    fn names_with_spaces_and_the_longest_match_win() {
        let text = "@Ann Lee and @Ann, then @bob";
        let names = ["Ann", "Ann Lee", "bob"];
        let found: Vec<&str> = find(text, &names).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["@Ann Lee", "@Ann", "@bob"]);
    }

    #[test]
    fn the_typed_name_is_found_before_the_caret() {
        let text = "hello @an";
        assert_eq!(typed_at(text, text.len()), Some((6, "an")));
        assert_eq!(typed_at("hello @", 7), Some((6, "")));
        assert_eq!(typed_at("x@an", 4), None, "not at a word start");
        assert_eq!(typed_at("@an\nmore", 8), None, "a new line ends it");
        assert_eq!(typed_at("@ an", 4), None);
        assert_eq!(typed_at("no at", 5), None);
        assert_eq!(typed_at("é@", 1), None, "a caret inside a character");
    }

    #[test]
    fn suggestions_keep_order_skip_me_and_prefer_prefixes() {
        let candidates = ["bob", "Anna", "me", "dan", "anna", "Joanne"];
        assert_eq!(suggest(&candidates, "an", "me"), ["Anna", "dan", "Joanne"]);
        assert_eq!(
            suggest(&candidates, "", "ME"),
            ["bob", "Anna", "dan", "Joanne"]
        );
        let many: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(suggest(&many, "n", "me").len(), MAX_SUGGESTIONS);
    }
}
