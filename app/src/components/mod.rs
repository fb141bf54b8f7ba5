//! Pieces the pages are built from.

pub mod account;
pub mod avatar;
pub mod composer;
pub mod drawn_html;
pub mod form_error;
pub mod mention_alerts;
pub mod message_list;
pub mod moderation;
pub mod outbox_list;
pub mod page;
pub mod presence;
pub mod room_header;
pub mod share_link;
pub mod theme_switch;
