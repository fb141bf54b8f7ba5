//! The forms of the room settings panel as HTML text, one function per form, written the same
//! way by the server (the page) and the browser (when the room's state changes): plain forms
//! posting to their server functions, so the panel works without JavaScript; in the browser
//! the panel's one submit handler posts them in place (`components::moderation`).

use crate::api::moderation::{
    DeleteRoom, RenameRoom, RotateLink, SetLocked, SetRetention, SetSlowMode, DELETE_CONFIRMATION,
};
use crate::message_html::{escape, form_start};
use domain::moderation::{Retention, RoomState, SlowMode};
use domain::{HashKey, RoomName};
use leptos::server_fn::ServerFn;
use std::fmt::Write;

/// Lock or unlock the room, with what the lock means now.
pub fn lock(out: &mut String, state: &RoomState) {
    form_start(out, SetLocked::PATH, "", &state.hash_key);
    let (button, hint) = if state.locked {
        ("Unlock room", "Closed to new people; members keep talking.")
    } else {
        ("Lock room", "Anyone with the link may enter.")
    };
    let _ = write!(
        out,
        r#"<input type="hidden" name="locked" value="{}"/><button type="submit">{button}</button><span class="hint">{hint}</span></form>"#,
        !state.locked
    );
}

/// Give the room a new share link.
pub fn rotate(out: &mut String, hash_key: &HashKey) {
    form_start(out, RotateLink::PATH, "", hash_key);
    out.push_str(r#"<button type="submit">Rotate link</button><span class="hint">New link; the old one stops working for people not yet in the room.</span></form>"#);
}

/// How long everyone waits between messages.
pub fn slow_mode(out: &mut String, state: &RoomState) {
    form_start(out, SetSlowMode::PATH, "", &state.hash_key);
    out.push_str(
        r#"<label for="slow-mode">Slow mode</label><select id="slow-mode" name="seconds">"#,
    );
    for secs in SlowMode::CHOICES {
        let selected = if state.slow_mode.secs() == secs {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, r#"<option value="{secs}"{selected}>"#);
        if secs == 0 {
            out.push_str("off");
        } else {
            let _ = write!(out, "{secs} s");
        }
        out.push_str("</option>");
    }
    out.push_str(r#"</select><button type="submit">Save slow mode</button></form>"#);
}

/// A new name for the room.
pub fn rename(out: &mut String, state: &RoomState) {
    form_start(out, RenameRoom::PATH, "", &state.hash_key);
    let _ = write!(
        out,
        r#"<label for="room-name">Room name</label><input id="room-name" name="name" required maxlength="{}" value=""#,
        RoomName::MAX_CHARS
    );
    escape(out, &state.name);
    out.push_str(r#""/><button type="submit">Rename</button></form>"#);
}

/// How long messages are kept (the owner's).
pub fn retention(out: &mut String, state: &RoomState) {
    form_start(out, SetRetention::PATH, "", &state.hash_key);
    out.push_str(
        r#"<label for="retention">Keep messages</label><select id="retention" name="retention">"#,
    );
    for choice in Retention::ALL {
        let selected = if state.retention == choice {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<option value="{}"{selected}>{}</option>"#,
            choice.as_str(),
            choice.label()
        );
    }
    out.push_str(r#"</select><button type="submit">Save retention</button></form>"#);
}

/// Delete the room and every message in it, once confirmed (the owner's).
pub fn delete(out: &mut String, hash_key: &HashKey) {
    form_start(out, DeleteRoom::PATH, "danger", hash_key);
    let _ = write!(
        out,
        r#"<label class="check"><input type="checkbox" name="confirm" value="{DELETE_CONFIRMATION}" required/> Yes, delete this room and every message in it</label><button type="submit" class="danger">Delete room</button></form>"#
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::moderation::{Role, RoleHolder};

    fn state(locked: bool, name: &str) -> RoomState {
        RoomState {
            name: name.into(),
            hash_key: HashKey::parse("abcdefghijklmnop").expect("a valid key"),
            locked,
            slow_mode: SlowMode::from_secs(30).expect("a choice"),
            retention: Retention::ALL[1],
            roles: vec![RoleHolder {
                username: "olga".into(),
                role: Role::Owner,
            }],
        }
    }

    #[test]
    fn forms_show_the_rooms_state_and_escape_its_name() {
        let mut out = String::new();
        lock(&mut out, &state(true, "x"));
        assert!(out.contains(r#"name="locked" value="false""#) && out.contains("Unlock room"));
        let mut out = String::new();
        lock(&mut out, &state(false, "x"));
        assert!(out.contains(r#"name="locked" value="true""#) && out.contains(">Lock room<"));
        let mut out = String::new();
        slow_mode(&mut out, &state(false, "x"));
        assert_eq!(out.matches(" selected").count(), 1);
        assert!(
            out.contains(r#"<option value="30" selected>30 s</option>"#),
            "{out}"
        );
        let mut out = String::new();
        retention(&mut out, &state(false, "x"));
        assert_eq!(out.matches(" selected").count(), 1);
        let mut out = String::new();
        rename(&mut out, &state(false, r#""><script>"#));
        assert!(out.contains(r#"value="&quot;&gt;&lt;script&gt;""#) && !out.contains("<script>"));
        let mut out = String::new();
        delete(&mut out, &state(false, "x").hash_key);
        assert!(out.contains(&format!(r#"action="{}""#, DeleteRoom::PATH)));
        assert!(out.contains(r#"name="hash_key" value="abcdefghijklmnop""#));
    }
}
