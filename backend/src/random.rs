//! Unguessable identifiers from the operating system's CSPRNG (through `rand`'s thread RNG,
//! a ChaCha CSPRNG seeded and periodically reseeded from the OS).

use domain::input::{is_url_safe, URL_SAFE_ALPHABET};
use domain::{ClientId, HashKey};
use rand::{Rng, RngCore};

/// Symbols in a session token: 43 × 6 = 258 random bits.
pub const TOKEN_LEN: usize = 43;

/// A fresh share-link key (96 random bits).
pub fn new_hash_key() -> HashKey {
    let mut bytes = [0_u8; HashKey::LEN];
    rand::rng().fill_bytes(&mut bytes);
    HashKey::from_random_bytes(bytes)
}

/// A fresh message id for a form rendered without JavaScript (128 random bits).
pub fn new_client_id() -> ClientId {
    let mut bytes = [0_u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    ClientId::from_random_bytes(bytes)
}

/// Symbols in a browser id: 22 × 6 = 132 random bits.
pub const BROWSER_ID_LEN: usize = 22;

/// A fresh browser id (132 random bits).
pub fn new_browser_id() -> String {
    random_symbols(BROWSER_ID_LEN)
}

/// Whether `id` has the shape of a browser id we make (so junk is never stored or compared).
pub fn is_browser_id(id: &str) -> bool {
    id.len() == BROWSER_ID_LEN && id.bytes().all(is_url_safe)
}

/// A fresh session token (258 random bits).
pub fn new_session_token() -> String {
    random_symbols(TOKEN_LEN)
}

fn random_symbols(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(URL_SAFE_ALPHABET[rng.random_range(0..URL_SAFE_ALPHABET.len())]))
        .collect()
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
        assert_ne!(token, new_session_token());
        let browser = new_browser_id();
        assert!(is_browser_id(&browser));
        assert!(!is_browser_id(&token));
        assert!(!is_browser_id("!!!!!!!!!!!!!!!!!!!!!!"));
    }
}
