//! The list of messages, oldest at the top, with the unread divider.
//!
//! The messages are HTML written by `message_html` (on the server for the page, in the browser
//! for what changes later), not components: the browser's bundle carries no view code per
//! message. In the browser one effect keeps the lists in step with the messages signal (adding
//! new ones at the end, drawing changed ones again, the rest only when the frame changed) and
//! one click and one submit handler enhance every link and form in them.

use crate::message_html::{self, Reader};
use crate::timeline::Moment;
use domain::model::{ChatMessage, Quote};
use domain::moderation::{Role, RoomState};
use domain::{HashKey, MessageId, Seq};
use leptos::html::Ol;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

/// What is open on messages, and the last refusal of an action on one.
#[derive(Clone, Copy)]
pub struct MessageMenus {
    /// The message whose reaction picker is open.
    pub picking: RwSignal<Option<MessageId>>,
    /// The message whose editor is open.
    pub editing: RwSignal<Option<MessageId>>,
    /// Why the last action on a message was refused.
    pub refusal: RwSignal<Option<(MessageId, String)>>,
}

impl MessageMenus {
    /// Opens what the page's link asked for (`?react_to=`, `?edit=`).
    pub fn new(picking: Option<MessageId>, editing: Option<MessageId>) -> Self {
        Self {
            picking: RwSignal::new(picking),
            editing: RwSignal::new(editing),
            refusal: RwSignal::new(None),
        }
    }

    /// Closes the picker and the editor (Esc).
    pub fn close(self) {
        if self.picking.get_untracked().is_some() {
            self.picking.set(None);
        }
        if self.editing.get_untracked().is_some() {
            self.editing.set(None);
        }
    }
}

/// Renders `messages`, each with its sender (and their role) and time; the text is never
/// interpreted as HTML. A run of messages from one person shows their name once, and each new
/// day starts with its date. Only messages that arrive after the page opened are in the live
/// region (`role="log"`): older history loaded by scrolling back is not announced.
#[component]
pub fn MessageList(
    messages: RwSignal<Vec<ChatMessage>>,
    me: String,
    /// The first message that arrived while the tab was hidden.
    #[prop(into)]
    unread_from: Signal<Option<MessageId>>,
    /// Whether older messages are being fetched.
    #[prop(into)]
    loading_older: Signal<bool>,
    /// The list of the live region (the scroller is around it).
    list_ref: NodeRef<Ol>,
    /// The room's roles (for badges).
    #[prop(into)]
    state: Signal<RoomState>,
    /// The reader's role (moderators get Delete buttons).
    #[prop(into)]
    my_role: Signal<Option<Role>>,
    /// The room, for the forms.
    hash_key: HashKey,
    /// The open picker and editor.
    menus: MessageMenus,
    /// The message the composer answers (set by "Reply").
    replying: RwSignal<Option<Quote>>,
    /// Brings a message into view (loading older history if needed).
    jump: Callback<MessageId>,
    /// A message as an action's answer had it (an edit, a reaction).
    changed: Callback<ChatMessage>,
    /// A moderation action made from a message's menu succeeded.
    moderated: Callback<()>,
) -> impl IntoView {
    let older_ref = NodeRef::<Ol>::new();
    // What the page opened with, and all that arrives later, is in the log; what scrolling back
    // loads goes above it.
    let first_live = messages.with_untracked(|l| l.first().map_or(MessageId::START, |m| m.id));
    // On the server: the page's HTML. In the browser the effect below draws the lists (first
    // in the reader's time zone), so hydration leaves the server's HTML as it is.
    #[cfg(feature = "ssr")]
    let initial = {
        let state = state.get_untracked();
        let reader = Reader {
            me: &me,
            my_role: my_role.get_untracked(),
            state: &state,
            hash_key: &hash_key,
            local: false,
            today: Moment::now(false).map(|m| m.day),
            picking: menus.picking.get_untracked(),
            editing: menus.editing.get_untracked(),
            refusal: None,
            unread_from: None,
        };
        messages.with_untracked(|list| crate::server::rendered::message_list(list, &reader))
    };
    #[cfg(not(feature = "ssr"))]
    let initial: std::sync::Arc<str> = "".into();

    keep_drawn(Drawing {
        messages,
        me,
        unread_from,
        state,
        my_role,
        hash_key,
        menus,
        first_live,
        older_ref,
        list_ref,
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        on_link(&ev, messages, menus, replying, jump);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        on_form(&ev, menus, changed, moderated);
    };
    view! {
        <div class="message-lists" on:click=on_click on:submit=on_submit>
            <Show when=move || loading_older.get()>
                <p class="loading-older">"Loading older messages…"</p>
            </Show>
            <ol class="messages older" aria-label="Earlier messages" node_ref=older_ref></ol>
            <div role="log" aria-live="polite" aria-label="Messages">
                <ol class="messages" node_ref=list_ref inner_html=initial></ol>
            </div>
        </div>
    }
    .into_any()
}

/// What the lists are drawn from.
struct Drawing {
    messages: RwSignal<Vec<ChatMessage>>,
    me: String,
    unread_from: Signal<Option<MessageId>>,
    state: Signal<RoomState>,
    my_role: Signal<Option<Role>>,
    hash_key: HashKey,
    menus: MessageMenus,
    /// The first message the page opened with: older ones were loaded by scrolling back.
    first_live: MessageId,
    older_ref: NodeRef<Ol>,
    list_ref: NodeRef<Ol>,
}

/// What one message's HTML was made from: when any of it changes, it is drawn again. (Its
/// predecessor matters too, for runs and days: it changes only when history is loaded above.)
#[derive(Debug, Clone, PartialEq)]
struct Drawn {
    id: MessageId,
    seq: Seq,
    quote_deleted: bool,
    picking: bool,
    editing: bool,
    refusal: Option<String>,
}

/// What the lists on screen were drawn from.
#[derive(Debug, Clone, PartialEq)]
struct Screen {
    roles: Vec<(String, Role)>,
    my_role: Option<Role>,
    older: Vec<Drawn>,
    live: Vec<Drawn>,
    unread_from: Option<MessageId>,
    editing: Option<MessageId>,
}

impl Screen {
    fn of(reader: &Reader, older: &[ChatMessage], live: &[ChatMessage]) -> Self {
        let drawn = |list: &[ChatMessage]| {
            list.iter()
                .map(|m| Drawn {
                    id: m.id,
                    seq: m.seq,
                    quote_deleted: m.reply_to.as_ref().is_some_and(|q| q.deleted),
                    picking: reader.picking == Some(m.id),
                    editing: reader.editing == Some(m.id),
                    refusal: reader
                        .refusal
                        .filter(|(at, _)| *at == m.id)
                        .map(|(_, why)| why.to_owned()),
                })
                .collect()
        };
        Self {
            roles: reader
                .state
                .roles
                .iter()
                .map(|holder| (holder.username.clone(), holder.role))
                .collect(),
            my_role: reader.my_role,
            older: drawn(older),
            live: drawn(live),
            unread_from: reader.unread_from,
            editing: reader.editing,
        }
    }
}

/// In the browser: keeps the lists drawn as the messages, the roles and the open menus are.
fn keep_drawn(drawing: Drawing) {
    Effect::new(move |before: Option<Option<Screen>>| {
        let d = &drawing;
        let (Some(older_el), Some(live_el)) = (d.older_ref.get(), d.list_ref.get()) else {
            return before.flatten();
        };
        let state = d.state.get();
        let refusal = d.menus.refusal.get();
        let reader = Reader {
            me: &d.me,
            my_role: d.my_role.get(),
            state: &state,
            hash_key: &d.hash_key,
            local: true,
            today: Moment::now(true).map(|m| m.day),
            picking: d.menus.picking.get(),
            editing: d.menus.editing.get(),
            refusal: refusal.as_ref().map(|(id, why)| (*id, why.as_str())),
            unread_from: d.unread_from.get(),
        };
        d.messages.with(|list| {
            let (older, live) = list.split_at(list.partition_point(|m| m.id < d.first_live));
            let now = Screen::of(&reader, older, live);
            let lists = Lists {
                older_el: &older_el,
                live_el: &live_el,
                older,
                live,
                reader: &reader,
            };
            lists.draw(before.flatten().as_ref(), &now);
            Some(now)
        })
    });
}

/// The two lists on screen and what they show now.
struct Lists<'a> {
    older_el: &'a web_sys::HtmlOListElement,
    live_el: &'a web_sys::HtmlOListElement,
    older: &'a [ChatMessage],
    live: &'a [ChatMessage],
    reader: &'a Reader<'a>,
}

impl Lists<'_> {
    /// Brings the screen from `before` (`None`: the server's HTML) to `now`, drawing as little
    /// as it can: new messages are added at the end, changed ones replaced.
    fn draw(&self, before: Option<&Screen>, now: &Screen) {
        let Some(before) = before.filter(|b| b.roles == now.roles && b.my_role == now.my_role)
        else {
            self.whole_older();
            self.whole_live();
            self.focus_editor(now.editing);
            return;
        };
        if before.older != now.older {
            self.whole_older();
        }
        let same_start = before.older.last().map(|d| d.id) == now.older.last().map(|d| d.id);
        let grown = now.live.len() >= before.live.len()
            && before.live.iter().zip(&now.live).all(|(a, b)| a.id == b.id);
        if !(same_start && grown) {
            self.whole_live();
        } else {
            for (at, (was, is)) in before.live.iter().zip(&now.live).enumerate() {
                if was != is {
                    self.replace(at);
                }
            }
            let mut html = String::new();
            for at in before.live.len()..now.live.len() {
                message_html::item(&mut html, &self.live[at], self.previous(at), self.reader);
            }
            if !html.is_empty() {
                let _ = self.live_el.insert_adjacent_html("beforeend", &html);
            }
            if before.unread_from != now.unread_from {
                self.place_divider(now.unread_from);
            }
        }
        if before.editing != now.editing {
            self.focus_editor(now.editing);
        }
    }

    /// The message above the live list's message at `at`.
    fn previous(&self, at: usize) -> Option<&ChatMessage> {
        match at.checked_sub(1) {
            Some(before) => self.live.get(before),
            None => self.older.last(),
        }
    }

    fn whole_older(&self) {
        let mut html = String::new();
        message_html::list(&mut html, self.older, None, self.reader);
        self.older_el.set_inner_html(&html);
    }

    fn whole_live(&self) {
        let mut html = String::new();
        message_html::list(&mut html, self.live, self.older.last(), self.reader);
        self.live_el.set_inner_html(&html);
    }

    /// Draws the live list's message at `at` again, in place.
    fn replace(&self, at: usize) {
        let message = &self.live[at];
        let Some(el) = document().get_element_by_id(&format!("m-{}", message.id.0)) else {
            return;
        };
        let mut html = String::new();
        message_html::message(&mut html, message, self.previous(at), self.reader);
        el.set_outer_html(&html);
    }

    /// The unread divider above message `from` only.
    fn place_divider(&self, from: Option<MessageId>) {
        if let Ok(dividers) = self.live_el.query_selector_all(".unread-divider") {
            for at in 0..dividers.length() {
                if let Some(Ok(el)) = dividers
                    .item(at)
                    .map(wasm_bindgen::JsCast::dyn_into::<web_sys::Element>)
                {
                    el.remove();
                }
            }
        }
        let target = from.and_then(|id| document().get_element_by_id(&format!("m-{}", id.0)));
        if let Some(el) = target {
            let _ = el.insert_adjacent_html("beforebegin", message_html::UNREAD_DIVIDER);
        }
    }

    /// An editor that just opened gets the focus, ready to type into.
    fn focus_editor(&self, editing: Option<MessageId>) {
        let selector = editing.map(|id| format!("#m-{} textarea", id.0));
        let field = selector.and_then(|s| document().query_selector(&s).ok().flatten());
        if let Some(Ok(field)) = field.map(wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>) {
            let _ = field.focus();
        }
    }
}

/// The id of the message `el` is in.
fn message_of(el: &web_sys::Element) -> Option<MessageId> {
    el.closest("li.message")
        .ok()
        .flatten()?
        .get_attribute("data-id")?
        .parse()
        .ok()
}

/// The element an event happened on.
fn target_of(ev: &web_sys::Event) -> Option<web_sys::Element> {
    wasm_bindgen::JsCast::dyn_into(ev.target()?).ok()
}

/// A click on a message's link: Reply, React and Edit open in place (without JavaScript they
/// are links to the page with it open), Cancel closes the editor, a quote leads to its original.
fn on_link(
    ev: &leptos::ev::MouseEvent,
    messages: RwSignal<Vec<ChatMessage>>,
    menus: MessageMenus,
    replying: RwSignal<Option<Quote>>,
    jump: Callback<MessageId>,
) {
    let Some(link) = target_of(ev).and_then(|el| el.closest("a").ok().flatten()) else {
        return;
    };
    let Some(id) = message_of(&link) else { return };
    let toggle = |open: RwSignal<Option<MessageId>>| {
        open.update(|open| *open = if *open == Some(id) { None } else { Some(id) });
        menus.refusal.set(None);
    };
    let class = link.class_list();
    if class.contains("reply-link") {
        let quote = messages.with_untracked(|list| {
            list.iter()
                .find(|m| m.id == id && m.deleted.is_none())
                .map(|m| Quote::of(m.id, &m.username, Some(&m.content)))
        });
        replying.set(quote);
    } else if class.contains("react-link") {
        toggle(menus.picking);
    } else if class.contains("edit-link") {
        toggle(menus.editing);
    } else if class.contains("cancel-edit") {
        menus.editing.set(None);
    } else if class.contains("quote") {
        let href = link.get_attribute("href").unwrap_or_default();
        match href.strip_prefix("#m-").and_then(|id| id.parse().ok()) {
            Some(original) => jump.run(original),
            None => return,
        }
    } else {
        return;
    }
    ev.prevent_default();
}

/// A form of a message posted in place: its answer (the message as it is now) is shown at
/// once, the picker or editor it came from closes; a refusal is shown with the message.
fn on_form(
    ev: &leptos::ev::SubmitEvent,
    menus: MessageMenus,
    changed: Callback<ChatMessage>,
    moderated: Callback<()>,
) {
    let form = crate::client::form_post::submitted(ev);
    let Some((form, id)) = form.and_then(|f| message_of(&f).map(|id| (f, id))) else {
        return;
    };
    ev.prevent_default();
    let in_editor = form.closest(".message-editor").ok().flatten().is_some();
    let reaction = form.action().ends_with(crate::api::ReactToMessage::PATH);
    let moderation = form.action().contains("/api/mod/");
    leptos::task::spawn_local(async move {
        match crate::client::form_post::post(&form).await {
            Ok(answer) => {
                if menus.refusal.with_untracked(|r| r.is_some()) {
                    menus.refusal.set(None);
                }
                if let Ok(message) = serde_json::from_str::<ChatMessage>(&answer) {
                    changed.run(message);
                }
                if reaction {
                    menus.picking.set(None);
                }
                if in_editor {
                    menus.editing.set(None);
                }
                if moderation {
                    moderated.run(());
                }
            }
            Err(why) => menus.refusal.set(Some((id, why))),
        }
    });
}
