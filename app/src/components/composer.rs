//! The box to write and send a message; Enter sends, Shift+Enter adds a line.

use crate::api::{typing, SendMessage};
use crate::components::form_error::{error_text, FormError};
use domain::model::Quote;
use domain::{HashKey, MessageText};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// How often typing is announced while someone keeps typing.
const TYPING_EVERY_MS: f64 = 2000.0;

/// The send form for the room behind `hash_key`; with `replying` set, the message answers that
/// one (its quote shows above the box, with a way to cancel).
#[component]
pub fn Composer(
    hash_key: HashKey,
    send: ServerAction<SendMessage>,
    replying: RwSignal<Option<Quote>>,
) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    let text = NodeRef::<leptos::html::Textarea>::new();

    // Clear the box (and the reply) once the server has stored the message.
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            replying.set(None);
            if let Some(el) = text.get() {
                el.set_value("");
                let _ = el.focus();
            }
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
    let last_typing = StoredValue::new(0.0_f64);
    let on_input = {
        let hash_key = hash_key.clone();
        move |_| {
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
    // A sent message ends the typing hint, so the next keystroke announces again.
    Effect::new(move |_| {
        if send.pending().get() {
            last_typing.set_value(0.0);
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = form.get() {
                let form: &web_sys::HtmlFormElement = form.unchecked_ref();
                let _ = form.request_submit();
            }
        }
    };

    view! {
        <ActionForm action=send node_ref=form attr:class="composer">
            {reply_preview}
            <input type="hidden" name="hash_key" value=hash_key.to_string()/>
            <input type="hidden" name="reply_to" value=reply_to/>
            <textarea
                node_ref=text
                name="content"
                rows="2"
                required
                maxlength=MessageText::MAX_CHARS
                placeholder="Write a message… (Enter sends, Shift+Enter for a new line)"
                aria-label="Message"
                on:keydown=on_keydown
                on:input=on_input
            ></textarea>
            <button type="submit">"Send"</button>
            <FormError error=Signal::derive(move || send.value().with(error_text))/>
        </ActionForm>
    }
    .into_any()
}
