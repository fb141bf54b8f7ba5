//! The list of messages, oldest at the top.

use crate::model::ChatMessage;
use leptos::prelude::*;

/// Renders `messages`, each with its sender and time; the text is always plain text.
#[component]
pub fn MessageList(messages: RwSignal<Vec<ChatMessage>>, me: String) -> impl IntoView {
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
                            {message.short_time().to_owned()}
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
