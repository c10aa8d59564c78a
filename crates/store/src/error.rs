//! [`StoreError`]: what can go wrong in a store, and what to do about it.

use std::path::PathBuf;

/// Every failure of a [`SessionStore`](crate::SessionStore) operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A compare-and-swap write or delete found another version than the caller expected; nothing was written.
    #[error(
        "session {session:?} was changed by another writer (expected version {expected}, found {actual}); \
         nothing was written: reload the session and retry the turn"
    )]
    VersionConflict {
        /// The session id.
        session: String,
        /// The version the caller expected (0 = must not exist).
        expected: u64,
        /// The version actually stored (0 = absent).
        actual: u64,
    },
    /// Bytes stored for a session are not in this store's format.
    #[error(
        "session {session:?} is stored in an unreadable format ({detail}); quarantine it \
         (SessionStore::quarantine) so it starts afresh, and keep the quarantined bytes for a bug report"
    )]
    Corrupt {
        /// The session id.
        session: String,
        /// What is wrong with the stored bytes.
        detail: String,
    },
    /// The storage backend failed (I/O or an internal backend error).
    #[error(
        "the session store failed: {0}; check free disk space and the permissions of the data directory"
    )]
    Backend(String),
    /// The on-disk store could not be opened.
    #[error(
        "could not open the session store at {}: {source}; check the directory exists and is writable, \
         and that no other colloquy process is using it",
        path.display()
    )]
    Open {
        /// The data directory given to [`SledStore::open`](crate::SledStore::open).
        path: PathBuf,
        /// What sled reported.
        source: sled::Error,
    },
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        StoreError::Backend(error.to_string())
    }
}
