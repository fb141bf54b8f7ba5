//! Messages rendered once, kept by everything their HTML depends on.
//!
//! Rendering a message (author, time, actions, forms, reactions) was most of a room page's
//! work, and the same message renders the same way for every load until it changes. The room
//! page asks here first; the browser still hydrates the real component, which renders exactly
//! this HTML (a test compares pages rendered with and without this cache).

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

/// The HTML kept for `key`, or `render`'s, which is then kept.
pub fn get_or_render(key: RenderKey, render: impl FnOnce() -> String) -> String {
    if !ENABLED.load(Ordering::Relaxed) {
        return render();
    }
    // A poisoned lock only means another render panicked; the map itself is intact.
    let found = store()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .html
        .get(&key)
        .cloned();
    if let Some(html) = found {
        REUSED.fetch_add(1, Ordering::Relaxed);
        return html.to_string();
    }
    // Rendered outside the lock: two loads may both render a new message, which is harmless.
    let html = render();
    let mut store = store()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if store.bytes + html.len() > BUDGET_BYTES {
        store.html.clear();
        store.bytes = 0;
    }
    if store.html.insert(key, html.as_str().into()).is_none() {
        store.bytes += html.len();
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_once_per_key() {
        let key = RenderKey::of(&("renders_once_per_key", 1));
        let mut renders = 0;
        for _ in 0..3 {
            let html = get_or_render(key, || {
                renders += 1;
                "<li>hi</li>".to_owned()
            });
            assert_eq!(html, "<li>hi</li>");
        }
        assert_eq!(renders, 1);
        let other = RenderKey::of(&("renders_once_per_key", 2));
        assert_eq!(
            get_or_render(other, || "<li>new</li>".to_owned()),
            "<li>new</li>"
        );
    }
}
