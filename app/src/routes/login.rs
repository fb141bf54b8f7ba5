//! `/login?next=...`: choose a username; returns to the chatroom afterwards.

use crate::api::Login;
use crate::components::form_error::{error_text, FormError};
use crate::domain::Username;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The login form.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    view! {
        <section class="card">
            <h1>"Choose a username"</h1>
            <p>"This is the name others in the chatroom will see next to your messages."</p>
            <ActionForm action=login attr:class="stack">
                <input type="hidden" name="next" value=next/>
                <label for="username">"Username"</label>
                <input
                    id="username"
                    type="text"
                    name="username"
                    required
                    maxlength=Username::MAX_CHARS
                    autocomplete="nickname"
                    autofocus
                />
                <FormError error=Signal::derive(move || login.value().with(error_text))/>
                <button type="submit" disabled=move || login.pending().get()>
                    "Join"
                </button>
            </ActionForm>
        </section>
    }
}
