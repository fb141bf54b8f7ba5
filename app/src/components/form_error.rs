//! The error line under a form, shown when its server function refused the input.

use crate::error::AppError;
use leptos::prelude::*;

/// The message to show for an action's last result, if it failed.
pub fn error_text<T>(result: &Option<Result<T, AppError>>) -> Option<String> {
    match result {
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    }
}

/// Shows `error` under a form while there is one.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|text| view! { <p class="form-error" role="alert">{text}</p> })
    }
}
