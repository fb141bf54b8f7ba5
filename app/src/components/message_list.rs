//! The list of messages, oldest at the top.

use crate::model::ChatMessage;
use leptos::prelude::*;

/// `HH:MM` of an RFC 3339 timestamp: in the browser's time zone once `local` is set, in UTC
/// before (server rendering has no idea of the reader's zone).
fn display_time(message: &ChatMessage, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&message.timestamp));
        if !date.get_time().is_nan() {
            return format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
        }
    }
    let _ = local;
    message.short_time().to_owned()
}

/// Renders `messages`, each with its sender and time; the text is always plain text.
#[component]
pub fn MessageList(messages: RwSignal<Vec<ChatMessage>>, me: String) -> impl IntoView {
    // Switch to local times only after hydration, so the first render matches the server's.
    let local = RwSignal::new(false);
    Effect::new(move |_| local.set(true));
    view! {
        <ol class="messages" aria-live="polite">
            <For each=move || messages.get() key=|m| m.id let:message>
                <li
                    class="message"
                    class:mine=message.username == me
                    data-id=message.id
                >
                    <span class="meta">
                        <span class="author">{message.username.clone()}</span>
                        <time datetime=message.timestamp.clone() title=message.timestamp.clone()>
                            {
                                let message = message.clone();
                                move || display_time(&message, local.get())
                            }
                        </time>
                    </span>
                    <p class="content">{message.content.clone()}</p>
                </li>
            </For>
        </ol>
        <Show when=move || messages.with(Vec::is_empty)>
            <p class="empty">"No messages yet. Say hello!"</p>
        </Show>
    }
}
