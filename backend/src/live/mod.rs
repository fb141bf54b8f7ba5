//! Live delivery: the in-process [`hub`] that fans frames out to open room pages, the
//! [`writer`] that stores messages in batches before they are published, the [`fanout`] that
//! decides how stored messages and typing reach listeners, and the PostgreSQL [`cluster`]
//! transport between server instances.

pub mod cluster;
pub mod fanout;
pub mod frame;
pub mod hub;
pub mod stream_caps;
pub mod writer;
