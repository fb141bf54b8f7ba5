//! The chat app: pages, components and server functions shared by the server (SSR) and the
//! browser (hydration). The types both sides share live in the `domain` crate; the server-side
//! work behind the server functions is in the `backend` crate (only with `ssr`).

pub mod api;
pub mod client;
pub mod components;
pub mod error;
pub mod raw_text;
pub mod rich_text;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};
use routes::{chatroom::ChatroomPage, home::HomePage, login::LoginPage, not_found::NotFound};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::send_for_page(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No favicon file: an empty one spares every page load a 404 round trip.
                <link rel="icon" href="data:,"/>
                // The output name carries the bundle's version (server/src/assets.rs).
                <link
                    rel="stylesheet"
                    id="leptos"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: routes to the pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Chat"/>
        <Router>
            <header class="topbar">
                <a href="/" class="brand">"Chat"</a>
            </header>
            <main>
                <Routes fallback=NotFound>
                    // Async: "your recent rooms" is in the first byte (also without JavaScript),
                    // and a visitor leaving mid-stream cannot catch a half-rendered page.
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage/>
                    // Async: the status (404) and the login redirect must be decided before
                    // the first byte is sent.
                    <Route path=path!("/chatrooms/:hash_key/") view=ChatroomPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
