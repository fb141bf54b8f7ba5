//! Who owns a username. The first person to log in with a name claims it; while the claim holds,
//! only browser sessions that hold it, or someone with its passphrase, can use the name (or any
//! name with the same [`name_key`]). An unused claim is released: see [`release_after`].

use super::name_key::name_key;
use super::passphrase_hash::{self, HashError};
use crate::store::entities::{session, username_claim};
use chrono::{DateTime, TimeDelta, Utc};
use domain::policy::{RELEASE_DAYS_WITHOUT_PASSPHRASE, RELEASE_DAYS_WITH_PASSPHRASE};
use domain::{Passphrase, Username};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};

/// How long after its last use a claim is released.
pub fn release_after(has_passphrase: bool) -> TimeDelta {
    TimeDelta::days(if has_passphrase {
        RELEASE_DAYS_WITH_PASSPHRASE
    } else {
        RELEASE_DAYS_WITHOUT_PASSPHRASE
    })
}

/// Whether `claim` has been unused long enough to be released at `now`.
pub fn is_released(claim: &username_claim::Model, now: DateTime<Utc>) -> bool {
    claim.last_used_at + release_after(claim.passphrase_hash.is_some()) <= now
}

/// Why a login could not take the name.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Someone else holds the name and it has no passphrase.
    #[error(
        "The name “{0}” is taken (or looks too much like a name that is). Please choose another."
    )]
    Taken(String),
    /// Someone holds the name and the login gave no passphrase.
    #[error("The name “{0}” is taken. If it is yours, enter its passphrase.")]
    NeedsPassphrase(String),
    /// The passphrase given does not match.
    #[error("Wrong passphrase for “{0}”.")]
    WrongPassphrase(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<DbErr> for ClaimError {
    fn from(err: DbErr) -> Self {
        ClaimError::Store(err.into())
    }
}

/// What a login may do with a name, decided before anything is written.
#[derive(Debug)]
pub enum Grant {
    /// Nobody holds the name (or its claim was released): claim it, with this passphrase hash.
    New {
        /// The lapsed claim to take over, if there was one.
        lapsed: Option<username_claim::Model>,
        /// The passphrase's hash, if one was given.
        passphrase_hash: Option<String>,
    },
    /// The login may use this existing claim; `set_passphrase_hash` adds a first passphrase.
    Existing {
        /// The claim.
        claim: username_claim::Model,
        /// A passphrase hash to store (the holder added one).
        set_passphrase_hash: Option<String>,
    },
}

/// The claim on `key`, if any.
pub async fn find_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<username_claim::Model>, DbErr> {
    username_claim::Entity::find()
        .filter(username_claim::Column::NameKey.eq(key))
        .one(db)
        .await
}

/// Decides whether a login as `name` may proceed. `holder` is the claim id the browser's current
/// session holds, if any; `existing` is the claim on the name's key as read just before.
pub async fn decide(
    name: &Username,
    passphrase: Option<Passphrase>,
    holder: Option<i32>,
    existing: Option<username_claim::Model>,
    now: DateTime<Utc>,
) -> Result<Grant, ClaimError> {
    let hash_new = |passphrase: Option<Passphrase>| async move {
        match passphrase {
            Some(p) => passphrase_hash::hash(p).await.map(Some),
            None => Ok(None),
        }
    };
    let claim = match existing {
        Some(claim) if !is_released(&claim, now) => claim,
        lapsed => {
            return Ok(Grant::New {
                lapsed,
                passphrase_hash: hash_new(passphrase).await?,
            })
        }
    };
    let holds = holder == Some(claim.id);
    match (passphrase, claim.passphrase_hash.clone()) {
        (Some(given), Some(stored)) => {
            if passphrase_hash::verify(given, stored).await {
                Ok(Grant::Existing {
                    claim,
                    set_passphrase_hash: None,
                })
            } else {
                Err(ClaimError::WrongPassphrase(name.to_string()))
            }
        }
        (given, None) if holds => Ok(Grant::Existing {
            claim,
            set_passphrase_hash: hash_new(given).await?,
        }),
        (None, Some(_)) if holds => Ok(Grant::Existing {
            claim,
            set_passphrase_hash: None,
        }),
        (None, Some(_)) => Err(ClaimError::NeedsPassphrase(name.to_string())),
        (_, None) => Err(ClaimError::Taken(name.to_string())),
    }
}

/// Writes what [`decide`] granted (inside the login's transaction) and returns the claim.
pub async fn apply(
    db: &impl ConnectionTrait,
    grant: Grant,
    name: &Username,
    now: DateTime<Utc>,
) -> Result<username_claim::Model, ClaimError> {
    match grant {
        Grant::New {
            lapsed: Some(old),
            passphrase_hash,
        } => {
            // Only if it is still lapsed: a concurrent login may have used it meanwhile.
            let cutoff = now - release_after(old.passphrase_hash.is_some());
            let updated = username_claim::Entity::update_many()
                .col_expr(username_claim::Column::Name, name.as_str().into())
                .col_expr(
                    username_claim::Column::PassphraseHash,
                    passphrase_hash.clone().into(),
                )
                .col_expr(username_claim::Column::LastUsedAt, now.into())
                .filter(username_claim::Column::Id.eq(old.id))
                .filter(username_claim::Column::LastUsedAt.lte(cutoff))
                .exec(db)
                .await?;
            if updated.rows_affected != 1 {
                return Err(ClaimError::Taken(name.to_string()));
            }
            // The previous owner's sessions (long idle) lose the name with the claim.
            session::Entity::delete_many()
                .filter(session::Column::ClaimId.eq(old.id))
                .exec(db)
                .await?;
            Ok(username_claim::Model {
                id: old.id,
                name_key: old.name_key,
                name: name.to_string(),
                passphrase_hash,
                last_used_at: now,
            })
        }
        Grant::New {
            lapsed: None,
            passphrase_hash,
        } => {
            let row = username_claim::ActiveModel {
                name_key: Set(name_key(name)),
                name: Set(name.to_string()),
                passphrase_hash: Set(passphrase_hash),
                last_used_at: Set(now),
                ..Default::default()
            };
            match row.insert(db).await {
                Ok(claim) => Ok(claim),
                // Someone claimed the same name a moment earlier.
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    Err(ClaimError::Taken(name.to_string()))
                }
                Err(err) => Err(err.into()),
            }
        }
        Grant::Existing {
            claim,
            set_passphrase_hash,
        } => {
            let mut row: username_claim::ActiveModel = claim.into();
            row.last_used_at = Set(now);
            if let Some(hash) = set_passphrase_hash {
                row.passphrase_hash = Set(Some(hash));
            }
            Ok(row.update(db).await?)
        }
    }
}

/// Marks the claim `id` as used at `now` (it stays claimed for another release period).
pub async fn touch(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<(), DbErr> {
    username_claim::Entity::update_many()
        .col_expr(username_claim::Column::LastUsedAt, now.into())
        .filter(username_claim::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes claims released at `now` and any session still holding them; returns how many.
pub async fn release_lapsed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut released = 0;
    for has_passphrase in [false, true] {
        let cutoff = now - release_after(has_passphrase);
        let filter = if has_passphrase {
            username_claim::Column::PassphraseHash.is_not_null()
        } else {
            username_claim::Column::PassphraseHash.is_null()
        };
        let lapsed: Vec<i32> = username_claim::Entity::find()
            .filter(filter)
            .filter(username_claim::Column::LastUsedAt.lte(cutoff))
            .all(db)
            .await?
            .into_iter()
            .map(|claim| claim.id)
            .collect();
        if lapsed.is_empty() {
            continue;
        }
        session::Entity::delete_many()
            .filter(session::Column::ClaimId.is_in(lapsed.clone()))
            .exec(db)
            .await?;
        released += username_claim::Entity::delete_many()
            .filter(username_claim::Column::Id.is_in(lapsed))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(released)
}
