//! What the author of a message can do to it: edit its text (it then shows "edited") or take it
//! back (a "message deleted" placeholder stays). Both work without JavaScript: "Edit" is then a
//! link that opens the page with that message's editor (`?edit=<id>`), like "React". Only the
//! open editor carries the text, so a page of one's own messages stays small.

use crate::api::{DeleteMyMessage, EditMessage};
use crate::components::form_error::{error_text, FormError};
use crate::raw_text::raw_text_content;
use domain::{HashKey, MessageId, MessageText};
use leptos::prelude::*;

/// The actions on one's own messages, shared by every message of a page, and which message's
/// editor is open.
#[derive(Clone, Copy)]
pub struct OwnActions {
    edit: ServerAction<EditMessage>,
    delete: ServerAction<DeleteMyMessage>,
    /// The message whose editor is open.
    pub editing: RwSignal<Option<MessageId>>,
}

impl OwnActions {
    /// The actions, created once per room page; the editor starts as the page's `?edit=`.
    pub fn new(editing: Option<MessageId>) -> Self {
        let actions = Self {
            edit: ServerAction::new(),
            delete: ServerAction::new(),
            editing: RwSignal::new(editing),
        };
        // A saved edit closes its editor; a refused one keeps it open with the reason.
        Effect::new(move |_| {
            if let Some(Ok(_)) = actions.edit.value().get() {
                actions.editing.set(None);
            }
        });
        actions
    }
}

/// "Edit" (opens this message's editor) and "Delete" for one of the reader's own messages.
#[component]
pub fn OwnMessageActions(
    hash_key: HashKey,
    message_id: MessageId,
    actions: OwnActions,
) -> impl IntoView {
    let open = move || actions.editing.get() == Some(message_id);
    view! {
        <a
            class="edit-link"
            href=format!("?edit={}", message_id.0)
            role="button"
            aria-label="Edit your message"
            aria-expanded=move || open().to_string()
            on:click=move |ev| {
                ev.prevent_default();
                actions.editing.update(|e| *e = if *e == Some(message_id) { None } else { Some(message_id) });
            }
        >
            "Edit"
        </a>
        <ActionForm action=actions.delete attr:class="message-action">
            <input type="hidden" name="hash_key" value=hash_key.to_string()/>
            <input type="hidden" name="message_id" value=message_id.0/>
            <button type="submit" class="link-button" aria-label="Delete your message">
                "Delete"
            </button>
        </ActionForm>
    }
    .into_any()
}

/// The open editor of one of the reader's own messages: its text, "Save", "Cancel" and the
/// last refusal.
#[component]
pub fn OwnMessageEditor(
    hash_key: HashKey,
    message_id: MessageId,
    text: String,
    actions: OwnActions,
) -> impl IntoView {
    let field = NodeRef::<leptos::html::Textarea>::new();
    // Opened by a click: the text is ready to type into (a page opened with `?edit=` has
    // `autofocus`).
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    let room = hash_key.room_path();
    view! {
        <div class="message-editor">
            <ActionForm action=actions.edit>
                <input type="hidden" name="hash_key" value=hash_key.to_string()/>
                <input type="hidden" name="message_id" value=message_id.0/>
                <textarea
                    node_ref=field
                    name="content"
                    rows="2"
                    required
                    autofocus
                    maxlength=MessageText::MAX_CHARS
                    aria-label="New text of your message"
                >
                    {raw_text_content(&text)}
                </textarea>
                <div class="editor-buttons">
                    <button type="submit">"Save"</button>
                    <a
                        href=room
                        class="cancel-edit"
                        on:click=move |ev| {
                            ev.prevent_default();
                            actions.editing.set(None);
                        }
                    >
                        "Cancel"
                    </a>
                </div>
                <FormError error=Signal::derive(move || actions.edit.value().with(error_text))/>
            </ActionForm>
        </div>
    }
    .into_any()
}
