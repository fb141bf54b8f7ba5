//! The chat screen's compact header: the way home, the room's name and connection, the count of
//! people online (which opens their list) and the menu with the account and room actions.

use crate::client::live::LiveStatus;
use crate::components::page::Logo;
use leptos::prelude::*;

/// The id of the list of people online (the count's target, also without JavaScript).
pub const PEOPLE_ID: &str = "people";

/// What the connection line under the room's name says.
fn status_text(status: LiveStatus) -> &'static str {
    match status {
        LiveStatus::Static => "reload the page for new messages",
        LiveStatus::Live => "live",
        LiveStatus::Reconnecting => "reconnecting…",
        LiveStatus::Ended => "closed",
    }
}

/// "3 online", "1 online".
fn online_text(count: usize) -> String {
    format!("{count} online")
}

/// The header; `children` fill the menu.
#[component]
pub fn RoomHeader(
    /// The room's name.
    #[prop(into)]
    name: Signal<String>,
    /// The live connection's state.
    #[prop(into)]
    status: Signal<LiveStatus>,
    /// How many people have the room open.
    #[prop(into)]
    online: Signal<usize>,
    /// Whether the list of people is open (on narrow screens it covers the messages).
    people_open: RwSignal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <header class="room-header">
            <a href="/" class="home" aria-label="Start page">
                <Logo/>
            </a>
            <div class="room-title">
                <h1>{name}</h1>
                <p class="status" class:offline=move || status.get() != LiveStatus::Live>
                    {move || status_text(status.get())}
                </p>
            </div>
            <a
                href=format!("#{PEOPLE_ID}")
                class="online-count"
                aria-controls=PEOPLE_ID
                aria-expanded=move || people_open.get().to_string()
                on:click=move |ev| {
                    ev.prevent_default();
                    people_open.update(|open| *open = !*open);
                }
            >
                {move || online_text(online.get())}
            </a>
            <details class="room-menu">
                <summary aria-label="Menu" title="Menu">
                    <span aria-hidden="true">"⋮"</span>
                </summary>
                <div class="menu-panel">{children()}</div>
            </details>
        </header>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_says_how_the_page_is_connected() {
        assert_eq!(status_text(LiveStatus::Live), "live");
        assert_eq!(status_text(LiveStatus::Reconnecting), "reconnecting…");
        assert_eq!(online_text(3), "3 online");
    }
}
