//! The room's share link, with a copy button.

use leptos::prelude::*;

/// A button that copies `url` to the clipboard and says so.
#[component]
pub fn CopyLinkButton(
    #[prop(into)] url: Signal<String>,
    /// What the button says before copying.
    label: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&url.get_untracked());
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(ok);
        });
    };
    view! {
        <button type="button" on:click=copy>
            {move || if copied.get() { "Copied!" } else { label }}
        </button>
    }
}

/// The room's link in a read-only field (selected on focus, so a browser without clipboard
/// access still lets the user copy) and a copy button; the link changes when a moderator
/// rotates it.
#[component]
pub fn ShareLink(#[prop(into)] url: Signal<String>) -> impl IntoView {
    view! {
        <div class="share">
            <label for="share-url">"Share this link to invite people:"</label>
            <div class="share-row">
                <input
                    id="share-url"
                    type="text"
                    readonly
                    value=move || url.get()
                    on:focus=move |ev| {
                        event_target::<web_sys::HtmlInputElement>(&ev).select();
                    }
                />
                <CopyLinkButton url label="Copy link"/>
            </div>
        </div>
    }
}
