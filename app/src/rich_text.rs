//! Message text split into plain text, web links and inline `code`. Rendering builds DOM nodes
//! from these pieces; message text is never interpreted as HTML.

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Shown as it is.
    Text(&'a str),
    /// An `http://` or `https://` address, shown as a link.
    Link(&'a str),
    /// Text between backticks, shown as code (without the backticks).
    Code(&'a str),
}

/// Characters that end a link even inside it (a link seldom ends with them).
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"'];

/// Splits `text` into segments; `javascript:`, `data:` and other schemes stay plain text.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(after_tick) = rest.strip_prefix('`') {
            if let Some(end) = after_tick.find('`').filter(|end| *end > 0) {
                push_text(&mut out, &text[plain_start..i]);
                out.push(Segment::Code(&after_tick[..end]));
                i += end + 2;
                plain_start = i;
                continue;
            }
        }
        let at_word_start = i == 0 || !text[..i].ends_with(|c: char| c.is_alphanumeric());
        if at_word_start && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let len = rest
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '`')
                .unwrap_or(rest.len());
            let url = rest[..len].trim_end_matches(TRAILING);
            let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
            if url.len() > scheme_len {
                push_text(&mut out, &text[plain_start..i]);
                out.push(Segment::Link(url));
                i += url.len();
                plain_start = i;
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    push_text(&mut out, &text[plain_start..]);
    out
}

fn push_text<'a>(out: &mut Vec<Segment<'a>>, text: &'a str) {
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Segment::*;

    #[test]
    fn plain_text_stays_whole() {
        assert_eq!(segments("hello <b>there</b>"), [Text("hello <b>there</b>")]);
        assert!(segments("").is_empty());
    }

    #[test]
    fn web_addresses_become_links_without_trailing_punctuation() {
        assert_eq!(
            segments("see https://example.com/a?b=1, ok"),
            [
                Text("see "),
                Link("https://example.com/a?b=1"),
                Text(", ok")
            ]
        );
        assert_eq!(
            segments("(http://x.org)."),
            [Text("("), Link("http://x.org"), Text(").")]
        );
    }

    #[test]
    fn other_schemes_are_never_links() {
        for text in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>",
            "xhttps://evil.example",
            "https://",
        ] {
            assert_eq!(segments(text), [Text(text)], "{text}");
        }
    }

    #[test]
    fn backticks_make_inline_code() {
        assert_eq!(
            segments("run `cargo test` now"),
            [Text("run "), Code("cargo test"), Text(" now")]
        );
        assert_eq!(segments("a ` lone tick"), [Text("a ` lone tick")]);
        assert_eq!(segments("``"), [Text("``")]);
        assert_eq!(
            segments("`https://x.org`"),
            [Code("https://x.org")],
            "inside code nothing is a link"
        );
    }

    #[test]
    fn multibyte_text_is_split_on_character_boundaries() {
        assert_eq!(
            segments("héllo https://ü.example/ä é"),
            [Text("héllo "), Link("https://ü.example/ä"), Text(" é")]
        );
    }
}
