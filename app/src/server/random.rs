//! Unguessable identifiers from the operating system's CSPRNG (through `rand`'s thread RNG,
//! a ChaCha CSPRNG seeded and periodically reseeded from the OS).

use crate::domain::{HashKey, URL_SAFE_ALPHABET};
use rand::Rng;

/// Symbols in a session token: 43 × 6 = 258 random bits.
pub const TOKEN_LEN: usize = 43;

fn url_safe_symbols(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(URL_SAFE_ALPHABET[rng.random_range(0..URL_SAFE_ALPHABET.len())]))
        .collect()
}

/// A fresh share-link key (96 random bits).
pub fn new_hash_key() -> HashKey {
    HashKey::from_generated(url_safe_symbols(HashKey::LEN))
}

/// A fresh session token (258 random bits).
pub fn new_session_token() -> String {
    url_safe_symbols(TOKEN_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_do_not_repeat() {
        let a = new_hash_key();
        let b = new_hash_key();
        assert_ne!(a, b);
        assert_eq!(HashKey::parse(a.as_str()), Ok(a));
        let token = new_session_token();
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.bytes().all(|c| URL_SAFE_ALPHABET.contains(&c)));
    }
}
