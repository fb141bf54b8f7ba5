//! `/login?next=...`: choose a username; returns to the chatroom afterwards.

use crate::api::Login;
use crate::components::form_error::{error_text, FormError};
use crate::components::page::Page;
use domain::policy::{RELEASE_DAYS_WITHOUT_PASSPHRASE, SESSION_IDLE_DAYS};
use domain::{Passphrase, Username};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The login form.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    view! {
        <Page>
            <section class="card">
                <h1>"Choose a username"</h1>
                <p>
                    "This is the name others in the chatroom will see next to your messages. "
                    "The first person to choose a name owns it; nobody else can use it, "
                    "nor one that only looks like it."
                </p>
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
                    <label for="passphrase">"Passphrase (optional)"</label>
                    <input
                        id="passphrase"
                        type="password"
                        name="passphrase"
                        minlength=Passphrase::MIN_CHARS
                        maxlength=Passphrase::MAX_CHARS
                        autocomplete="current-password"
                        aria-describedby="passphrase-help"
                    />
                    <p id="passphrase-help" class="hint">
                        {format!(
                            "With a passphrase ({} characters or more) you can use this name from any \
                             browser, and enter it here if the name is already yours. Without one, the \
                             name stays with this browser and is freed {RELEASE_DAYS_WITHOUT_PASSPHRASE} \
                             days after you last use it; you are logged out after {SESSION_IDLE_DAYS} \
                             days away.",
                            Passphrase::MIN_CHARS,
                        )}
                    </p>
                    <FormError error=Signal::derive(move || login.value().with(error_text))/>
                    <button type="submit" disabled=move || login.pending().get()>
                        "Join"
                    </button>
                </ActionForm>
            </section>
        </Page>
    }
}
