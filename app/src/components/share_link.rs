//! The share link at the bottom of a room, with a copy button.

use leptos::prelude::*;

/// The room's link in a read-only field and a button that copies it (the link changes when a
/// moderator rotates it).
#[component]
pub fn ShareLink(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let copy = {
        move |_| {
            // Select it too, so a browser without clipboard access still lets the user copy.
            if let Some(el) = input.get() {
                el.select();
            }
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&url.get_untracked());
            leptos::task::spawn_local(async move {
                let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                copied.set(ok);
            });
        }
    };
    view! {
        <footer class="share">
            <label for="share-url">"Share this link to invite people:"</label>
            <div class="share-row">
                <input id="share-url" node_ref=input type="text" readonly value=move || url.get()/>
                <button type="button" on:click=copy>
                    {move || if copied.get() { "Copied!" } else { "Copy link" }}
                </button>
            </div>
        </footer>
    }
}
