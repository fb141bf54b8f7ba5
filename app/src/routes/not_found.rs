//! The page for anything that does not exist, answered with a real 404 status.

use leptos::prelude::*;

/// "Not found", with HTTP status 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card">
            <h1>"Not found"</h1>
            <p>"There is no chatroom or page at this address. Check the link you were given."</p>
            <p><a href="/">"Create a new chatroom"</a></p>
        </section>
    }
}
