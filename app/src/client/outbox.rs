//! The browser's outbox: messages written but not yet acknowledged, kept in the browser's
//! storage per room so they survive a reload, and sent one at a time, in order, each with its
//! client id (a retry is never stored twice). A transient failure (no network, the server
//! restarting or busy, "slow down") keeps the message waiting and tries again; a permanent one
//! (too long, banned, slow mode, …) leaves it in the outbox with the reason, to edit or discard.

use crate::api::send_message;
use crate::error::AppError;
use domain::model::ChatMessage;
use domain::{HashKey, MessageId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Why a message is still in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Waiting {
    /// Not sent yet (or being sent).
    #[default]
    Queued,
    /// The last try failed for a reason that passes; it will be sent again.
    Retrying(String),
    /// The server refused it for good: the reason, shown with Edit and Discard.
    Refused(String),
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The id the server deduplicates by.
    pub client_id: String,
    /// The text as written.
    pub content: String,
    /// The message it answers, if any.
    pub reply_to: Option<MessageId>,
    /// Why it is still here (not kept across reloads: everything is tried again).
    #[serde(skip)]
    pub waiting: Waiting,
}

/// Whether a refusal will pass if the same message is sent again later.
fn passes(err: &AppError) -> bool {
    matches!(
        err,
        AppError::Unreachable(_)
            | AppError::Unavailable
            | AppError::Busy
            | AppError::Internal
            | AppError::TooMany { .. }
    )
}

/// How long to wait before the next try after `failures` transient failures in a row: one
/// second doubling up to five (a reconnected network is also noticed by its `online` event).
fn backoff_ms(failures: u32, err: &AppError) -> u32 {
    if let AppError::TooMany { retry_after_secs } = err {
        return u32::try_from(retry_after_secs.saturating_mul(1000)).unwrap_or(u32::MAX);
    }
    1000_u32.saturating_mul(1 << failures.min(3)).min(5000)
}

/// The room's outbox; cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    /// What waits, oldest first.
    pub items: RwSignal<Vec<Outgoing>>,
    hash_key: StoredValue<HashKey>,
    /// Whether the sending loop is running.
    running: StoredValue<bool>,
    /// Called with each message the server acknowledged.
    stored: StoredValue<Option<Callback<ChatMessage>>>,
}

impl Outbox {
    /// The outbox of `hash_key`'s room, with what the browser kept from an earlier visit.
    pub fn new(hash_key: HashKey) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            hash_key: StoredValue::new(hash_key),
            running: StoredValue::new(false),
            stored: StoredValue::new(None),
        }
    }

    fn storage_key(&self) -> String {
        self.hash_key
            .with_value(|key| format!("chat-outbox:{}", key.as_str()))
    }

    /// In the browser: loads what an earlier page of the room left, and starts sending it;
    /// `stored` then receives each acknowledged message. Also sends again when the network
    /// comes back.
    pub fn start(self, stored: Callback<ChatMessage>) {
        self.stored.set_value(Some(stored));
        let kept: Vec<Outgoing> = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|storage| storage.get_item(&self.storage_key()).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        if !kept.is_empty() {
            self.items.update(|items| {
                for item in kept {
                    if !items.iter().any(|i| i.client_id == item.client_id) {
                        items.push(item);
                    }
                }
            });
        }
        let online = window_event_listener(leptos::ev::online, move |_| self.run());
        on_cleanup(move || online.remove());
        self.run();
    }

    /// Keeps the outbox in the browser's storage (what is refused stays too, to be seen).
    fn save(&self) {
        let Some(storage) = window().local_storage().ok().flatten() else {
            return;
        };
        let key = self.storage_key();
        let _ = self.items.with_untracked(|items| {
            if items.is_empty() {
                storage.remove_item(&key)
            } else {
                match serde_json::to_string(items) {
                    Ok(json) => storage.set_item(&key, &json),
                    Err(_) => Ok(()),
                }
            }
        });
    }

    /// Adds a message and sends it (after those before it).
    pub fn push(self, item: Outgoing) {
        self.items.update(|items| items.push(item));
        self.save();
        self.run();
    }

    /// Takes a message out (discarded, or back into the composer to edit).
    pub fn remove(self, client_id: &str) {
        self.items
            .update(|items| items.retain(|i| i.client_id != client_id));
        self.save();
    }

    fn set_waiting(self, client_id: &str, waiting: Waiting) {
        self.items.update(|items| {
            if let Some(item) = items.iter_mut().find(|i| i.client_id == client_id) {
                item.waiting = waiting;
            }
        });
    }

    /// Sends what waits, one at a time, oldest first, unless a loop already does.
    fn run(self) {
        if self.running.get_value() {
            return;
        }
        self.running.set_value(true);
        leptos::task::spawn_local(async move {
            let mut failures = 0_u32;
            loop {
                let next = self.items.with_untracked(|items| {
                    items
                        .iter()
                        .find(|i| !matches!(i.waiting, Waiting::Refused(_)))
                        .cloned()
                });
                let Some(item) = next else { break };
                let key = self.hash_key.with_value(|k| k.to_string());
                let reply_to = item.reply_to.map(|id| id.0.to_string());
                let sent = send_message(
                    key,
                    item.content.clone(),
                    reply_to,
                    Some(item.client_id.clone()),
                )
                .await;
                match sent {
                    Ok(message) => {
                        failures = 0;
                        self.remove(&item.client_id);
                        if let Some(stored) = self.stored.get_value() {
                            stored.run(message);
                        }
                    }
                    Err(err) if passes(&err) => {
                        let wait = backoff_ms(failures, &err);
                        failures = failures.saturating_add(1);
                        self.set_waiting(&item.client_id, Waiting::Retrying(err.to_string()));
                        sleep_ms(wait).await;
                    }
                    Err(err) => {
                        self.set_waiting(&item.client_id, Waiting::Refused(err.to_string()));
                        self.save();
                    }
                }
            }
            self.running.set_value(false);
        });
    }
}

/// Resolves after `ms` milliseconds (in the browser).
async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_failures_are_tried_again() {
        assert!(passes(&AppError::Unreachable("offline".into())));
        assert!(passes(&AppError::Unavailable));
        assert!(passes(&AppError::TooMany {
            retry_after_secs: 2
        }));
        assert!(!passes(&AppError::Invalid("too long".into())));
        assert!(!passes(&AppError::Banned));
        assert!(!passes(&AppError::SlowMode { wait_secs: 10 }));
    }

    #[test]
    fn backoff_doubles_to_five_seconds_or_follows_retry_after() {
        let offline = AppError::Unreachable("offline".into());
        let waits: Vec<u32> = (0..5).map(|n| backoff_ms(n, &offline)).collect();
        assert_eq!(waits, [1000, 2000, 4000, 5000, 5000]);
        let busy = AppError::TooMany {
            retry_after_secs: 3,
        };
        assert_eq!(backoff_ms(0, &busy), 3000);
    }

    #[test]
    fn the_stored_form_keeps_what_a_reload_needs() {
        let item = Outgoing {
            client_id: "abcdef0123456789".into(),
            content: "hello".into(),
            reply_to: Some(MessageId(7)),
            waiting: Waiting::Refused("no".into()),
        };
        let json = serde_json::to_string(std::slice::from_ref(&item)).unwrap();
        let back: Vec<Outgoing> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[0].content, "hello");
        assert_eq!(back[0].reply_to, Some(MessageId(7)));
        assert_eq!(
            back[0].waiting,
            Waiting::Queued,
            "everything is tried again"
        );
    }
}
