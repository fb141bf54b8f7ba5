//! Who has the room open now (with their roles, and for owners and moderators what they can
//! do to each), and who is typing.
//!
//! The people are HTML written by `message_html::people` (on the server for the page, in the
//! browser when someone comes or goes or a role changes); their action forms are posted in
//! place by one submit handler.

use crate::client::form_post;
use crate::components::drawn_html::kept_drawn;
use crate::message_html;
use domain::moderation::{Role, RoomState};
use domain::HashKey;
use leptos::html::Ul;
use leptos::prelude::*;

/// Everyone online, one per line (several tabs of one person count once; the server dedupes).
#[component]
pub fn PresenceList(
    online: RwSignal<Vec<String>>,
    /// The room's roles.
    #[prop(into)]
    state: Signal<RoomState>,
    /// The reader.
    me: String,
    /// The room, for the action forms.
    hash_key: HashKey,
    /// The reader's role.
    #[prop(into)]
    my_role: Signal<Option<Role>>,
    /// An action on a person succeeded (the bans and the log reload).
    moderated: Callback<()>,
) -> impl IntoView {
    let list_ref = NodeRef::<Ul>::new();
    let refusal = RwSignal::new(None::<String>);
    let html = Memo::new(move |_| {
        let mut out = String::new();
        state.with(|state| {
            online.with(|names| {
                message_html::people(&mut out, names, &me, my_role.get(), state, &hash_key)
            })
        });
        out
    });
    let initial = kept_drawn(html, move |html| {
        if let Some(list) = list_ref.get() {
            redraw(&list, html);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = form_post::submitted(&ev) else {
            return;
        };
        ev.prevent_default();
        let person = person_of(&form);
        leptos::task::spawn_local(async move {
            match form_post::post(&form).await {
                Ok(_) => {
                    refusal.set(None);
                    // The list may have been drawn again meanwhile: the menu is found by name.
                    if let (Some(list), Some(name)) = (list_ref.get_untracked(), person) {
                        close_menu(&list, &name);
                    }
                    moderated.run(());
                }
                Err(why) => refusal.set(Some(why)),
            }
        });
    };
    view! {
        <ul class="presence" node_ref=list_ref inner_html=initial on:submit=on_submit></ul>
        {move || refusal.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
    }
    .into_any()
}

/// The name of the person `el` is about.
fn person_of(el: &web_sys::Element) -> Option<String> {
    el.closest("li.online-user")
        .ok()
        .flatten()?
        .get_attribute("data-name")
}

/// The person's entry in `list`, by name.
fn entry(list: &web_sys::HtmlUListElement, name: &str) -> Option<web_sys::Element> {
    let people = list.children();
    (0..people.length())
        .filter_map(|at| people.item(at))
        .find(|li| li.get_attribute("data-name").as_deref() == Some(name))
}

/// Closes the menu of `name`'s actions.
fn close_menu(list: &web_sys::HtmlUListElement, name: &str) {
    if let Some(Ok(Some(menu))) = entry(list, name).map(|li| li.query_selector("details")) {
        let _ = menu.remove_attribute("open");
    }
}

/// Draws `html` into `list`, keeping open the menus that were open (by the person's name) and
/// the focus on the menu it was in.
fn redraw(list: &web_sys::HtmlUListElement, html: &str) {
    let mut open = Vec::new();
    if let Ok(menus) = list.query_selector_all("details[open]") {
        for at in 0..menus.length() {
            let menu = menus
                .item(at)
                .and_then(|n| wasm_bindgen::JsCast::dyn_into(n).ok());
            if let Some(name) = menu.as_ref().and_then(person_of) {
                open.push(name);
            }
        }
    }
    let focused = document()
        .active_element()
        .filter(|el| list.contains(Some(el)))
        .and_then(|el| person_of(&el));
    list.set_inner_html(html);
    for name in &open {
        if let Some(Ok(Some(menu))) = entry(list, name).map(|li| li.query_selector("details")) {
            let _ = menu.set_attribute("open", "");
        }
    }
    let summary = focused.and_then(|name| entry(list, &name)?.query_selector("summary").ok()?);
    if let Some(Ok(summary)) = summary.map(wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>) {
        let _ = summary.focus();
    }
}

/// "alice is typing…" while anyone but `me` typed in the last few seconds.
#[component]
pub fn TypingIndicator(typing: RwSignal<Vec<String>>) -> impl IntoView {
    let text = move || {
        let names = typing.get();
        match names.as_slice() {
            [] => String::new(),
            [one] => format!("{one} is typing…"),
            [a, b] => format!("{a} and {b} are typing…"),
            _ => "Several people are typing…".to_owned(),
        }
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}
