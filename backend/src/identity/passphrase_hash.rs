//! Passphrases are stored only as argon2id hashes (a fresh random salt each, the crate's
//! recommended cost: 19 MiB, 2 passes). Hashing takes tens of milliseconds on purpose, so it
//! runs on the blocking pool, never on the async workers, and only a few at a time in the whole
//! process: however many clients ask, hashing holds at most [`AT_ONCE`] × 19 MiB, and a request
//! that cannot start within [`MAX_WAIT`] is told the server is busy.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::Passphrase;
use rand::RngCore;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Hashes computed at the same time, in the whole process.
pub const AT_ONCE: usize = 4;
/// How long a request waits for its turn before it is refused as busy.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

static HASHING: Semaphore = Semaphore::const_new(AT_ONCE);

/// Why a passphrase could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many passphrases are being hashed; nothing was done, a retry may pass.
    #[error("too many passphrases are being checked right now")]
    Busy,
    /// Hashing failed (never expected; reported as an internal error).
    #[error("could not hash the passphrase: {0}")]
    Failed(String),
}

/// Waits for a turn to hash, at most [`MAX_WAIT`].
async fn turn() -> Result<SemaphorePermit<'static>, HashError> {
    match tokio::time::timeout(MAX_WAIT, HASHING.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(HashError::Busy),
    }
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) to store for `passphrase`.
pub async fn hash(passphrase: Passphrase) -> Result<String, HashError> {
    let _turn = turn().await?;
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
    tokio::task::spawn_blocking(move || {
        let mut salt = [0_u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| failed(&e))?;
        Argon2::default()
            .hash_password(passphrase.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| failed(&e))
    })
    .await
    .map_err(|e| failed(&e))?
}

/// Whether `passphrase` is the one `stored` was made from (a malformed `stored` never matches).
pub async fn verify(passphrase: Passphrase, stored: String) -> Result<bool, HashError> {
    let _turn = turn().await?;
    let checked = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(passphrase.expose().as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await;
    checked.map_err(|e| HashError::Failed(e.to_string()))
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
        assert!(verify(pass("correct horse"), first.clone()).await.unwrap());
        assert!(!verify(pass("correct horsE"), first).await.unwrap());
        assert!(!verify(pass("correct horse"), "not a hash".into())
            .await
            .unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_a_few_hash_at_once_and_the_rest_wait_their_turn() {
        let mut running = tokio::task::JoinSet::new();
        for i in 0..AT_ONCE * 3 {
            running.spawn(hash(pass(&format!("passphrase {i}"))));
        }
        let mut most = 0;
        while !running.is_empty() {
            most = most.max(AT_ONCE - HASHING.available_permits());
            if let Some(done) = running.try_join_next() {
                assert!(done.unwrap().is_ok());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(most <= AT_ONCE, "{most} at once");
        assert!(most > 0);
    }
}
