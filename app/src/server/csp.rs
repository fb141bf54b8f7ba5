//! The Content-Security-Policy of rendered pages: scripts run only with this response's nonce
//! (Leptos puts it on its hydration and streaming scripts), so injected markup cannot run script
//! even if it got past escaping.

use leptos::config::Env;
use leptos::nonce::use_nonce;
use leptos::prelude::{use_context, LeptosOptions};

/// The policy for a page whose scripts carry `nonce`. `'strict-dynamic'` lets the nonce'd
/// module load the wasm glue; `'wasm-unsafe-eval'` lets it compile the wasm.
pub fn policy(nonce: &str, dev_reload: Option<u32>) -> String {
    // `cargo leptos watch` reloads pages over a websocket on its own port.
    let reload = dev_reload.map_or_else(String::new, |port| format!(" ws://*:{port}"));
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// Sets the policy on the response being rendered (call while rendering the page shell).
pub fn send_for_page(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let dev_reload = (options.env == Env::DEV).then_some(options.reload_port);
    match http::HeaderValue::from_str(&policy(&nonce, dev_reload)) {
        Ok(value) => response.insert_header(http::header::CONTENT_SECURITY_POLICY, value),
        Err(err) => tracing::error!(error = %err, "invalid Content-Security-Policy"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_need_the_nonce_and_nothing_else_is_loosened() {
        let csp = policy("abc123", None);
        assert!(
            csp.contains("script-src 'nonce-abc123' 'strict-dynamic'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("ws:"), "{csp}");
        assert!(policy("n", Some(3001)).contains("connect-src 'self' ws://*:3001;"));
    }
}
