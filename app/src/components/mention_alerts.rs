//! "Notify me of mentions": the visible control that asks for the browser's permission to show
//! notifications (only on a click), and what the browser allows once asked.

use crate::client::notify::{self, Permission};
use leptos::prelude::*;

/// The control, or a note of the current permission; nothing on the server or without
/// notification support.
#[component]
pub fn MentionAlerts() -> impl IntoView {
    // Only the browser knows; the server-rendered page shows nothing.
    let permission = RwSignal::new(Permission::Unsupported);
    Effect::new(move |_| permission.set(notify::permission()));
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            permission.set(notify::ask().await);
        });
    };
    move || match permission.get() {
        Permission::Unsupported => ().into_any(),
        Permission::Ask => view! {
            <button type="button" class="link-button notify-me" on:click=ask>
                "Notify me of mentions"
            </button>
        }
        .into_any(),
        Permission::Granted => view! {
            <p class="hint notify-state">"Mentions notify you while this tab is hidden."</p>
        }
        .into_any(),
        Permission::Denied => view! {
            <p class="hint notify-state">"Notifications are blocked in this browser's settings."</p>
        }
        .into_any(),
    }
}
