//! Server-side glue between Leptos and the `backend` crate: reading the current request, the
//! session cookie, the page's Content-Security-Policy, messages' HTML kept for later page
//! loads, what a room page is rendered from and its key. Compiled only with `ssr`.

pub mod csp;
pub mod rendered;
pub mod request;
pub mod room_page;
