//! The backend's error type: what went wrong underneath, sorted into what callers must tell
//! apart (retry later, or a fault of ours). Details go to the log, never to users.

use sea_orm::DbErr;

/// A failure of the storage or of a background task.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database cannot be reached right now; nothing was stored, a retry may succeed.
    #[error("the database is unreachable: {0}")]
    Unavailable(#[source] DbErr),
    /// Any other database fault.
    #[error("database error: {0}")]
    Database(#[source] DbErr),
    /// A background task this request needs has stopped.
    #[error("{0} has stopped")]
    TaskGone(&'static str),
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Error::Unavailable(err),
            err => Error::Database(err),
        }
    }
}

impl Error {
    /// Whether the same request may succeed if tried again shortly.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }

    /// Logs the error once, at the level it deserves.
    pub fn log(&self) {
        if self.is_transient() {
            tracing::warn!(error = %self, "database unreachable");
        } else {
            tracing::error!(error = %self, "backend failure");
        }
    }
}
