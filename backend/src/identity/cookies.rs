//! The session cookie and the browser cookie: their names and flags, and finding them among a
//! request's cookies. The browser cookie outlives sessions (logging out or changing name keeps
//! it): a room's ban covers the browser it was made against, whatever name it uses next.

use crate::random::is_browser_id;
use domain::theme::Theme;

/// The theme cookie's name: it holds no secret, so it needs no `__Host-` prefix.
const THEME_COOKIE: &str = "chat_theme";

/// How the session cookie is named and flagged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CookiePolicy {
    /// Served over HTTPS: the cookie gets `Secure` and the `__Host-` name prefix (which browsers
    /// only accept from a secure origin, for Path=/ and without Domain).
    pub secure: bool,
}

impl CookiePolicy {
    /// The cookie's name.
    pub fn name(self) -> &'static str {
        if self.secure {
            "__Host-chat_session"
        } else {
            "chat_session"
        }
    }

    /// The session token among the request's cookies, if any.
    pub fn token_from_headers(self, headers: &http::HeaderMap) -> Option<&str> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|header| token_from_cookie_header(header, self.name()))
    }

    /// The `Set-Cookie` value that hands `token` to the browser.
    pub fn set_value(self, token: &str) -> String {
        format!(
            "{}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}{}",
            self.name(),
            self.secure_flag()
        )
    }

    /// The `Set-Cookie` value that makes the browser forget its session cookie.
    pub fn clear_value(self) -> String {
        format!(
            "{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
            self.name(),
            self.secure_flag()
        )
    }

    /// The browser cookie's name.
    pub fn browser_name(self) -> &'static str {
        if self.secure {
            "__Host-chat_browser"
        } else {
            "chat_browser"
        }
    }

    /// The browser id among the request's cookies, if it is one we could have made.
    pub fn browser_from_headers(self, headers: &http::HeaderMap) -> Option<&str> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|header| token_from_cookie_header(header, self.browser_name()))
            .filter(|id| is_browser_id(id))
    }

    /// The `Set-Cookie` value that hands the browser its id.
    pub fn set_browser_value(self, id: &str) -> String {
        format!(
            "{}={id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}{}",
            self.browser_name(),
            self.secure_flag()
        )
    }

    /// The colour theme the browser chose (the system's when it chose none).
    pub fn theme_from_headers(self, headers: &http::HeaderMap) -> Theme {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|header| token_from_cookie_header(header, THEME_COOKIE))
            .and_then(Theme::parse)
            .unwrap_or_default()
    }

    /// The `Set-Cookie` value that remembers `theme` (forgets the cookie for the system's).
    pub fn set_theme_value(self, theme: Theme) -> String {
        let max_age = match theme {
            Theme::System => 0,
            _ => COOKIE_MAX_AGE_SECS,
        };
        format!(
            "{THEME_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{}",
            theme.as_str(),
            self.secure_flag()
        )
    }

    fn secure_flag(self) -> &'static str {
        if self.secure {
            "; Secure"
        } else {
            ""
        }
    }
}

/// How long the browser keeps the cookie: a year (browsers cap it near there). Whether the
/// session is still alive is the server's decision
/// ([`domain::policy::SESSION_IDLE_DAYS`]), not the cookie's.
const COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// The value of the cookie `name` in a `Cookie` header, if there is one.
fn token_from_cookie_header<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, cookie.parse().unwrap());
        headers
    }

    #[test]
    fn finds_our_cookie_among_others() {
        let plain = CookiePolicy::default();
        assert_eq!(
            plain.token_from_headers(&headers("a=1; chat_session=abc; b=2")),
            Some("abc")
        );
        assert_eq!(plain.token_from_headers(&headers("chat_session_x=1")), None);
        assert_eq!(plain.token_from_headers(&headers("")), None);
        let secure = CookiePolicy { secure: true };
        assert_eq!(
            secure.token_from_headers(&headers("chat_session=abc")),
            None
        );
        assert_eq!(
            secure.token_from_headers(&headers("__Host-chat_session=abc")),
            Some("abc")
        );
    }

    #[test]
    fn the_theme_cookie_round_trips_and_defaults_to_the_system() {
        let plain = CookiePolicy::default();
        assert_eq!(plain.theme_from_headers(&headers("a=1")), Theme::System);
        assert_eq!(
            plain.theme_from_headers(&headers("chat_theme=dark; b=2")),
            Theme::Dark
        );
        assert_eq!(
            plain.theme_from_headers(&headers("chat_theme=<script>")),
            Theme::System
        );
        let set = CookiePolicy { secure: true }.set_theme_value(Theme::Light);
        assert!(set.starts_with("chat_theme=light;"), "{set}");
        assert!(set.ends_with("; Secure"), "{set}");
        assert!(plain.set_theme_value(Theme::System).contains("Max-Age=0"));
    }

    #[test]
    fn browser_ids_are_read_only_when_well_formed() {
        let plain = CookiePolicy::default();
        let id = crate::random::new_browser_id();
        let cookie = format!("chat_session=abc; chat_browser={id}");
        assert_eq!(
            plain.browser_from_headers(&headers(&cookie)),
            Some(id.as_str())
        );
        assert_eq!(
            plain.browser_from_headers(&headers("chat_browser=short")),
            None
        );
        let set = CookiePolicy { secure: true }.set_browser_value(&id);
        assert!(set.starts_with("__Host-chat_browser="), "{set}");
        assert!(
            set.contains("HttpOnly") && set.ends_with("; Secure"),
            "{set}"
        );
    }

    #[test]
    fn cookie_has_the_safety_flags() {
        let value = CookiePolicy::default().set_value("tok");
        for flag in ["chat_session=tok", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(value.contains(flag), "{value}");
        }
        assert!(!value.contains("Secure"));
        let value = CookiePolicy { secure: true }.set_value("tok");
        assert!(value.starts_with("__Host-chat_session=tok;"), "{value}");
        assert!(value.ends_with("; Secure"), "{value}");
        let cleared = CookiePolicy { secure: true }.clear_value();
        assert!(
            cleared.contains("Max-Age=0") && cleared.contains("Secure"),
            "{cleared}"
        );
    }
}
