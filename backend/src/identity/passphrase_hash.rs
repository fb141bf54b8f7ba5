//! Passphrases are stored only as argon2id hashes (a fresh random salt each, the crate's
//! recommended cost: 19 MiB, 2 passes). Hashing takes tens of milliseconds on purpose, so it
//! runs on the blocking pool, never on the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::Passphrase;
use rand::RngCore;

/// Why a passphrase could not be hashed (never expected; reported as an internal error).
#[derive(Debug, thiserror::Error)]
#[error("could not hash the passphrase: {0}")]
pub struct HashError(String);

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) to store for `passphrase`.
pub async fn hash(passphrase: Passphrase) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0_u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
        Argon2::default()
            .hash_password(passphrase.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Whether `passphrase` is the one `stored` was made from (a malformed `stored` never matches).
pub async fn verify(passphrase: Passphrase, stored: String) -> bool {
    let checked = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(passphrase.expose().as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await;
    checked.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(raw: &str) -> Passphrase {
        Passphrase::parse_optional(Some(raw)).unwrap().unwrap()
    }

    #[tokio::test]
    async fn hashes_are_salted_argon2id_and_verify() {
        let first = hash(pass("correct horse")).await.unwrap();
        let second = hash(pass("correct horse")).await.unwrap();
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(!first.contains("correct horse"));
        assert!(verify(pass("correct horse"), first.clone()).await);
        assert!(!verify(pass("correct horsE"), first).await);
        assert!(!verify(pass("correct horse"), "not a hash".into()).await);
    }
}
