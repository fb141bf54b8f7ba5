//! Who owns a username. The first person to log in with a name claims it; while the claim holds,
//! only browser sessions that hold it, or someone with its passphrase, can use the name (or any
//! name sharing one of its [`name_keys`]). An unused claim is released: see [`release_after`].

use super::name_key::{name_key, name_keys};
use super::passphrase_hash::{self, HashError};
use crate::moderation::roles;
use crate::store::entities::{session, username_claim, username_key};
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
        /// Lapsed claims sharing a key with the name, to end first.
        lapsed: Vec<username_claim::Model>,
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

/// The claim named by `key` (the first of its name's keys), if any.
pub async fn find_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<username_claim::Model>, DbErr> {
    username_claim::Entity::find()
        .filter(username_claim::Column::NameKey.eq(key))
        .one(db)
        .await
}

/// The claims that own a name like `name`: any sharing one of its keys.
pub async fn find_matching(db: &impl ConnectionTrait, name: &Username) -> Result<Matching, DbErr> {
    let claim_ids: Vec<i32> = username_key::Entity::find()
        .filter(username_key::Column::Key.is_in(name_keys(name)))
        .all(db)
        .await?
        .into_iter()
        .map(|key| key.claim_id)
        .collect();
    let claims = if claim_ids.is_empty() {
        Vec::new()
    } else {
        username_claim::Entity::find()
            .filter(username_claim::Column::Id.is_in(claim_ids))
            .all(db)
            .await?
    };
    Ok(Matching {
        claims,
        key: name_key(name),
    })
}

/// The claims sharing a key with a name, as read before deciding.
#[derive(Debug, Clone)]
pub struct Matching {
    claims: Vec<username_claim::Model>,
    /// The key that names the name's own claim.
    key: String,
}

/// Who owns a name, as [`Matching::owner`] tells.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// Nobody (any claims sharing a key have lapsed).
    Nobody,
    /// This claim.
    Claim(&'a username_claim::Model),
    /// Several claims that only look like the name.
    Several,
}

impl Matching {
    /// Who owns the name now: the claim the browser holds, else the only one, else the one
    /// named by the very same key (names claimed before the keys grew may look alike).
    pub fn owner(&self, holder: Option<i32>, now: DateTime<Utc>) -> Owner<'_> {
        let live: Vec<&username_claim::Model> = self
            .claims
            .iter()
            .filter(|c| !is_released(c, now))
            .collect();
        if let Some(held) = live.iter().find(|c| Some(c.id) == holder) {
            return Owner::Claim(held);
        }
        match live.as_slice() {
            [] => Owner::Nobody,
            [only] => Owner::Claim(only),
            several => several
                .iter()
                .find(|c| c.name_key == self.key)
                .map_or(Owner::Several, |c| Owner::Claim(c)),
        }
    }

    fn lapsed(&self, now: DateTime<Utc>) -> Vec<username_claim::Model> {
        self.claims
            .iter()
            .filter(|c| is_released(c, now))
            .cloned()
            .collect()
    }
}

/// Decides whether a login as `name` may proceed. `holder` is the claim id the browser's current
/// session holds, if any; `matching` are the claims sharing a key with the name, read just
/// before.
pub async fn decide(
    name: &Username,
    passphrase: Option<Passphrase>,
    holder: Option<i32>,
    matching: &Matching,
    now: DateTime<Utc>,
) -> Result<Grant, ClaimError> {
    let hash_new = |passphrase: Option<Passphrase>| async move {
        match passphrase {
            Some(p) => passphrase_hash::hash(p).await.map(Some),
            None => Ok(None),
        }
    };
    let claim = match matching.owner(holder, now) {
        Owner::Claim(claim) => claim.clone(),
        Owner::Nobody => {
            return Ok(Grant::New {
                lapsed: matching.lapsed(now),
                passphrase_hash: hash_new(passphrase).await?,
            })
        }
        Owner::Several => return Err(ClaimError::Taken(name.to_string())),
    };
    let holds = holder == Some(claim.id);
    match (passphrase, claim.passphrase_hash.clone()) {
        (Some(given), Some(stored)) => {
            if passphrase_hash::verify(given, stored).await? {
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
            lapsed,
            passphrase_hash,
        } => {
            for old in lapsed {
                end_lapsed(db, &old, name, now).await?;
            }
            let row = username_claim::ActiveModel {
                name_key: Set(name_key(name)),
                name: Set(name.to_string()),
                passphrase_hash: Set(passphrase_hash),
                last_used_at: Set(now),
                ..Default::default()
            };
            let claim = row
                .insert(db)
                .await
                .map_err(|err| taken_if_unique(err, name))?;
            let keys = name_keys(name)
                .into_iter()
                .map(|key| username_key::ActiveModel {
                    key: Set(key),
                    claim_id: Set(claim.id),
                });
            username_key::Entity::insert_many(keys)
                .exec_without_returning(db)
                .await
                .map_err(|err| taken_if_unique(err, name))?;
            Ok(claim)
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

/// Ends a lapsed claim before its name (or a look-alike) is claimed anew, with the sessions
/// that still hold it and its keys; refuses if it was used meanwhile (a concurrent login).
async fn end_lapsed(
    db: &impl ConnectionTrait,
    old: &username_claim::Model,
    name: &Username,
    now: DateTime<Utc>,
) -> Result<(), ClaimError> {
    let cutoff = now - release_after(old.passphrase_hash.is_some());
    // Its roles go with it (copies of those rooms kept in memory are read again).
    roles::bump_rooms_of(db, &[old.id]).await?;
    let ended = username_claim::Entity::delete_many()
        .filter(username_claim::Column::Id.eq(old.id))
        .filter(username_claim::Column::LastUsedAt.lte(cutoff))
        .exec(db)
        .await?;
    if ended.rows_affected != 1 {
        return Err(ClaimError::Taken(name.to_string()));
    }
    forget_claims(db, vec![old.id]).await?;
    Ok(())
}

/// Ends the sessions holding these (deleted) claims and drops their keys. The keys would go
/// with the claims by cascade; deleting them here does not depend on foreign keys.
async fn forget_claims(db: &impl ConnectionTrait, ids: Vec<i32>) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::ClaimId.is_in(ids.clone()))
        .exec(db)
        .await?;
    username_key::Entity::delete_many()
        .filter(username_key::Column::ClaimId.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// A unique-key violation means someone claimed the same name (or a look-alike) a moment
/// earlier.
fn taken_if_unique(err: DbErr, name: &Username) -> ClaimError {
    if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        ClaimError::Taken(name.to_string())
    } else {
        err.into()
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
        roles::bump_rooms_of(db, &lapsed).await?;
        released += username_claim::Entity::delete_many()
            .filter(username_claim::Column::Id.is_in(lapsed.clone()))
            .exec(db)
            .await?
            .rows_affected;
        forget_claims(db, lapsed).await?;
    }
    Ok(released)
}
