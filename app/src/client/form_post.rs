//! Posts a server-rendered form to its server function with `fetch`, as the browser would
//! without JavaScript but without leaving the page: one generic path for every action on a
//! message or a person, instead of a typed action (and its code in the bundle) per form.

use crate::error::AppError;
use wasm_bindgen::JsCast;

/// The form a submit event is for.
pub fn submitted(ev: &web_sys::Event) -> Option<web_sys::HtmlFormElement> {
    ev.target()?.dyn_into().ok()
}

/// Posts `form` (its fields, url-encoded, to its `action`); the answer's body, or why the
/// server refused (its own words) or could not be reached.
pub async fn post(form: &web_sys::HtmlFormElement) -> Result<String, String> {
    let unreachable = |_| AppError::Unreachable("the server could not be reached".into());
    let refused = |status: u16| format!("The server refused this ({status}).");
    let init = request(form).map_err(|err| unreachable(err).to_string())?;
    let answer = wasm_bindgen_futures::JsFuture::from(
        leptos::prelude::window().fetch_with_str_and_init(&form.action(), &init),
    )
    .await
    .map_err(|err| unreachable(err).to_string())?;
    let Ok(answer) = answer.dyn_into::<web_sys::Response>() else {
        return Err(refused(0));
    };
    let body = match answer.text() {
        Ok(text) => wasm_bindgen_futures::JsFuture::from(text)
            .await
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if answer.ok() {
        return Ok(body);
    }
    // Server functions answer a refusal with the error as JSON (and its real status).
    Err(serde_json::from_str::<AppError>(&body)
        .map(|err| err.to_string())
        .unwrap_or_else(|_| refused(answer.status())))
}

/// The request: `form`'s fields as the browser would post them, asking for JSON (a request that
/// accepts HTML is answered with a redirect, for forms without JavaScript).
fn request(form: &web_sys::HtmlFormElement) -> Result<web_sys::RequestInit, wasm_bindgen::JsValue> {
    let fields = web_sys::FormData::new_with_form(form)?;
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields)?;
    let headers = web_sys::Headers::new()?;
    headers.set("Content-Type", "application/x-www-form-urlencoded")?;
    headers.set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&String::from(body.to_string()).into());
    Ok(init)
}
