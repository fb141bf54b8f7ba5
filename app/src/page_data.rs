//! How a page's loaded data travels from the server's rendering to the browser's hydration.
//!
//! Leptos writes each resource's encoded value into the page as a JavaScript string literal,
//! escaped with Rust's `Debug`. JSON is full of `"`, each of which that escaping handles on a
//! slow path: for the room page's 50 messages that was about 240 k instructions of the page's
//! 3.5 M (bench/instructions.sh). [`PageJson`] is JSON with `"` and `'` swapped, which reads
//! the same after swapping back and has few quotes left to escape.

use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON with its `"` and `'` swapped: a resource encoding that is cheap to embed in a page.
pub struct PageJson;

/// Swaps `"` and `'` in `text` (its own inverse). Both are ASCII, so no UTF-8 sequence is
/// touched.
fn swap_quotes(text: String) -> String {
    let mut bytes = text.into_bytes();
    for byte in &mut bytes {
        *byte = match *byte {
            b'"' => b'\'',
            b'\'' => b'"',
            other => other,
        };
    }
    // Only ASCII bytes were exchanged for ASCII bytes: still valid UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

impl<T: Serialize> Encoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value).map(swap_quotes)
    }
}

impl<T: DeserializeOwned> Decoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(&swap_quotes(encoded.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::ChatMessage;

    fn message(content: &str) -> ChatMessage {
        serde_json::from_value(serde_json::json!({
            "id": 7, "chat_id": 1, "timestamp": "2026-11-30T20:05:45.725Z",
            "username": "o'brien", "content": content, "seq": 9,
            "deleted": null, "edited_at": null, "reply_to": null, "reactions": []
        }))
        .expect("a valid message")
    }

    #[test]
    fn values_come_back_unchanged() {
        for content in [
            "plain",
            "it's \"quoted\" and 'single'",
            r#"back\slash \" and \' and </script>"#,
            "emoji 🎉, non-ASCII äöü, line\nbreak, U+2028 \u{2028}",
            "",
        ] {
            let original = Ok::<_, String>(vec![message(content)]);
            let encoded = <PageJson as Encoder<_>>::encode(&original).expect("encodes");
            let decoded: Result<Vec<ChatMessage>, String> =
                <PageJson as Decoder<_>>::decode(&encoded).expect("decodes");
            assert_eq!(decoded, original, "{content:?}");
        }
    }

    #[test]
    fn the_encoding_keeps_double_quotes_only_where_the_text_had_single_ones() {
        let encoded =
            <PageJson as Encoder<_>>::encode(&message("no quotes here")).expect("encodes");
        // The author's name has the message's only `'`.
        assert_eq!(encoded.matches('"').count(), 1, "{encoded}");
        assert!(encoded.contains("'content':'no quotes here'"), "{encoded}");
    }
}
