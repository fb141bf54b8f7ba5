//! How a page's loaded data travels from the server's rendering to the browser's hydration.
//!
//! Leptos writes each resource's encoded value into the page as a JavaScript string literal,
//! escaped with Rust's `Debug`. JSON is full of `"`, each of which that escaping handles on a
//! slow path: for the room page's 50 messages that was about 240 k instructions of the page's
//! 3.5 M (bench/instructions.sh). [`PageJson`] is JSON with `"` and `'` swapped, which reads
//! the same after swapping back and has few quotes left to escape.

use crate::error::AppError;
use domain::model::RoomView;
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

/// [`PageJson`] for the room page's data: the messages' JSON, when the server has it written
/// already ([`RoomView::messages_json`]), goes in as it is instead of being written again
/// (a tenth of a room page's work).
pub struct RoomPageJson;

/// What the room page loads.
type RoomData = Result<RoomView, AppError>;

impl Encoder<RoomData> for RoomPageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &RoomData) -> Result<String, serde_json::Error> {
        let Ok(view) = value else {
            return PageJson::encode(value);
        };
        let Some(messages) = view.messages_json.as_deref() else {
            return PageJson::encode(value);
        };
        let rest: RoomData = Ok(RoomView {
            chat_id: view.chat_id,
            room: view.room.clone(),
            share_url: view.share_url.clone(),
            me: view.me.clone(),
            seq: view.seq,
            messages: Vec::new(),
            has_older: view.has_older,
            online: view.online.clone(),
            messages_json: None,
        });
        let text = serde_json::to_string(&rest)?;
        // The last match is the view's own field: only `has_older` and `online` follow it,
        // and a quote inside a string is escaped, so no text can look like it.
        const EMPTY: &str = "\"messages\":[]";
        let Some(at) = text.rfind(EMPTY) else {
            return PageJson::encode(value);
        };
        // Copied in three pieces: `String::replace_range` inserts byte by byte.
        let (head, tail) = text.split_at(at + EMPTY.len());
        let mut page = String::with_capacity(text.len() + messages.len());
        page.push_str(&head[..head.len() - "[]".len()]);
        page.push_str(messages);
        page.push_str(tail);
        Ok(swap_quotes(page))
    }
}

impl Decoder<RoomData> for RoomPageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<RoomData, serde_json::Error> {
        PageJson::decode(encoded)
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

    /// A room view with `messages`, whose names and texts try to look like the spliced field.
    fn view(messages: Vec<ChatMessage>) -> RoomView {
        use domain::moderation::{Retention, RoomState, SlowMode};
        RoomView {
            chat_id: domain::ChatId(3),
            room: RoomState {
                name: r#"a "messages":[] room"#.to_owned(),
                hash_key: domain::HashKey::from_random_bytes([7; 16]),
                locked: false,
                slow_mode: SlowMode::default(),
                retention: Retention::default(),
                roles: Vec::new(),
            },
            share_url: "http://localhost/chatrooms/x/".to_owned(),
            me: "o'brien".to_owned(),
            seq: domain::Seq(9),
            messages,
            has_older: false,
            online: vec![r#""messages":[]"#.to_owned()],
            messages_json: None,
        }
    }

    #[test]
    fn the_room_s_messages_json_goes_in_as_the_page_would_write_it() {
        for messages in [
            vec![],
            vec![message("one")],
            vec![message(r#"it's "messages":[] and 'more'"#), message("two")],
        ] {
            let plain: RoomData = Ok(view(messages.clone()));
            let mut with_json = view(messages.clone());
            with_json.messages_json =
                Some(serde_json::to_string(&messages).expect("serializes").into());
            let with_json: RoomData = Ok(with_json);
            let expected = <PageJson as Encoder<_>>::encode(&plain).expect("encodes");
            let spliced = <RoomPageJson as Encoder<_>>::encode(&with_json).expect("encodes");
            assert_eq!(spliced, expected);
            let decoded = <RoomPageJson as Decoder<_>>::decode(&spliced).expect("decodes");
            assert_eq!(decoded, plain);
        }
        let refused: RoomData = Err(AppError::NotFound);
        assert_eq!(
            <RoomPageJson as Encoder<_>>::encode(&refused).expect("encodes"),
            <PageJson as Encoder<_>>::encode(&refused).expect("encodes"),
        );
    }
}
