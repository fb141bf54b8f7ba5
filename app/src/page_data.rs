//! How the room page's data travels from the server's rendering to the room island in the
//! browser: as JSON in a `<script type="application/json">` element beside the island, which the
//! island reads. As the island's props, Leptos would write it into an HTML attribute, escaping
//! it character by character (a fifth of a room page's instructions for 50 messages,
//! bench/instructions.sh).

use domain::model::RoomView;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of the element that holds the room's data.
pub const ROOM_DATA_ID: &str = "room-data";

/// The room's data as JSON, safe as a `<script>` element's text. The messages' JSON, when the
/// server has it written already ([`RoomView::messages_json`]), goes in as it is instead of being
/// written again.
pub fn room_json(view: &RoomView) -> Result<String, serde_json::Error> {
    let Some(messages) = view.messages_json.as_deref() else {
        return serde_json::to_string(view).map(script_safe);
    };
    let rest = RoomView {
        chat_id: view.chat_id,
        room: view.room.clone(),
        share_url: view.share_url.clone(),
        me: view.me.clone(),
        seq: view.seq,
        messages: Vec::new(),
        has_older: view.has_older,
        online: view.online.clone(),
        messages_json: None,
    };
    let text = serde_json::to_string(&rest)?;
    // The last match is the view's own field: only `has_older` and `online` follow it,
    // and a quote inside a string is escaped, so no text can look like it.
    const EMPTY: &str = "\"messages\":[]";
    let Some(at) = text.rfind(EMPTY) else {
        return serde_json::to_string(view).map(script_safe);
    };
    // Copied in three pieces: `String::replace_range` inserts byte by byte.
    let (head, tail) = text.split_at(at + EMPTY.len());
    let mut page = String::with_capacity(text.len() + messages.len());
    page.push_str(&head[..head.len() - "[]".len()]);
    page.push_str(messages);
    page.push_str(tail);
    Ok(script_safe(page))
}

/// `json` safe as a `<script>` element's text: every `<` (in JSON only ever inside a string)
/// written as `\u003c`, so no text can close the element or open a comment in it.
fn script_safe(json: String) -> String {
    if json.contains('<') {
        json.replace('<', "\\u003c")
    } else {
        json
    }
}

/// The room island's data: the server renders with it (and writes it into the page beside the
/// island, [`room_json`]); the browser reads it from there ([`EmbeddedRoom::load`]). As a prop it
/// is written as `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedRoom(pub Option<RoomView>);

impl EmbeddedRoom {
    /// The room's data: the server's own, or in the browser the copy the server wrote.
    pub fn load(self) -> Result<RoomView, String> {
        match self.0 {
            Some(view) => Ok(view),
            None => read_from_page(),
        }
    }
}

impl Serialize for EmbeddedRoom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for EmbeddedRoom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <()>::deserialize(deserializer)?;
        Ok(Self(None))
    }
}

/// Reads the room's data from the element the server wrote it into.
#[cfg(not(feature = "ssr"))]
fn read_from_page() -> Result<RoomView, String> {
    let text = leptos::prelude::document()
        .get_element_by_id(ROOM_DATA_ID)
        .and_then(|element| element.text_content())
        .ok_or_else(|| "The page carries no room data: reload it.".to_owned())?;
    serde_json::from_str(&text).map_err(|err| format!("The page's room data is unreadable: {err}"))
}

/// On the server the island always has its data.
#[cfg(feature = "ssr")]
fn read_from_page() -> Result<RoomView, String> {
    Err("The room's data is missing.".to_owned())
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
            let plain = view(messages.clone());
            let mut with_json = view(messages.clone());
            with_json.messages_json =
                Some(serde_json::to_string(&messages).expect("serializes").into());
            let expected = serde_json::to_string(&plain).expect("serializes");
            let spliced = room_json(&with_json).expect("encodes");
            assert_eq!(spliced, expected);
            let decoded: RoomView = serde_json::from_str(&spliced).expect("decodes");
            assert_eq!(decoded, plain);
        }
    }

    #[test]
    fn no_text_can_end_the_script_element_and_all_comes_back_unchanged() {
        for content in [
            "</script><script>alert(1)</script>",
            "<!-- <script> -->",
            r#"back\slash \" and \' and </SCRIPT"#,
            "emoji 🎉, non-ASCII äöü, line\nbreak, U+2028 \u{2028}",
        ] {
            let original = view(vec![message(content)]);
            let mut with_json = original.clone();
            with_json.messages_json = Some(
                serde_json::to_string(&original.messages)
                    .expect("serializes")
                    .into(),
            );
            for written in [room_json(&original), room_json(&with_json)] {
                let written = written.expect("encodes");
                assert!(!written.contains('<'), "{written}");
                let decoded: RoomView = serde_json::from_str(&written).expect("decodes");
                assert_eq!(decoded, original, "{content:?}");
            }
        }
    }

    #[test]
    fn as_a_prop_the_room_is_written_as_nothing() {
        let prop = EmbeddedRoom(Some(view(vec![message("hello")])));
        assert_eq!(serde_json::to_string(&prop).expect("serializes"), "null");
        let read: EmbeddedRoom = serde_json::from_str("null").expect("deserializes");
        assert_eq!(read, EmbeddedRoom(None));
    }
}
