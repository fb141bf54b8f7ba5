//! Who has the room open now, and who is typing.

use crate::components::avatar::UserBadge;
use leptos::prelude::*;

/// "Online: alice, bob" (several tabs of one person count once; the server dedupes).
#[component]
pub fn PresenceList(online: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <p class="presence">
            <span class="label">"Online: "</span>
            <For each=move || online.get() key=|name| name.clone() let:name>
                <span class="online-user">
                    <UserBadge name/>
                </span>
            </For>
        </p>
    }
}

/// "alice is typing…" while anyone but `me` typed in the last few seconds.
#[component]
pub fn TypingIndicator(typing: RwSignal<Vec<String>>) -> impl IntoView {
    let text = move || {
        let names = typing.get();
        match names.as_slice() {
            [] => String::new(),
            [one] => format!("{one} is typing…"),
            [a, b] => format!("{a} and {b} are typing…"),
            _ => "Several people are typing…".to_owned(),
        }
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}
