//! `/`: what this is, and the form that creates a chatroom.

use crate::api::{recent_rooms, CreateRoom};
use crate::components::form_error::{error_text, FormError};
use crate::components::page::Page;
use domain::RoomName;
use leptos::prelude::*;

/// The home page with the create-chatroom form.
#[component]
pub fn HomePage() -> impl IntoView {
    let create = ServerAction::<CreateRoom>::new();
    let recent = Resource::new(|| (), |_| recent_rooms());
    view! {
        <Page>
            <section class="card">
                <h1>"Chatrooms for everyone"</h1>
                <p>
                    "Create a room, share its link, and talk live with whoever opens it. "
                    "No accounts: pick a username when you join."
                </p>
                <ActionForm action=create attr:class="stack">
                    <label for="room-name">"Chatroom name"</label>
                    <input
                        id="room-name"
                        type="text"
                        name="name"
                        required
                        maxlength=RoomName::MAX_CHARS
                        placeholder="e.g. Friday lunch"
                        autocomplete="off"
                    />
                    <FormError error=Signal::derive(move || create.value().with(error_text))/>
                    <button type="submit" disabled=move || create.pending().get()>
                        "Create chatroom"
                    </button>
                </ActionForm>
            </section>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let rooms = recent.await.unwrap_or_default();
                    (!rooms.is_empty())
                        .then(|| {
                            view! {
                                <section class="card recent">
                                    <h2>"Your recent rooms"</h2>
                                    <ul>
                                        {rooms
                                            .into_iter()
                                            .map(|room| {
                                                view! {
                                                    <li>
                                                        <a href=room.hash_key.room_path()>{room.name}</a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </section>
                            }
                        })
                })}
            </Suspense>
        </Page>
    }
}
