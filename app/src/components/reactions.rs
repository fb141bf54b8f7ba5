//! Reactions under a message: one button per emoji with its count (who reacted on hover; the
//! reader's own one is pressed and takes it back), and a "React" picker with common emoji and a
//! box for any other. Plain forms, so they work without JavaScript; "React" is then a link that
//! opens the page with that message's picker.

use crate::api::ReactToMessage;
use crate::components::form_error::{error_text, FormError};
use domain::reactions::{Reaction, COMMON};
use domain::{HashKey, MessageId};
use leptos::prelude::*;

/// The reaction action of a page and which message's picker is open.
#[derive(Clone, Copy)]
pub struct ReactActions {
    /// Toggles one reaction.
    pub react: ServerAction<ReactToMessage>,
    /// The message whose picker is open.
    pub picking: RwSignal<Option<MessageId>>,
}

impl ReactActions {
    /// The actions, created once per room page; `picking` starts as the page's `?react_to=`.
    pub fn new(picking: Option<MessageId>) -> Self {
        Self {
            react: ServerAction::new(),
            picking: RwSignal::new(picking),
        }
    }
}

/// The hidden fields naming the room and the message of a reaction form.
fn reaction_fields(hash_key: String, message_id: MessageId) -> impl IntoView {
    view! {
        <input type="hidden" name="hash_key" value=hash_key/>
        <input type="hidden" name="message_id" value=message_id.0/>
    }
}

/// The counts of one message's reactions, each a button that adds or takes back the reader's.
#[component]
pub fn ReactionCounts(
    hash_key: HashKey,
    message_id: MessageId,
    reactions: Vec<Reaction>,
    me: String,
    actions: ReactActions,
) -> impl IntoView {
    let buttons = reactions
        .into_iter()
        .map(|reaction| {
            let mine = reaction.users.contains(&me);
            let who = reaction.users.join(", ");
            let count = reaction.users.len();
            let emoji = reaction.emoji.to_string();
            let key = hash_key.to_string();
            let label = if mine {
                format!("Take back your reaction {emoji} ({count}: {who})")
            } else {
                format!("React {emoji} too ({count}: {who})")
            };
            view! {
                <ActionForm action=actions.react attr:class="reaction">
                    {reaction_fields(key, message_id)}
                    <input type="hidden" name="emoji" value=emoji.clone()/>
                    <button type="submit" aria-pressed=mine.to_string() title=who aria-label=label>
                        <span class="emoji">{emoji}</span>
                        " "
                        <span class="count">{count}</span>
                    </button>
                </ActionForm>
            }
        })
        .collect_view();
    view! { <div class="reactions">{buttons}</div> }.into_any()
}

/// "React": opens the picker of this message (a link to `?react_to=<id>` without JavaScript).
#[component]
pub fn ReactButton(message_id: MessageId, actions: ReactActions) -> impl IntoView {
    let open = move || actions.picking.get() == Some(message_id);
    view! {
        <a
            class="react-link"
            href=format!("?react_to={}", message_id.0)
            role="button"
            aria-label="React to this message"
            aria-expanded=move || open().to_string()
            on:click=move |ev| {
                ev.prevent_default();
                actions.picking.update(|p| *p = if *p == Some(message_id) { None } else { Some(message_id) });
            }
        >
            "React"
        </a>
    }
}

/// The picker of one message: common emoji, a box for any other, and the last refusal.
#[component]
pub fn ReactionPicker(
    hash_key: HashKey,
    message_id: MessageId,
    actions: ReactActions,
) -> impl IntoView {
    let common = COMMON
        .iter()
        .map(|emoji| {
            let key = hash_key.to_string();
            view! {
                <ActionForm action=actions.react attr:class="pick">
                    {reaction_fields(key, message_id)}
                    <input type="hidden" name="emoji" value=*emoji/>
                    <button type="submit" aria-label=format!("React with {emoji}")>{*emoji}</button>
                </ActionForm>
            }
        })
        .collect_view();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            actions.picking.set(None);
        }
    };
    view! {
        <div class="reaction-picker" role="group" aria-label="Pick a reaction" on:keydown=on_keydown>
            {common}
            <ActionForm action=actions.react attr:class="pick-any">
                {reaction_fields(hash_key.to_string(), message_id)}
                <input
                    type="text"
                    name="emoji"
                    required
                    size="4"
                    maxlength="40"
                    autocomplete="off"
                    aria-label="Any emoji"
                    placeholder="🙂"
                />
                <button type="submit">"React"</button>
            </ActionForm>
            <FormError error=Signal::derive(move || actions.react.value().with(error_text))/>
        </div>
    }
    .into_any()
}
