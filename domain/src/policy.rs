//! How long identities last, stated once for the server that enforces them and the pages that
//! explain them.

/// Days without any request after which a session expires (its user picks a name again).
pub const SESSION_IDLE_DAYS: i64 = 30;
/// Days a name without a passphrase stays claimed after any of its sessions was last used.
pub const RELEASE_DAYS_WITHOUT_PASSPHRASE: i64 = 30;
/// Days a name with a passphrase stays claimed after its last use.
pub const RELEASE_DAYS_WITH_PASSPHRASE: i64 = 365;
