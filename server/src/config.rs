//! Configuration from the environment.

use crate::admission::ConnectionLimits;
use crate::page_cache::PageCacheSwitch;
use backend::identity::cookies::CookiePolicy;
use backend::Settings;
use leptos::config::Env;
use leptos::prelude::LeptosOptions;

/// Everything the server reads from its environment at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`; defaults to a SQLite file in the working directory.
    pub database_url: String,
    /// Leptos settings: site address and where the built assets are (`LEPTOS_*`, set by
    /// cargo-leptos).
    pub leptos: LeptosOptions,
    /// Behaviour: `COOKIE_SECURE=true` when served over HTTPS (`Secure` + `__Host-` cookie),
    /// `RATE_LIMITS=false` only for load tests, `TRUSTED_PROXY=true` behind a proxy that sets
    /// `X-Forwarded-For`.
    pub settings: Settings,
    /// How many connections the server holds (`MAX_CONNECTIONS_PER_ADDRESS`, 0 for no
    /// per-address cap; none behind a trusted proxy).
    pub connections: ConnectionLimits,
    /// Whether room pages are kept and answered again while nothing on them changed
    /// (`PAGE_CACHE=false` renders every one anew, to compare).
    pub keep_pages: PageCacheSwitch,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads `DATABASE_URL` and the Leptos settings from the environment (or Cargo.toml).
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| migration::DEFAULT_DATABASE_URL.to_owned());
        let mut leptos = leptos::prelude::get_configuration(None)
            .map_err(|e| ConfigError(e.to_string()))?
            .leptos_options;
        leptos.env = run_mode(std::env::var("LEPTOS_ENV").ok().as_deref());
        let trusted_proxy = flag("TRUSTED_PROXY", false)?;
        let per_address = match number("MAX_CONNECTIONS_PER_ADDRESS")? {
            _ if trusted_proxy => None,
            Some(0) => None,
            Some(cap) => Some(cap),
            None => Some(ConnectionLimits::DEFAULT_PER_ADDRESS),
        };
        Ok(Self {
            database_url,
            leptos,
            keep_pages: PageCacheSwitch::new(flag("PAGE_CACHE", true)?),
            connections: ConnectionLimits {
                total: ConnectionLimits::total_from_file_limit(),
                per_address,
            },
            settings: Settings {
                room_buffer: backend::live::hub::DEFAULT_ROOM_BUFFER,
                cookies: CookiePolicy {
                    secure: flag("COOKIE_SECURE", false)?,
                },
                rate_limits: flag("RATE_LIMITS", true)?,
                trusted_proxy,
            },
        })
    }
}

/// Production unless `LEPTOS_ENV` asks for development (`DEV`: live reload, whose websocket the
/// page's Content-Security-Policy then allows); Leptos on its own would default to development.
fn run_mode(leptos_env: Option<&str>) -> Env {
    match leptos_env.map(str::trim) {
        Some(mode)
            if mode.eq_ignore_ascii_case("dev") || mode.eq_ignore_ascii_case("development") =>
        {
            Env::DEV
        }
        _ => Env::PROD,
    }
}

/// Reads a whole-number variable, `None` when unset.
fn number(name: &str) -> Result<Option<usize>, ConfigError> {
    match std::env::var(name).ok().as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| ConfigError(format!("{name} must be a whole number, got {raw:?}"))),
    }
}

/// Reads a boolean variable: `0`/`false` or `1`/`true`, `default` when unset.
fn flag(name: &str, default: bool) -> Result<bool, ConfigError> {
    match std::env::var(name).ok().as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError(format!(
            "{name} must be true or false, got {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_unless_development_is_asked_for() {
        assert_eq!(run_mode(None), Env::PROD);
        assert_eq!(run_mode(Some("PROD")), Env::PROD);
        assert_eq!(run_mode(Some("")), Env::PROD);
        assert_eq!(run_mode(Some("DEV")), Env::DEV);
        assert_eq!(run_mode(Some("development")), Env::DEV);
    }
}
