//! Before hydrating, the page drops an error carried in its link (`__err`) unless this
//! browser's flash cookie proves the server produced it for this browser: the server does the
//! same before rendering, so both sides render the same page, and a crafted link shows
//! nothing. The cookie is then forgotten (it proves one page load).

use domain::paths::{FLASH_COOKIE, FLASH_COOKIE_SECURE};
use wasm_bindgen::JsCast;

/// The query key Leptos uses for an error shown without JavaScript.
const ERROR_KEY: &str = "__err";

/// Call once, before hydrating.
pub fn drop_unproven_error() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    let params = url.search_params();
    let Some(error) = params.get(ERROR_KEY) else {
        return;
    };
    let Some(document) = window
        .document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
    else {
        return;
    };
    let cookies = document.cookie().unwrap_or_default();
    let proven = cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            (name == FLASH_COOKIE || name == FLASH_COOKIE_SECURE) && value == error
        });
    if !proven {
        params.delete(ERROR_KEY);
        url.set_search(&params.to_string().as_string().unwrap_or_default());
        if let Ok(history) = window.history() {
            let _ =
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
        }
    }
    for name in [FLASH_COOKIE, FLASH_COOKIE_SECURE] {
        let secure = if name == FLASH_COOKIE_SECURE {
            "; Secure"
        } else {
            ""
        };
        let _ = document.set_cookie(&format!("{name}=; Max-Age=0; Path=/{secure}"));
    }
}
