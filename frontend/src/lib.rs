//! The browser entry point: hydrates the server-rendered page.

/// Called by the generated JS once the wasm module has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Before Leptos reads the link: an error it carries must be this browser's own.
    app::client::flash::drop_unproven_error();
    leptos::mount::hydrate_body(app::App);
}
