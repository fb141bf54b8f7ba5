//! A message as HTML text, written the same way by the server (the room page) and the browser
//! (live changes, older pages): one plain function instead of a component per message, so the
//! browser's bundle carries no view code for messages. Every action is a link or a form that
//! works without JavaScript; in the browser one delegated handler enhances them
//! (`components::message_list`). Text from people is always escaped here.

use crate::api::moderation::{
    BanPerson, DeleteMessage, MakeModerator, RemovePerson, RevokeModerator, TransferOwnership,
};
use crate::api::{DeleteMyMessage, EditMessage, ReactToMessage};
use crate::components::avatar::{initial, name_hue};
use crate::rich_text::{segments, Segment};
use crate::timeline::{Day, Moment};
use domain::mentions;
use domain::model::ChatMessage;
use domain::moderation::{Role, RoomState};
use domain::reactions::COMMON;
use domain::{HashKey, MessageId, MessageText};
use leptos::server_fn::ServerFn;
use std::fmt::Write;

/// Who reads the list and what is open on their page: all a message's HTML depends on besides
/// the message and the one before it.
pub struct Reader<'a> {
    /// The reader's name.
    pub me: &'a str,
    /// The reader's role (owners and moderators get Delete and the actions on authors).
    pub my_role: Option<Role>,
    /// The room's roles (for the authors' badges).
    pub state: &'a RoomState,
    /// The room, for the forms.
    pub hash_key: &'a HashKey,
    /// Times in the reader's zone (in the browser) rather than UTC.
    pub local: bool,
    /// Today, for the day separators.
    pub today: Option<Day>,
    /// The message whose reaction picker is open.
    pub picking: Option<MessageId>,
    /// The message whose editor is open.
    pub editing: Option<MessageId>,
    /// The last refusal of an action on a message, shown with it.
    pub refusal: Option<(MessageId, &'a str)>,
    /// The first message that arrived while the tab was hidden.
    pub unread_from: Option<MessageId>,
}

/// The divider above the first message that arrived while the reader was away.
pub const UNREAD_DIVIDER: &str = r#"<li class="unread-divider">New messages</li>"#;

/// Every message of `list` (each after `before`, the message above the first, if any).
pub fn list(out: &mut String, list: &[ChatMessage], before: Option<&ChatMessage>, reader: &Reader) {
    let mut previous = before;
    for message in list {
        item(out, message, previous, reader);
        previous = Some(message);
    }
}

/// One entry: the day's separator when `message` starts a new day, the unread divider, the
/// message.
pub fn item(
    out: &mut String,
    message: &ChatMessage,
    previous: Option<&ChatMessage>,
    reader: &Reader,
) {
    let times = Times::of(message, previous, reader);
    if let Some(day) = times.this.map(|m| m.day) {
        if let (false, Some(today)) = (times.before.is_some_and(|b| b.day == day), reader.today) {
            let _ = write!(
                out,
                r#"<li class="day-separator"><time datetime="{}">{}</time></li>"#,
                day.iso(),
                day.label(today)
            );
        }
    }
    if reader.unread_from == Some(message.id) {
        out.push_str(UNREAD_DIVIDER);
    }
    write_message(out, message, previous, times, reader);
}

/// One message (`<li class="message">`): author, role badge, time, actions, quote, text (or
/// who deleted it), its open editor or picker, reactions and the last refusal.
pub fn message(
    out: &mut String,
    message: &ChatMessage,
    previous: Option<&ChatMessage>,
    reader: &Reader,
) {
    let times = Times::of(message, previous, reader);
    write_message(out, message, previous, times, reader);
}

/// When a message and the one before it were written, as the reader sees it: read once per
/// message (in the browser each is a JavaScript `Date`).
#[derive(Clone, Copy)]
struct Times {
    this: Option<Moment>,
    before: Option<Moment>,
}

impl Times {
    fn of(message: &ChatMessage, previous: Option<&ChatMessage>, reader: &Reader) -> Self {
        Self {
            this: Moment::of(&message.timestamp, reader.local),
            before: previous.and_then(|p| Moment::of(&p.timestamp, reader.local)),
        }
    }
}

fn write_message(
    out: &mut String,
    message: &ChatMessage,
    previous: Option<&ChatMessage>,
    times: Times,
    reader: &Reader,
) {
    let id = message.id.0;
    let author = message.username.as_str();
    let mine = author == reader.me;
    let alive = message.deleted.is_none();
    let moment = times.this;
    // A run: the same author as the message before, on the same day, within minutes.
    let continued = previous.is_some_and(|p| p.username == author)
        && moment
            .zip(times.before)
            .is_some_and(|(this, before)| this.continues(&before));
    let mentions_me = !mine && alive && mentions::mentions(&message.content, reader.me);
    out.push_str(r#"<li class="message"#);
    for (on, class) in [
        (mine, " mine"),
        (!alive, " deleted"),
        (mentions_me, " mentions-me"),
        (continued, " continued"),
    ] {
        if on {
            out.push_str(class);
        }
    }
    // Focusable by a tap, which shows its actions on touch screens.
    let _ = write!(
        out,
        r#"" tabindex="-1" data-id="{id}" id="m-{id}"><span class="meta">"#
    );
    badge(out, author);
    role_badge(out, reader.state.role_of(author));
    out.push_str(r#"<time datetime=""#);
    escape(out, &message.timestamp);
    out.push_str(r#"" title=""#);
    if let Some(moment) = moment {
        escape(out, &moment.full(reader.local));
    }
    out.push_str(r#"">"#);
    if let Some(moment) = moment {
        out.push_str(&moment.clock());
    }
    out.push_str("</time>");
    if let Some(at) = &message.edited_at {
        out.push_str(r#"<span class="edited" title="edited "#);
        escape(out, at);
        out.push_str(r#"">(edited)</span>"#);
    }
    out.push_str(r#"<span class="actions">"#);
    if alive {
        out.push_str(r#"<a class="reply-link" href="?reply_to="#);
        let _ = write!(out, r#"{id}" aria-label="Reply to "#);
        escape(out, author);
        out.push_str(r#"">Reply</a> "#);
        let picking = reader.picking == Some(message.id);
        let _ = write!(
            out,
            r#"<a class="react-link" href="?react_to={id}" role="button" aria-label="React to this message" aria-expanded="{picking}">React</a> "#
        );
        if mine {
            let editing = reader.editing == Some(message.id);
            let _ = write!(
                out,
                r#"<a class="edit-link" href="?edit={id}" role="button" aria-label="Edit your message" aria-expanded="{editing}">Edit</a>"#
            );
            form_start(
                out,
                DeleteMyMessage::PATH,
                "message-action",
                reader.hash_key,
            );
            let _ = write!(
                out,
                r#"<input type="hidden" name="message_id" value="{id}"/><button type="submit" class="link-button" aria-label="Delete your message">Delete</button></form>"#
            );
        }
    }
    if let (Some(my_role), false) = (reader.my_role, mine) {
        if alive {
            form_start(out, DeleteMessage::PATH, "message-action", reader.hash_key);
            let _ = write!(
                out,
                r#"<input type="hidden" name="message_id" value="{id}"/><button type="submit" class="link-button" aria-label="Delete message from "#
            );
            escape(out, author);
            out.push_str(r#"">Delete</button></form>"#);
        }
        // The author may have left: their actions are here too, not only in the presence list.
        let theirs = reader.state.role_of(author);
        if theirs.is_none_or(|theirs| theirs < my_role) {
            person_actions(out, reader.hash_key, author, theirs, my_role);
        }
    }
    out.push_str("</span></span>");
    if let Some(quote) = &message.reply_to {
        let _ = write!(
            out,
            r##"<a class="quote{}" href="#m-{}">↪ "##,
            if quote.deleted { " gone" } else { "" },
            quote.id.0
        );
        if quote.deleted {
            out.push_str("the quoted message was deleted");
        } else {
            escape(out, &quote.username);
            out.push_str(": ");
            escape(out, &quote.excerpt);
        }
        out.push_str("</a>");
    }
    match message.deleted {
        Some(deletion) => {
            out.push_str(r#"<p class="content placeholder">"#);
            out.push_str(deletion.placeholder());
            out.push_str("</p>");
        }
        None => {
            out.push_str(r#"<p class="content">"#);
            rich_text(out, &message.content, reader.me);
            out.push_str("</p>");
        }
    }
    let refusal = reader
        .refusal
        .filter(|(at, _)| *at == message.id)
        .map(|(_, why)| why);
    let mut refusal_shown = false;
    if mine && alive && reader.editing == Some(message.id) {
        editor(out, message, reader.hash_key, refusal);
        refusal_shown = true;
    }
    if alive && !message.reactions.is_empty() {
        out.push_str(r#"<div class="reactions">"#);
        for reaction in message.reactions.list() {
            let pressed = reaction.users.iter().any(|u| u == reader.me);
            let who = reaction.users.join(", ");
            let count = reaction.users.len();
            let emoji = reaction.emoji.as_str();
            form_start(out, ReactToMessage::PATH, "reaction", reader.hash_key);
            let _ = write!(
                out,
                r#"<input type="hidden" name="message_id" value="{id}"/>"#
            );
            out.push_str(r#"<input type="hidden" name="emoji" value=""#);
            escape(out, emoji);
            let _ = write!(
                out,
                r#""/><button type="submit" aria-pressed="{pressed}" title=""#
            );
            escape(out, &who);
            out.push_str(r#"" aria-label=""#);
            let label = if pressed {
                format!("Take back your reaction {emoji} ({count}: {who})")
            } else {
                format!("React {emoji} too ({count}: {who})")
            };
            escape(out, &label);
            out.push_str(r#""><span class="emoji">"#);
            escape(out, emoji);
            let _ = write!(
                out,
                r#"</span> <span class="count">{count}</span></button></form>"#
            );
        }
        out.push_str("</div>");
    }
    if alive && reader.picking == Some(message.id) {
        picker(out, message.id, reader.hash_key, refusal);
        refusal_shown = true;
    }
    if let (Some(why), false) = (refusal, refusal_shown) {
        form_error(out, why);
    }
    out.push_str("</li>");
}

/// A coloured initial followed by the name in the same colour.
fn badge(out: &mut String, name: &str) {
    let _ = write!(
        out,
        r#"<span class="badge hue-{}"><span class="avatar" aria-hidden="true">"#,
        name_hue(name)
    );
    escape(out, &initial(name));
    out.push_str(r#"</span><span class="author">"#);
    escape(out, name);
    out.push_str("</span></span>");
}

/// "owner" or "mod" next to a name, if they hold a role.
fn role_badge(out: &mut String, role: Option<Role>) {
    if let Some(role) = role {
        let _ = write!(
            out,
            r#"<span class="role-badge role-{0}" title="{0}">{1}</span>"#,
            role.as_str(),
            role.badge()
        );
    }
}

/// Everyone in `names` (who has the room open), one per line: name, role badge, and what
/// the reader may do to them.
pub fn people(
    out: &mut String,
    names: &[String],
    me: &str,
    my_role: Option<Role>,
    state: &RoomState,
    hash_key: &HashKey,
) {
    for name in names {
        out.push_str(r#"<li class="online-user" data-name=""#);
        escape(out, name);
        out.push_str(r#"">"#);
        badge(out, name);
        let theirs = state.role_of(name);
        role_badge(out, theirs);
        if let Some(mine) = my_role {
            if name != me && theirs.is_none_or(|theirs| theirs < mine) {
                person_actions(out, hash_key, name, theirs, mine);
            }
        }
        out.push_str("</li>");
    }
}

/// What `my_role` may do to `username` (who holds `their_role`): a small menu of forms.
fn person_actions(
    out: &mut String,
    hash_key: &HashKey,
    username: &str,
    their_role: Option<Role>,
    my_role: Role,
) {
    let owner = my_role == Role::Owner;
    out.push_str(r#"<details class="person-actions"><summary aria-label="Actions for "#);
    escape(out, username);
    out.push_str(r#"">⋯</summary><div class="menu">"#);
    let label = |what: &str| what.replace("{}", username);
    person_form(
        out,
        RemovePerson::PATH,
        hash_key,
        username,
        &label("Remove {}"),
        "Remove",
    );
    form_start(out, BanPerson::PATH, "", hash_key);
    person_field(out, username);
    out.push_str(r#"<label class="check"><input type="checkbox" name="delete_messages" value="on"/> also delete their messages</label><button type="submit" aria-label="Ban "#);
    escape(out, username);
    out.push_str(r#"">Ban</button></form>"#);
    match (owner, their_role) {
        (true, None) => person_form(
            out,
            MakeModerator::PATH,
            hash_key,
            username,
            &label("Make {} a moderator"),
            "Make moderator",
        ),
        (true, Some(Role::Moderator)) => person_form(
            out,
            RevokeModerator::PATH,
            hash_key,
            username,
            &label("Remove moderator role from {}"),
            "Remove moderator role",
        ),
        _ => {}
    }
    if owner {
        person_form(
            out,
            TransferOwnership::PATH,
            hash_key,
            username,
            &label("Make {} the owner"),
            "Make owner",
        );
    }
    out.push_str("</div></details>");
}

/// A one-button form naming `username`; `label` is the button's accessible name.
fn person_form(
    out: &mut String,
    action: &str,
    hash_key: &HashKey,
    username: &str,
    label: &str,
    text: &str,
) {
    form_start(out, action, "", hash_key);
    person_field(out, username);
    out.push_str(r#"<button type="submit" aria-label=""#);
    escape(out, label);
    let _ = write!(out, r#"">{text}</button></form>"#);
}

fn person_field(out: &mut String, username: &str) {
    out.push_str(r#"<input type="hidden" name="username" value=""#);
    escape(out, username);
    out.push_str(r#""/>"#);
}

/// The open editor of one of the reader's own messages.
fn editor(out: &mut String, message: &ChatMessage, hash_key: &HashKey, refusal: Option<&str>) {
    out.push_str(r#"<div class="message-editor">"#);
    form_start(out, EditMessage::PATH, "", hash_key);
    let _ = write!(
        out,
        r#"<input type="hidden" name="message_id" value="{}"/><textarea name="content" rows="2" required autofocus maxlength="{}" aria-label="New text of your message">"#,
        message.id.0,
        MessageText::MAX_CHARS
    );
    escape(out, &message.content);
    let _ = write!(
        out,
        r#"</textarea><div class="editor-buttons"><button type="submit">Save</button><a href="{}" class="cancel-edit">Cancel</a></div>"#,
        hash_key.room_path()
    );
    if let Some(why) = refusal {
        form_error(out, why);
    }
    out.push_str("</form></div>");
}

/// The reaction picker of one message: common emoji, a box for any other.
fn picker(out: &mut String, id: MessageId, hash_key: &HashKey, refusal: Option<&str>) {
    out.push_str(r#"<div class="reaction-picker" role="group" aria-label="Pick a reaction">"#);
    for emoji in COMMON {
        form_start(out, ReactToMessage::PATH, "pick", hash_key);
        let _ = write!(
            out,
            r#"<input type="hidden" name="message_id" value="{}"/><input type="hidden" name="emoji" value="{emoji}"/><button type="submit" aria-label="React with {emoji}">{emoji}</button></form>"#,
            id.0
        );
    }
    form_start(out, ReactToMessage::PATH, "pick-any", hash_key);
    let _ = write!(
        out,
        r#"<input type="hidden" name="message_id" value="{}"/><input type="text" name="emoji" required size="4" maxlength="40" autocomplete="off" aria-label="Any emoji" placeholder="🙂"/><button type="submit">React</button></form>"#,
        id.0
    );
    if let Some(why) = refusal {
        form_error(out, why);
    }
    out.push_str("</div>");
}

/// `<form>` posting to the server function at `action`, with the room's hidden field.
pub(crate) fn form_start(out: &mut String, action: &str, class: &str, hash_key: &HashKey) {
    out.push_str("<form");
    if !class.is_empty() {
        let _ = write!(out, r#" class="{class}""#);
    }
    let _ = write!(
        out,
        r#" method="post" action="{action}"><input type="hidden" name="hash_key" value="{}"/>"#,
        hash_key.as_str()
    );
}

/// Why the last action was refused.
fn form_error(out: &mut String, why: &str) {
    out.push_str(r#"<p class="form-error" role="alert">"#);
    escape(out, why);
    out.push_str("</p>");
}

/// The message text: text (with the reader's mentions marked), safe links and inline code.
fn rich_text(out: &mut String, text: &str, me: &str) {
    for segment in segments(text) {
        match segment {
            Segment::Text(text) => {
                let mut from = 0;
                for found in mentions::find(text, &[me]) {
                    escape(out, &text[from..found.start]);
                    out.push_str(r#"<mark class="mention">"#);
                    escape(out, &text[found.clone()]);
                    out.push_str("</mark>");
                    from = found.end;
                }
                escape(out, &text[from..]);
            }
            Segment::Code(code) => {
                out.push_str("<code>");
                escape(out, code);
                out.push_str("</code>");
            }
            Segment::Link(url) => {
                out.push_str(r#"<a href=""#);
                escape(out, url);
                out.push_str(r#"" target="_blank" rel="noopener noreferrer nofollow">"#);
                escape(out, url);
                out.push_str("</a>");
            }
        }
    }
}

/// `text` as HTML text or attribute value: it can never become markup.
pub fn escape(out: &mut String, text: &str) {
    // By bytes: the five are ASCII, which never occurs inside a longer UTF-8 character.
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[from..at]);
        out.push_str(replacement);
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::moderation::{Deletion, Retention, RoleHolder, SlowMode};
    use domain::{ChatId, Seq};

    fn msg(id: i64, who: &str, text: &str, at: &str) -> ChatMessage {
        ChatMessage {
            id: MessageId(id),
            chat_id: ChatId(1),
            timestamp: at.into(),
            username: who.into(),
            content: text.into(),
            seq: Seq(id),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Default::default(),
        }
    }

    fn state() -> RoomState {
        RoomState {
            name: "Lobby".into(),
            hash_key: HashKey::parse("abcdefghijklmnop").expect("a valid key"),
            locked: false,
            slow_mode: SlowMode::from_secs(0).expect("off"),
            retention: Retention::ALL[0],
            roles: vec![RoleHolder {
                username: "olga".into(),
                role: Role::Owner,
            }],
        }
    }

    fn render(list: &[ChatMessage], me: &str, my_role: Option<Role>) -> String {
        let state = state();
        let key = state.hash_key.clone();
        let reader = Reader {
            me,
            my_role,
            state: &state,
            hash_key: &key,
            local: false,
            today: Moment::utc("2026-12-07T10:00:00Z").map(|m| m.day),
            picking: None,
            editing: None,
            refusal: None,
            unread_from: None,
        };
        let mut out = String::new();
        super::list(&mut out, list, None, &reader);
        out
    }

    #[test]
    fn text_from_people_never_becomes_markup() {
        let evil = r#"<script>alert("x")</script> & 'q'"#;
        let html = render(
            &[msg(1, "<b>eve</b>", evil, "2026-12-07T09:00:00Z")],
            "bob",
            None,
        );
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;")
        );
        assert!(html.contains("Reply to &lt;b&gt;eve&lt;/b&gt;"));
    }

    #[test]
    fn runs_days_mentions_and_links() {
        let list = [
            msg(
                1,
                "ann",
                "hi @bob see https://example.org.",
                "2026-12-06T09:00:00Z",
            ),
            msg(2, "ann", "`x<y`", "2026-12-07T09:00:00Z"),
            msg(3, "ann", "again", "2026-12-07T09:01:00Z"),
        ];
        let html = render(&list, "bob", None);
        assert_eq!(html.matches("day-separator").count(), 2, "{html}");
        assert!(html.contains(">Yesterday<") && html.contains(">Today<"));
        assert_eq!(html.matches(r#"class="message continued""#).count(), 1);
        assert!(html.contains(r#"class="message mentions-me""#));
        assert!(html.contains(r#"<mark class="mention">@bob</mark>"#));
        assert!(html.contains(r#"<a href="https://example.org" target="_blank""#));
        assert!(html.contains("<code>x&lt;y</code>"));
    }

    #[test]
    fn actions_follow_the_readers_relation_to_the_message() {
        let mut gone = msg(2, "bob", "", "2026-12-07T09:01:00Z");
        gone.deleted = Some(Deletion::Author);
        let list = [msg(1, "bob", "mine", "2026-12-07T09:00:00Z"), gone];
        let member = render(&list, "bob", None);
        assert_eq!(member.matches("Edit your message").count(), 1, "{member}");
        assert_eq!(member.matches("Delete your message").count(), 1);
        assert!(!member.contains("person-actions"));
        assert!(member.contains(Deletion::Author.placeholder()));
        let owner = render(&list, "olga", Some(Role::Owner));
        assert!(!owner.contains("Edit your message"));
        assert_eq!(
            owner.matches("Delete message from bob").count(),
            1,
            "{owner}"
        );
        assert!(owner.contains("Make bob a moderator") && owner.contains("Make bob the owner"));
        assert!(owner.contains(&format!(r#"action="{}""#, DeleteMessage::PATH)));
    }

    #[test]
    fn people_show_each_readers_actions_on_others_below_them() {
        let mut state = state();
        state.roles.push(RoleHolder {
            username: "mo".into(),
            role: Role::Moderator,
        });
        let names = ["olga", "mo", "<b>"].map(String::from);
        let people = |me: &str, my_role: Option<Role>| {
            let mut out = String::new();
            super::people(&mut out, &names, me, my_role, &state, &state.hash_key);
            out
        };
        let owner = people("olga", Some(Role::Owner));
        assert_eq!(owner.matches(r#"<li class="online-user""#).count(), 3);
        assert!(!owner.contains("Actions for olga"), "{owner}");
        assert!(owner.contains("Remove moderator role from mo"));
        assert!(owner.contains("Make &lt;b&gt; a moderator") && !owner.contains("<b>"));
        let moderator = people("mo", Some(Role::Moderator));
        assert!(!moderator.contains("Actions for olga") && !moderator.contains("Actions for mo"));
        assert!(moderator.contains("Ban &lt;b&gt;") && !moderator.contains("Make owner"));
        let member = people("<b>", None);
        assert!(!member.contains("person-actions"));
        assert!(member.contains(r#"title="owner""#) && member.contains(r#"title="moderator""#));
    }
}
