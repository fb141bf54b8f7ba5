//! Who has the room open now (with their roles, and for owners and moderators what they can
//! do to each), and who is typing.

use crate::components::avatar::UserBadge;
use crate::components::moderation::{ModActions, PersonActions, RoleBadge};
use domain::moderation::{Role, RoomState};
use domain::HashKey;
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
    /// The moderation actions.
    actions: ModActions,
) -> impl IntoView {
    view! {
        <ul class="presence">
            <For each=move || online.get() key=|name| name.clone() let:name>
                <OnlinePerson
                    name
                    state
                    me=me.clone()
                    hash_key=hash_key.clone()
                    my_role
                    actions
                />
            </For>
        </ul>
    }
    .into_any()
}

/// One person in the presence list: name, role badge, and the actions the reader may take.
#[component]
fn OnlinePerson(
    name: String,
    state: Signal<RoomState>,
    me: String,
    hash_key: HashKey,
    my_role: Signal<Option<Role>>,
    actions: ModActions,
) -> impl IntoView {
    let role = {
        let name = name.clone();
        Signal::derive(move || state.with(|s| s.role_of(&name)))
    };
    let menu = {
        let name = name.clone();
        move || {
            let mine = my_role.get()?;
            let theirs = role.get();
            (name != me && theirs.is_none_or(|theirs| theirs < mine)).then(|| {
                view! {
                    <PersonActions
                        hash_key=hash_key.clone()
                        username=name.clone()
                        their_role=theirs
                        my_role=mine
                        actions
                    />
                }
            })
        }
    };
    view! {
        <li class="online-user">
            <UserBadge name/>
            <RoleBadge role/>
            {menu}
        </li>
    }
    .into_any()
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
