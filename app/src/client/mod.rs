//! Browser-side helpers that are not components: the live connection, page visibility,
//! mention notifications, closing menus, the outbox of unsent messages and posting forms.
//! They compile on the server too but only run in effects, i.e. in the browser.

pub mod flash;
pub mod form_post;
pub mod live;
pub mod menus;
pub mod notify;
pub mod outbox;
