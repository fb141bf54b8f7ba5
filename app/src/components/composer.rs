//! The box to write and send a message; Enter sends, Shift+Enter adds a line. Typing `@` offers
//! the room's names (arrow keys choose, Enter or Tab takes one, Esc closes).

use crate::api::{typing, SendMessage};
use crate::client::outbox::{Outbox, Outgoing, Waiting};
use crate::components::form_error::{error_text, FormError};
use domain::mentions;
use domain::model::Quote;
use domain::{HashKey, MessageText};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use wasm_bindgen::JsCast;

/// The id of the list of names `@` offers.
const MENTION_LIST_ID: &str = "mention-list";

fn mention_option_id(index: usize) -> String {
    format!("mention-option-{index}")
}

/// The names offered for the `@name` being typed; a mouse press takes one (before the box
/// loses focus).
#[component]
fn MentionList(
    menu: RwSignal<Option<MentionMenu>>,
    pick: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        menu.get().map(|open| {
            let options = open
                .names
                .into_iter()
                .enumerate()
                .map(|(index, name)| {
                    let chosen = name.clone();
                    view! {
                        <li
                            role="option"
                            id=mention_option_id(index)
                            aria-selected=(index == open.active).to_string()
                            on:mousedown=move |ev| {
                                ev.prevent_default();
                                pick(chosen.clone());
                            }
                        >
                            "@"
                            {name}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <ul class="mention-list" id=MENTION_LIST_ID role="listbox" aria-label="People to mention">
                    {options}
                </ul>
            }
        })
    }
}

/// A fresh id for the next message: a retry of a send carries the same one, so the server
/// stores the message once (see `domain::ClientId`).
fn new_client_id() -> String {
    // The page's server may have chosen it (a kept page gets a new one in every answer).
    #[cfg(feature = "ssr")]
    let id = crate::server::room_page::FreshPerAnswer::of_page()
        .map_or_else(backend::random::new_client_id, |fresh| fresh.client_id);
    #[cfg(not(feature = "ssr"))]
    let id = {
        let mut bytes = [0_u8; 16];
        let filled = window()
            .crypto()
            .ok()
            .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).ok())
            .is_some();
        if !filled {
            // No Web Crypto: ids need only be unique among one person's messages in a room.
            for byte in &mut bytes {
                *byte = (js_sys::Math::random() * 256.0) as u8;
            }
        }
        domain::ClientId::from_random_bytes(bytes)
    };
    id.as_str().to_owned()
}

/// How often typing is announced while someone keeps typing.
const TYPING_EVERY_MS: f64 = 2000.0;

/// The byte offset in `text` of UTF-16 offset `units` (what the DOM counts in).
fn byte_at_utf16(text: &str, units: u32) -> usize {
    let mut seen = 0;
    for (at, c) in text.char_indices() {
        if seen >= units as usize {
            return at;
        }
        seen += c.len_utf16();
    }
    text.len()
}

/// The UTF-16 length of `text`.
fn utf16_len(text: &str) -> u32 {
    u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX)
}

/// The `@name` being typed: where its `@` is, where the caret is, and the names offered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MentionMenu {
    at: usize,
    caret: usize,
    names: Vec<String>,
    active: usize,
}

/// The send form for the room behind `hash_key`; with `replying` set, the message answers that
/// one (its quote shows above the box, with a way to cancel). `names` are the people `@` offers,
/// online first.
#[component]
pub fn Composer(
    hash_key: HashKey,
    /// Only for the error of a post made without JavaScript (carried in the page's link).
    send: ServerAction<SendMessage>,
    /// Where a message goes when sent from the page: it is stored there until acknowledged.
    outbox: Outbox,
    /// Text handed back to edit (a refused message).
    draft_back: RwSignal<Option<String>>,
    replying: RwSignal<Option<Quote>>,
    me: String,
    #[prop(into)] names: Signal<Vec<String>>,
) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    let text = NodeRef::<leptos::html::Textarea>::new();
    let menu = RwSignal::new(None::<MentionMenu>);
    let me = StoredValue::new(me);
    let client_id = RwSignal::new(new_client_id());
    // When the room was last told we are typing (ms since epoch).
    let last_typing = StoredValue::new(0.0_f64);

    // After each keystroke or caret move: is an `@name` being typed, and who fits?
    let refresh_menu = move || {
        let Some(el) = text.get_untracked() else {
            return;
        };
        let value = el.value();
        let caret = byte_at_utf16(&value, el.selection_start().ok().flatten().unwrap_or(0));
        let found = mentions::typed_at(&value, caret).and_then(|(at, query)| {
            let offered: Vec<String> = names.with_untracked(|all| {
                let all: Vec<&str> = all.iter().map(String::as_str).collect();
                me.with_value(|me| mentions::suggest(&all, query, me))
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            });
            (!offered.is_empty()).then_some(MentionMenu {
                at,
                caret,
                names: offered,
                active: 0,
            })
        });
        // Keep the highlighted name when the list did not change.
        menu.update(|old| {
            let active = match (old.as_ref(), found.as_ref()) {
                (Some(old), Some(new)) if old.names == new.names => old.active,
                _ => 0,
            };
            *old = found.map(|m| MentionMenu { active, ..m });
        });
    };
    // Puts `@name ` in place of what was typed after the `@`.
    let pick = move |name: String| {
        let (Some(el), Some(open)) = (text.get_untracked(), menu.get_untracked()) else {
            return;
        };
        let value = el.value();
        let (Some(before), Some(after)) = (value.get(..open.at), value.get(open.caret..)) else {
            return;
        };
        let inserted = format!("@{name} ");
        let caret = utf16_len(before) + utf16_len(&inserted);
        el.set_value(&format!("{before}{inserted}{after}"));
        let _ = el.set_selection_range(caret, caret);
        let _ = el.focus();
        menu.set(None);
    };

    // A text refused before it left (empty, too long): said under the box, the draft kept.
    let refused = RwSignal::new(None::<String>);
    // With JavaScript the message goes to the outbox (which sends it, and again after a failure
    // that passes, with the same id) and the box is free at once; without, the form posts.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(el) = text.get_untracked() else {
            return;
        };
        let content = el.value();
        if let Err(err) = MessageText::parse(&content) {
            refused.set(Some(err.to_string()));
            return;
        }
        refused.set(None);
        outbox.push(Outgoing {
            client_id: client_id.get_untracked(),
            content,
            reply_to: replying.with_untracked(|q| q.as_ref().map(|q| q.id)),
            waiting: Waiting::Queued,
        });
        client_id.set(new_client_id());
        replying.set(None);
        el.set_value("");
        let _ = el.focus();
        // A sent message ends the typing hint, so the next keystroke announces again.
        last_typing.set_value(0.0);
    };
    // A refused message the reader chose to edit comes back into the box.
    Effect::new(move |_| {
        if let Some(back) = draft_back.get() {
            if let Some(el) = text.get_untracked() {
                el.set_value(&back);
                let _ = el.focus();
            }
            draft_back.set(None);
        }
    });
    // Choosing a message to answer puts the cursor in the box.
    Effect::new(move |_| {
        if replying.with(Option::is_some) {
            if let Some(el) = text.get_untracked() {
                let _ = el.focus();
            }
        }
    });
    let reply_preview = move || {
        replying.get().map(|quote| {
            view! {
                <div class="replying">
                    <span class="quote-text">
                        "Replying to " <strong>{quote.username.clone()}</strong> ": "
                        {quote.excerpt.clone()}
                    </span>
                    <button
                        type="button"
                        class="link-button"
                        aria-label="Cancel the reply"
                        on:click=move |_| replying.set(None)
                    >
                        "Cancel"
                    </button>
                </div>
            }
        })
    };
    let reply_to =
        move || replying.with(|q| q.as_ref().map(|q| q.id.0.to_string()).unwrap_or_default());

    // Tell the room we are typing, at most once per TYPING_EVERY_MS.
    let on_input = {
        let hash_key = hash_key.clone();
        move |_| {
            refresh_menu();
            let now = js_sys::Date::now();
            if now - last_typing.get_value() < TYPING_EVERY_MS {
                return;
            }
            last_typing.set_value(now);
            let hash_key = hash_key.to_string();
            leptos::task::spawn_local(async move {
                // Best effort: a lost typing hint is not worth an error message.
                let _ = typing(hash_key).await;
            });
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(open) = menu.get_untracked() {
            let count = open.names.len();
            let step = |by: usize| {
                menu.update(|m| {
                    if let Some(m) = m {
                        m.active = (m.active + by) % count;
                    }
                })
            };
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    return step(1);
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    return step(count - 1);
                }
                "Enter" | "Tab" if !ev.is_composing() => {
                    ev.prevent_default();
                    return pick(open.names[open.active].clone());
                }
                "Escape" => {
                    ev.prevent_default();
                    return menu.set(None);
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = form.get() {
                let form: &web_sys::HtmlFormElement = form.unchecked_ref();
                let _ = form.request_submit();
            }
        }
    };

    view! {
        <form
            method="post"
            action=SendMessage::url()
            node_ref=form
            class="composer"
            on:submit=on_submit
        >
            {reply_preview}
            <input type="hidden" name="hash_key" value=hash_key.to_string()/>
            <input type="hidden" name="reply_to" value=reply_to/>
            <input type="hidden" name="client_id" value=move || client_id.get()/>
            <MentionList menu pick/>
            <textarea
                node_ref=text
                name="content"
                rows="2"
                required
                maxlength=MessageText::MAX_CHARS
                placeholder="Write a message… (Enter sends, Shift+Enter for a new line, @ names someone)"
                aria-label="Message"
                aria-autocomplete="list"
                aria-controls=move || menu.with(Option::is_some).then_some(MENTION_LIST_ID)
                aria-activedescendant=move || {
                    menu.with(|m| m.as_ref().map(|m| mention_option_id(m.active)))
                }
                on:keydown=on_keydown
                on:input=on_input
                on:click=move |_| refresh_menu()
                on:blur=move |_| menu.set(None)
            ></textarea>
            <button type="submit">"Send"</button>
            <FormError error=Signal::derive(move || {
                refused.get().or_else(|| send.value().with(error_text))
            })/>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dom_offsets_count_utf16_units() {
        let text = "a😀b@é";
        assert_eq!(byte_at_utf16(text, 0), 0);
        assert_eq!(byte_at_utf16(text, 1), 1);
        assert_eq!(byte_at_utf16(text, 3), 5, "the emoji is two units");
        assert_eq!(byte_at_utf16(text, 99), text.len());
        assert_eq!(utf16_len(text), 6);
    }
}
