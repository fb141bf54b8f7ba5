//! HTML text kept on screen: the server writes it into the page, the browser draws it again
//! whenever it changes (for parts of the room written as text rather than as views).

use leptos::prelude::*;

/// Keeps `html` drawn by `draw` in the browser, from its first value on; the HTML the server
/// puts into the page (empty in the browser, where hydration keeps the server's).
pub fn kept_drawn(html: Memo<String>, draw: impl Fn(&str) + 'static) -> String {
    Effect::new(move |_| html.with(|html| draw(html)));
    if cfg!(feature = "ssr") {
        html.get_untracked()
    } else {
        String::new()
    }
}
