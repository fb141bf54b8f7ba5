//! The HTTP routes: Leptos pages and server functions, the JSON API, static assets.

use crate::assets::Bundle;
use crate::guard::GuardLayer;
use crate::page_cache::{PageCacheLayer, PageCacheSwitch};
use crate::{chats_api, export, live};
use app::server::room_page::FreshPerAnswer;
use app::{shell, App};
use axum::extract::FromRef;
use axum::{routing::get, Router};
use backend::Services;
use domain::paths::{CHAT_API_ROUTES, EVENTS_ROUTE, EXPORT_ROUTE};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};
use tower_http::{
    compression::{CompressionLayer, CompressionLevel},
    trace::TraceLayer,
};

pub use crate::security::BODY_TIMEOUT;

/// The app's routes, generated once per process. Generating them sets a process-wide flag that
/// makes any resource first polled meanwhile wait forever (leptos-rs/leptos#4773): a second
/// server started in the same process (the integration tests start many) must not do it while
/// another one serves pages.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// What the router's handlers share: one `Arc` (axum clones the state for every request).
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// The state holding `parts`.
    pub fn new(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What [`AppState`] holds: the backend's services and the Leptos settings.
#[derive(Debug)]
pub struct AppParts {
    /// Database, live fan-out, writer, limits.
    pub services: Services,
    /// Leptos settings (site root, output name), needed to render pages and serve assets.
    pub leptos_options: LeptosOptions,
    /// The browser bundle under its hashed names, if one was built.
    pub bundle: Option<Bundle>,
    /// Whether room pages are kept while nothing on them changes (`page_cache`).
    pub keep_pages: PageCacheSwitch,
    /// Bounds the live streams being opened at once.
    pub live_opening: live::OpeningGate,
}

impl FromRef<AppState> for live::OpeningGate {
    fn from_ref(state: &AppState) -> Self {
        state.live_opening.clone()
    }
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Self {
        state.services.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Builds the whole application router around `state`.
pub fn app(state: AppState) -> Router {
    let routes = route_list();
    // Server functions and pages reach the services through Leptos' context.
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    let [chat_api, chat_api_no_slash] = CHAT_API_ROUTES;
    let mut router = Router::new();
    if let Some(bundle) = state.bundle.clone() {
        let pkg_route = format!("/{}/{{*file}}", state.leptos_options.site_pkg_dir);
        router = router.route(
            &pkg_route,
            get(move |file, request| async move { bundle.serve(file, request).await }),
        );
    }
    router
        .route(chat_api, get(chats_api::messages))
        .route(chat_api_no_slash, get(chats_api::messages))
        .route(EVENTS_ROUTE, get(live::events))
        .route(EXPORT_ROUTE, get(export::export))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(services.clone());
                // A page the page cache renders carries the nonce the cache chose.
                FreshPerAnswer::provide_nonce();
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(PageCacheLayer::new(
            state.services.clone(),
            state.keep_pages.clone(),
        ))
        .layer(GuardLayer {
            trusted_proxy: state.services.trusted_proxy,
            cookies: state.services.cookies,
        })
        // zstd where accepted, else gzip; fastest level: at gzip's default level, compressing a
        // room page cost more than rendering it (bench/http-vs-flask.sh, "as browsers ask").
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
