//! Who people are: sessions (a random token in a cookie), the usernames they claim, the key
//! that decides when two names are the same, passphrases, and logging in.

pub mod claims;
pub mod cookies;
pub mod login;
pub mod name_key;
pub mod passphrase_hash;
pub mod session_cache;
pub mod sessions;
