//! The colour theme a visitor chose: the system's (the default), light or dark. Kept in a
//! cookie so the server renders the page in it from the first byte.

use serde::{Deserialize, Serialize};

/// Light, dark, or whatever the system prefers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// Every choice, in the order the switch offers them.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The name used in the cookie and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme a form or cookie names, if it names one.
    pub fn parse(raw: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.as_str() == raw)
    }

    /// The `data-theme` attribute of the page's root element (none: follow the system).
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            other => Some(other.as_str()),
        }
    }

    /// What the switch's button says.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

/// The browser's bar colour in the light theme (the header's background).
pub const LIGHT_BAR_COLOUR: &str = "#ffffff";
/// The browser's bar colour in the dark theme.
pub const DARK_BAR_COLOUR: &str = "#181b22";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_is_a_theme() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        }
        assert_eq!(Theme::parse("DARK"), None);
        assert_eq!(Theme::parse(""), None);
        assert_eq!(Theme::System.attribute(), None);
        assert_eq!(Theme::Dark.attribute(), Some("dark"));
    }
}
