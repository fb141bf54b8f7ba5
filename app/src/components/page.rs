//! The frame of every page but the chat screen: a bar with the brand and the theme switch,
//! then the page's content in one column.

use crate::components::theme_switch::ThemeIsland;
use leptos::prelude::*;

/// The site's mark (the same picture as the favicon and the app icon).
#[component]
pub fn Logo() -> impl IntoView {
    view! { <img src="/icon.svg" alt="" width="24" height="24"/> }
}

/// The bar at the top, then `children` as the page's main content.
#[component]
pub fn Page(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a href="/" class="brand">
                <Logo/>
                "Chat"
            </a>
            <ThemeIsland/>
        </header>
        <main class="page">{children()}</main>
    }
    .into_any()
}
