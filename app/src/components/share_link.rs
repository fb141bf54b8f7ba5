//! The share link at the bottom of a room, with a copy button.

use leptos::prelude::*;

/// The room's link in a read-only field and a button that copies it.
#[component]
pub fn ShareLink(url: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let copy = {
        let url = url.clone();
        move |_| {
            // Select it too, so a browser without clipboard access still lets the user copy.
            if let Some(el) = input.get() {
                el.select();
            }
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&url);
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
                <input id="share-url" node_ref=input type="text" readonly value=url/>
                <button type="button" on:click=copy>
                    {move || if copied.get() { "Copied!" } else { "Copy link" }}
                </button>
            </div>
        </footer>
    }
}
