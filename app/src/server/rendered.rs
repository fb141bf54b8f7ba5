//! Messages written once, kept by everything their HTML depends on.
//!
//! Writing a message's HTML (author, time, actions, forms, reactions) is most of a room page's
//! work when the page is not kept whole, and the same message is written the same way for
//! every load until it changes. The room page asks here first: for the whole list (an
//! unchanged room), else for each message (a room with one new message writes one). A test
//! compares pages written with and without this cache byte for byte.

use crate::message_html::{self, Reader};
use domain::mentions;
use domain::model::ChatMessage;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Most HTML kept at once; past it the cache starts over (pages then fill it again).
const BUDGET_BYTES: usize = 16 << 20;

/// What identifies one rendering: a hash of every input the HTML depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderKey(u64);

impl RenderKey {
    /// The key of `inputs` (anything hashable: the message, the reader's relation to it, …).
    pub fn of(inputs: &impl Hash) -> Self {
        let mut hasher = DefaultHasher::new();
        inputs.hash(&mut hasher);
        Self(hasher.finish())
    }
}

#[derive(Default)]
struct Store {
    html: HashMap<RenderKey, Arc<str>>,
    bytes: usize,
}

fn store() -> &'static Mutex<Store> {
    static STORE: OnceLock<Mutex<Store>> = OnceLock::new();
    STORE.get_or_init(Mutex::default)
}

/// Whether pages use the cache (on unless a test compares against rendering everything).
static ENABLED: AtomicBool = AtomicBool::new(true);
/// How many renderings were reused since the process started.
static REUSED: AtomicU64 = AtomicU64::new(0);

/// Turns the cache off or on for the whole process (tests only compare the two).
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// How many renderings were reused since the process started.
pub fn reused_so_far() -> u64 {
    REUSED.load(Ordering::Relaxed)
}

/// The messages of `list` as `message_html::list` writes them for `reader` on the server.
pub fn message_list(list: &[ChatMessage], reader: &Reader) -> Arc<str> {
    // A message's text, edits, deletion and reactions all move its `seq`; its quote follows
    // the quoted message, so it is part of the key too. The day separators depend on today.
    let key = RenderKey::of(&(
        "message list",
        list.iter()
            .map(|m| (m.id, m.seq, m.reply_to.as_ref()))
            .collect::<Vec<_>>(),
        reader
            .state
            .roles
            .iter()
            .map(|holder| (holder.username.as_str(), holder.role))
            .collect::<Vec<_>>(),
        reader.me,
        reader.my_role,
        reader.hash_key.as_str(),
        reader.today,
        reader.picking,
        reader.editing,
    ));
    // Shared, not copied: the page copies it once, into its own HTML.
    if let Some(html) = kept(key) {
        return html;
    }
    let mut html = String::new();
    let mut previous = None;
    for message in list {
        write_kept(&mut html, item_key(message, previous, reader), |out| {
            message_html::item(out, message, previous, reader);
        });
        previous = Some(message);
    }
    keep(key, &html)
}

/// What one entry's HTML depends on (the server writes no unread divider and no refusal).
fn item_key(message: &ChatMessage, previous: Option<&ChatMessage>, reader: &Reader) -> RenderKey {
    let me = reader.me;
    // The reader's name matters only to their own messages, mentions of them and their
    // reactions; everyone else shares one copy.
    let concerns_reader = message.username == me
        || mentions::mentions(&message.content, me)
        || message
            .reactions
            .list()
            .iter()
            .any(|r| r.users.iter().any(|u| u == me));
    RenderKey::of(&(
        message,
        previous.map(|p| (p.username.as_str(), p.timestamp.as_str())),
        concerns_reader.then_some(me),
        reader.my_role,
        reader.state.role_of(&message.username),
        reader.hash_key.as_str(),
        reader.today,
        reader.picking == Some(message.id),
        reader.editing == Some(message.id),
    ))
}

/// Appends the HTML kept for `key` to `out`, or what `write` appends, which is then kept.
fn write_kept(out: &mut String, key: RenderKey, write: impl FnOnce(&mut String)) {
    if let Some(html) = kept(key) {
        out.push_str(&html);
        return;
    }
    let start = out.len();
    write(out);
    keep(key, &out[start..]);
}

/// The HTML kept for `key`, if any (none while the cache is off).
fn kept(key: RenderKey) -> Option<Arc<str>> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    // A poisoned lock only means another render panicked; the map itself is intact.
    let found = store()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .html
        .get(&key)
        .cloned();
    if found.is_some() {
        REUSED.fetch_add(1, Ordering::Relaxed);
    }
    found
}

/// Keeps `html` as what `key` writes. Written outside the lock: two loads may both write a
/// new message, which is harmless.
fn keep(key: RenderKey, html: &str) -> Arc<str> {
    let html: Arc<str> = html.into();
    if !ENABLED.load(Ordering::Relaxed) {
        return html;
    }
    let mut store = store()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if store.bytes + html.len() > BUDGET_BYTES {
        store.html.clear();
        store.bytes = 0;
    }
    if store.html.insert(key, html.clone()).is_none() {
        store.bytes += html.len();
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_per_key() {
        let key = RenderKey::of(&("writes_once_per_key", 1));
        let mut writes = 0;
        for _ in 0..3 {
            let mut out = "<ol>".to_owned();
            write_kept(&mut out, key, |out| {
                writes += 1;
                out.push_str("<li>hi</li>");
            });
            assert_eq!(out, "<ol><li>hi</li>");
        }
        assert_eq!(writes, 1);
        let other = RenderKey::of(&("writes_once_per_key", 2));
        let mut out = String::new();
        write_kept(&mut out, other, |out| out.push_str("<li>new</li>"));
        assert_eq!(out, "<li>new</li>");
    }
}
