//! The site's paths, built (and taken apart) only here.

use crate::input::{HashKey, LocalPath};

/// What every chatroom path starts with.
pub const ROOMS_PREFIX: &str = "/chatrooms/";
/// What ends a room's live-stream path, after the key.
pub const EVENTS_SUFFIX: &str = "/events";
/// The live-stream route as the router writes it.
pub const EVENTS_ROUTE: &str = "/chatrooms/{hash_key}/events";
/// The cookie that proves an error in a link was produced for this browser (see the server's
/// `flash` module); with HTTPS its `__Host-` form.
pub const FLASH_COOKIE: &str = "chat_flash";
/// [`FLASH_COOKIE`] as set over HTTPS.
pub const FLASH_COOKIE_SECURE: &str = "__Host-chat_flash";

/// The export route as the router writes it.
pub const EXPORT_ROUTE: &str = "/chatrooms/{hash_key}/export/{format}";

/// The forms a room's history can be downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Every message as JSON (the wire form of the JSON API).
    Json,
    /// Plain text with light Markdown, for people.
    Markdown,
}

impl ExportFormat {
    /// The last path segment and file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Markdown => "md",
        }
    }

    /// The format named by a path segment, if any.
    pub fn parse(raw: &str) -> Option<Self> {
        [ExportFormat::Json, ExportFormat::Markdown]
            .into_iter()
            .find(|f| f.as_str() == raw)
    }
}

/// The JSON API route of one chat, as the router writes it (with and without the final slash).
pub const CHAT_API_ROUTES: [&str; 2] = ["/chats/{id}/", "/chats/{id}"];

impl HashKey {
    /// The chatroom page for this key, `/chatrooms/<key>/` (a key needs no escaping).
    pub fn room_path(&self) -> String {
        format!("{ROOMS_PREFIX}{}/", self.as_str())
    }

    /// The room's live stream, `/chatrooms/<key>/events`.
    pub fn events_path(&self) -> String {
        format!("{ROOMS_PREFIX}{}{EVENTS_SUFFIX}", self.as_str())
    }

    /// The room's history as a download, `/chatrooms/<key>/export/<json|md>`.
    pub fn export_path(&self, format: ExportFormat) -> String {
        format!("{ROOMS_PREFIX}{}/export/{}", self.as_str(), format.as_str())
    }

    /// The login page that returns to this room afterwards.
    pub fn login_path(&self) -> String {
        login_path(&LocalPath::parse_or_home(&self.room_path()))
    }

    /// The share link for this room on the site at `origin` (`http://host:port`).
    pub fn share_url(&self, origin: &str) -> String {
        format!("{origin}{}", self.room_path())
    }
}

/// The room key of a room page's path (`/chatrooms/<key>/`), if `path` is one.
pub fn room_page_key(path: &str) -> Option<&str> {
    let key = path.strip_prefix(ROOMS_PREFIX)?.strip_suffix('/')?;
    (!key.is_empty() && !key.contains('/')).then_some(key)
}

/// The `<key>` of a live-stream path (`/chatrooms/<key>/events`, no query), unparsed.
pub fn events_path_key(path: &str) -> Option<&str> {
    path.strip_prefix(ROOMS_PREFIX)?.strip_suffix(EVENTS_SUFFIX)
}

/// The login page, returning to `next` afterwards.
pub fn login_path(next: &LocalPath) -> String {
    format!("/login?next={}", query_encode(next.as_str()))
}

/// Percent-encodes what a query value may not contain (a local path keeps its slashes).
fn query_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' | '/' => out.push(c),
            other => {
                let mut buf = [0u8; 4];
                for byte in other.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashKey {
        HashKey::parse("abcdEFGH1234-_xy").unwrap()
    }

    #[test]
    fn room_paths_round_trip() {
        assert_eq!(key().room_path(), "/chatrooms/abcdEFGH1234-_xy/");
        assert_eq!(key().events_path(), "/chatrooms/abcdEFGH1234-_xy/events");
        assert_eq!(events_path_key(&key().events_path()), Some(key().as_str()));
        assert_eq!(events_path_key(&key().room_path()), None);
        assert_eq!(room_page_key(&key().room_path()), Some(key().as_str()));
        for other in [
            "/chatrooms/",
            "/chatrooms//",
            "/chatrooms/a/b/",
            "/chatrooms/a",
        ] {
            assert_eq!(room_page_key(other), None, "{other}");
        }
        assert_eq!(room_page_key(&key().events_path()), None);
        assert_eq!(
            key().share_url("https://chat.example"),
            "https://chat.example/chatrooms/abcdEFGH1234-_xy/"
        );
        assert_eq!(
            EVENTS_ROUTE.replace("{hash_key}", key().as_str()),
            key().events_path()
        );
        for format in [ExportFormat::Json, ExportFormat::Markdown] {
            assert_eq!(
                EXPORT_ROUTE
                    .replace("{hash_key}", key().as_str())
                    .replace("{format}", format.as_str()),
                key().export_path(format)
            );
            assert_eq!(ExportFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(ExportFormat::parse("html"), None);
    }

    #[test]
    fn login_paths_encode_next() {
        assert_eq!(
            key().login_path(),
            "/login?next=/chatrooms/abcdEFGH1234-_xy/"
        );
        let odd = LocalPath::parse_or_home("/a?b=c&d=é");
        assert_eq!(login_path(&odd), "/login?next=/a%3Fb%3Dc%26d%3D%C3%A9");
    }
}
