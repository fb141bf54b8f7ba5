//! The browser entry point: hydrates the server-rendered page.

/// Called by the generated JS once the wasm module has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Before Leptos reads the link: an error it carries must be this browser's own.
    app::client::flash::drop_unproven_error();
    app::client::menus::install();
    // Only the islands run in the browser (the room, the theme switch); the rest is HTML.
    leptos::mount::hydrate_islands();
}
