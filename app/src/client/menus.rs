//! Menus are `<details>` elements (they open without JavaScript). In the browser, Esc closes the
//! open ones, focus going back to the menu's button, and a click outside a menu closes it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The `<details>` that behave as menus (room settings is a section that stays open).
const MENUS: &str = "details.room-menu[open], details.person-actions[open]";

/// Closes every open menu that does not contain `keep`; returns whether focus was inside one.
fn close_menus(keep: Option<&web_sys::Node>) -> bool {
    let Ok(open) = document().query_selector_all(MENUS) else {
        return false;
    };
    let focused = document().active_element();
    let mut had_focus = false;
    for index in 0..open.length() {
        let Some(menu) = open
            .item(index)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        if keep.is_some_and(|node| menu.contains(Some(node))) {
            continue;
        }
        let _ = menu.remove_attribute("open");
        if focused.as_ref().is_some_and(|f| menu.contains(Some(f))) {
            had_focus = true;
            if let Some(summary) = menu
                .query_selector("summary")
                .ok()
                .flatten()
                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
        }
    }
    had_focus
}

/// Installs the two listeners for the page's lifetime (call once, from the browser's entry).
pub fn install() {
    let escape = window_event_listener(leptos::ev::keydown, |ev| {
        if ev.key() == "Escape" {
            close_menus(None);
        }
    });
    let click = window_event_listener(leptos::ev::click, |ev| {
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        if let Some(target) = target {
            close_menus(Some(&target));
        }
    });
    // Kept for the page's lifetime: dropping a handle leaves its listener in place.
    drop((escape, click));
}
