//! Browser notifications for mentions. The permission is asked only after a click on the page's
//! "Notify me of mentions" control; without it (denied, unsupported, no JavaScript) nothing is
//! shown and nothing fails.

/// What the browser allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The browser has no notifications (or this is the server).
    Unsupported,
    /// Not asked yet.
    Ask,
    /// Allowed.
    Granted,
    /// Refused (only the browser's settings can change that).
    Denied,
}

/// The current permission.
pub fn permission() -> Permission {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::{Notification, NotificationPermission};
        let supported = js_sys::Reflect::has(&leptos::prelude::window(), &"Notification".into())
            .unwrap_or(false);
        if !supported {
            return Permission::Unsupported;
        }
        match Notification::permission() {
            NotificationPermission::Granted => Permission::Granted,
            NotificationPermission::Denied => Permission::Denied,
            _ => Permission::Ask,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    Permission::Unsupported
}

/// Asks the browser for the permission (call from a click); returns what it is afterwards.
pub async fn ask() -> Permission {
    #[cfg(feature = "hydrate")]
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    permission()
}

/// Shows a notification that `author` mentioned the reader in `room` (if allowed); a click on it
/// brings the tab forward.
pub fn mentioned(room: &str, author: &str, text: &str) {
    if permission() != Permission::Granted {
        return;
    }
    let body = excerpt(text);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let options = web_sys::NotificationOptions::new();
        options.set_body(&body);
        // One notification per room: a new mention replaces the previous one.
        options.set_tag(&format!("mention:{room}"));
        let title = format!("{author} mentioned you in {room}");
        match web_sys::Notification::new_with_options(&title, &options) {
            Ok(note) => {
                let focus = Closure::once_into_js(|| {
                    let _ = leptos::prelude::window().focus();
                });
                note.set_onclick(Some(focus.unchecked_ref()));
            }
            Err(err) => leptos::logging::warn!("could not show a notification: {err:?}"),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, author, body);
}

/// The start of a message for a notification body.
fn excerpt(text: &str) -> String {
    const MAX: usize = 140;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_for_the_notification() {
        assert_eq!(excerpt("hi @ann"), "hi @ann");
        let long = "x".repeat(200);
        assert_eq!(excerpt(&long).chars().count(), 141);
    }
}
