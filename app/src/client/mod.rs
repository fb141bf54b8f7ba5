//! Browser-side helpers that are not components: the live connection and page visibility.
//! They compile on the server too but only run in effects, i.e. in the browser.

pub mod flash;
pub mod live;
