//! The reader's messages that are not acknowledged yet, under the list: "sending…", "waiting to
//! send" with the reason, or "not sent" with the reason and Edit / Discard.

use crate::client::outbox::{Outbox, Outgoing, Waiting};
use leptos::prelude::*;

/// What the line above a waiting message says.
fn state_text(waiting: &Waiting) -> String {
    match waiting {
        Waiting::Queued => "sending…".to_owned(),
        Waiting::Retrying(why) => format!("waiting to send: {why}"),
        Waiting::Refused(why) => format!("not sent: {why}"),
    }
}

/// The outbox's messages, oldest first (not part of the live log: status changes are announced
/// politely on their own).
#[component]
pub fn OutboxList(
    outbox: Outbox,
    /// Receives the text of a refused message the reader wants to edit.
    draft_back: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <ol class="pending-list" aria-live="polite" aria-label="Not sent yet">
            <For
                each=move || outbox.items.get()
                key=|item| (item.client_id.clone(), state_text(&item.waiting))
                let:item
            >
                {pending_item(item, outbox, draft_back)}
            </For>
        </ol>
    }
    .into_any()
}

fn pending_item(item: Outgoing, outbox: Outbox, draft_back: RwSignal<Option<String>>) -> AnyView {
    let refused = matches!(item.waiting, Waiting::Refused(_));
    let actions = refused.then(|| {
        let (id, text) = (item.client_id.clone(), item.content.clone());
        let discard_id = id.clone();
        view! {
            <span class="pending-actions">
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| {
                        outbox.remove(&id);
                        draft_back.set(Some(text.clone()));
                    }
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| outbox.remove(&discard_id)
                >
                    "Discard"
                </button>
            </span>
        }
    });
    view! {
        <li class="message mine pending" class:refused=refused>
            <span class="meta">
                <span class="sending">{state_text(&item.waiting)}</span>
                {actions}
            </span>
            <p class="content">{item.content}</p>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_says_what_happens_next() {
        assert_eq!(state_text(&Waiting::Queued), "sending…");
        assert_eq!(
            state_text(&Waiting::Retrying("offline".into())),
            "waiting to send: offline"
        );
        assert_eq!(
            state_text(&Waiting::Refused("too long".into())),
            "not sent: too long"
        );
    }
}
