//! The colour theme switch (System / Light / Dark), remembered in a cookie so every page is
//! rendered in the chosen theme from its first byte, with or without JavaScript.

use crate::api::SetTheme;
use domain::theme::{Theme, DARK_BAR_COLOUR, LIGHT_BAR_COLOUR};
use leptos::prelude::*;

/// The theme the page is shown in: the cookie's on the server, the page's root element's in the
/// browser (the server wrote it there).
fn current_theme() -> Theme {
    #[cfg(feature = "ssr")]
    let theme = crate::server::request::theme_of_page();
    #[cfg(not(feature = "ssr"))]
    let theme = document()
        .document_element()
        .and_then(|root| root.get_attribute("data-theme"))
        .and_then(|raw| Theme::parse(&raw))
        .unwrap_or_default();
    theme
}

/// The `theme-color` of the browser's bars, as `(media, colour)` pairs for `<meta>` tags.
pub fn bar_colours(theme: Theme) -> [(&'static str, &'static str); 2] {
    const LIGHT: &str = "(prefers-color-scheme: light)";
    const DARK: &str = "(prefers-color-scheme: dark)";
    match theme {
        Theme::System => [(LIGHT, LIGHT_BAR_COLOUR), (DARK, DARK_BAR_COLOUR)],
        Theme::Light => [(LIGHT, LIGHT_BAR_COLOUR), (DARK, LIGHT_BAR_COLOUR)],
        Theme::Dark => [(LIGHT, DARK_BAR_COLOUR), (DARK, DARK_BAR_COLOUR)],
    }
}

/// In the browser: shows the page in `theme` at once (the cookie keeps it for the next pages).
fn apply(theme: Theme) {
    let Some(root) = document().document_element() else {
        return;
    };
    let _ = match theme.attribute() {
        Some(value) => root.set_attribute("data-theme", value),
        None => root.remove_attribute("data-theme"),
    };
    if let Ok(metas) = document().query_selector_all("meta[name=theme-color]") {
        let colours = bar_colours(theme);
        for (index, (_, colour)) in colours.iter().enumerate() {
            if let Some(Ok(meta)) = metas
                .item(index as u32)
                .map(wasm_bindgen::JsCast::dyn_into::<web_sys::Element>)
            {
                let _ = meta.set_attribute("content", colour);
            }
        }
    }
}

/// Three buttons, the current choice pressed; each is a form, so it works without JavaScript.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let choice = RwSignal::new(current_theme());
    let set = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(theme)) = set.value().get() {
            choice.set(theme);
            apply(theme);
        }
    });
    let buttons = Theme::ALL
        .into_iter()
        .map(|theme| {
            view! {
                <ActionForm action=set>
                    <input type="hidden" name="theme" value=theme.as_str()/>
                    <button type="submit" aria-pressed=move || (choice.get() == theme).to_string()>
                        {theme.label()}
                    </button>
                </ActionForm>
            }
        })
        .collect_view();
    view! {
        <div class="theme-switch" role="group" aria-labelledby="theme-label">
            <span class="label" id="theme-label">"Theme"</span>
            {buttons}
        </div>
    }
    .into_any()
}

/// The theme switch on pages without a room: an island of its own there (in a room it is part
/// of the room's island).
#[island]
pub fn ThemeIsland() -> impl IntoView {
    view! { <ThemeSwitch/> }
}
