//! The HTTP routes: Leptos pages and server functions, the JSON API, static assets.

pub use app::server::state::AppState;

use crate::{chats_api, error_status, live, security};
use app::{shell, App};
use axum::{routing::get, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

/// The app's routes, generated once per process. Generating them sets a process-wide flag that
/// makes any resource first polled meanwhile wait forever (leptos-rs/leptos#4773): a second
/// server started in the same process (the integration tests start many) must not do it while
/// another one serves pages.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application router around `state`.
pub fn app(state: AppState) -> Router {
    let routes = route_list();
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/chats/{id}/", get(chats_api::messages))
        .route("/chats/{id}", get(chats_api::messages))
        .route("/chatrooms/{hash_key}/events", get(live::events))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(
            error_status::server_fn_error_status,
        ))
        // Outermost last: headers on every answer, then the cross-site check, then the body
        // limit, before anything reads a body.
        .layer(RequestBodyLimitLayer::new(security::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(security::refuse_cross_site))
        .layer(axum::middleware::from_fn(security::security_headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
