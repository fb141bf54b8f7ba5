//! What the author of a message can do to it: edit its text (it then shows "edited") or take it
//! back (a "message deleted" placeholder stays). Plain forms, so they work without JavaScript.

use crate::api::{DeleteMyMessage, EditMessage};
use crate::components::form_error::{error_text, FormError};
use crate::raw_text::raw_text_content;
use domain::{HashKey, MessageId, MessageText};
use leptos::prelude::*;

/// The actions on one's own messages, shared by every message of a page.
#[derive(Clone, Copy)]
pub struct OwnActions {
    edit: ServerAction<EditMessage>,
    delete: ServerAction<DeleteMyMessage>,
}

impl OwnActions {
    /// The actions, created once per room page.
    pub fn new() -> Self {
        Self {
            edit: ServerAction::new(),
            delete: ServerAction::new(),
        }
    }
}

impl Default for OwnActions {
    fn default() -> Self {
        Self::new()
    }
}

/// "Edit" (a small form with the text) and "Delete" for one of the reader's own messages.
#[component]
pub fn OwnMessageActions(
    hash_key: HashKey,
    message_id: MessageId,
    text: String,
    actions: OwnActions,
) -> impl IntoView {
    // Copy handles: each form's children (a closure) reads them.
    let key = StoredValue::new(hash_key.to_string());
    let text = StoredValue::new(text);
    view! {
        <details class="edit-message">
            <summary aria-label="Edit your message">"Edit"</summary>
            <ActionForm action=actions.edit>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <input type="hidden" name="message_id" value=message_id.0/>
                <textarea
                    name="content"
                    rows="2"
                    required
                    maxlength=MessageText::MAX_CHARS
                    aria-label="New text of your message"
                >
                    {raw_text_content(&text.get_value())}
                </textarea>
                <button type="submit">"Save"</button>
                <FormError error=Signal::derive(move || actions.edit.value().with(error_text))/>
            </ActionForm>
        </details>
        <ActionForm action=actions.delete attr:class="message-action">
            <input type="hidden" name="hash_key" value=key.get_value()/>
            <input type="hidden" name="message_id" value=message_id.0/>
            <button type="submit" class="link-button" aria-label="Delete your message">
                "Delete"
            </button>
        </ActionForm>
    }
    .into_any()
}
