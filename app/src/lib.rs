//! The chat app: pages, components and server functions shared by the server (SSR) and the
//! browser (hydration). The types both sides share live in the `domain` crate; the server-side
//! work behind the server functions is in the `backend` crate (only with `ssr`).

pub mod api;
pub mod client;
pub mod components;
pub mod error;
pub mod message_html;
pub mod page_data;
pub mod raw_text;
pub mod rich_text;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings_html;
pub mod timeline;

use components::page::Page;
use components::theme_switch::bar_colours;
use leptos::prelude::*;
use leptos::tachys::html::InertElement;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};
use routes::{chatroom::ChatroomPage, home::HomePage, login::LoginPage, not_found::NotFound};

/// The HTML document around the app, rendered on the server: in the theme the visitor chose,
/// installable (manifest, icons, bar colours).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::send_for_page(&options);
    #[cfg(feature = "ssr")]
    let theme = server::request::theme_of_page();
    #[cfg(not(feature = "ssr"))]
    let theme = domain::theme::Theme::System;
    // Written out: the view macro knows no `media` attribute on `<meta>`. Constants only.
    let bar_metas = bar_colours(theme)
        .map(|(media, colour)| {
            format!(r#"<meta name="theme-color" media="{media}" content="{colour}">"#)
        })
        .concat();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.attribute()>
            <head>
                <meta charset="utf-8"/>
                // resizes-content: the on-screen keyboard shrinks the page, so the composer
                // stays above it; cover: the page reaches under notches (safe-area insets).
                <meta
                    name="viewport"
                    content="width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content"
                />
                <meta name="color-scheme" content="light dark"/>
                {InertElement::new(bar_metas)}
                <link rel="icon" href="/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icon-192.png"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                // The output name carries the bundle's version (server/src/assets.rs).
                <link
                    rel="stylesheet"
                    id="leptos"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
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
            <Routes fallback=|| view! { <Page><NotFound/></Page> }>
                // Async: "your recent rooms" is in the first byte (also without JavaScript),
                // and a visitor leaving mid-stream cannot catch a half-rendered page.
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage/>
                // Async: the status (404) and the login redirect must be decided before
                // the first byte is sent.
                <Route path=path!("/chatrooms/:hash_key/") view=ChatroomPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
