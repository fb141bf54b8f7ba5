//! "Change name" and "Log out" for the person in a room.

use crate::api::Logout;
use domain::HashKey;
use leptos::prelude::*;

/// Links to pick another username (back to this room) and to end the session.
#[component]
pub fn AccountMenu(hash_key: HashKey) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let change = hash_key.login_path();
    view! {
        <div class="account">
            <a href=change>"Change name"</a>
            <ActionForm action=logout attr:class="inline">
                <button type="submit" class="link">"Log out"</button>
            </ActionForm>
        </div>
    }
    .into_any()
}
