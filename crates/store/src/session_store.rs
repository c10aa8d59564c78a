//! The [`SessionStore`] trait: per-session snapshots with compare-and-swap versions, plus transcripts.

use std::sync::Arc;

use crate::{Commit, IndexEntry, IndexOp, StoreError, Stored, Write};

/// Storage of sessions, shaped so a networked backend can replace the embedded one without touching the runtime.
///
/// Every session has a version (0 = absent). Writes and deletes are compare-and-swap on that version, so a
/// stale writer can never overwrite a newer state.
pub trait SessionStore: Send + Sync + 'static {
    /// The session's snapshot, or None if it has never been written (or was deleted).
    fn get(&self, session: &str) -> Result<Option<Stored>, StoreError>;

    /// Compare-and-swap write: succeeds only if the stored version equals `expected` (0 = must not exist);
    /// writes snapshot + appends transcript entries atomically; returns the new version (expected + 1).
    /// On mismatch returns [`StoreError::VersionConflict`] and writes nothing.
    fn put(&self, session: &str, expected: u64, commit: Commit) -> Result<u64, StoreError>;

    /// CAS delete of the snapshot and the session's transcript (same version rule; deleting an absent session
    /// with expected 0 is Ok).
    fn delete(&self, session: &str, expected: u64) -> Result<(), StoreError>;

    /// Session ids starting with `prefix`, in byte order, starting strictly after `after` (None = from the
    /// start), at most `limit`.
    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;

    /// Transcript entries of a session with sequence numbers >= `from_seq` (seq starts at 0 and counts entries
    /// across all commits), at most `limit`, in order.
    fn transcript(
        &self,
        session: &str,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;

    /// Moves the session's snapshot bytes aside (kept for inspection under a quarantine key with `reason` and a
    /// time), so the next get() returns None; returns Ok even if absent. The transcript is kept, and its
    /// sequence numbers continue after the next write.
    fn quarantine(&self, session: &str, reason: &str) -> Result<(), StoreError>;

    /// Makes every write that returned before this call durable (sled: `Db::flush`). Blocking.
    fn flush(&self) -> Result<(), StoreError>;

    /// Small server-wide values (e.g. a generated secret): get.
    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Small server-wide values: put (overwrite).
    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;

    /// Exact number of stored sessions (quarantined ones are not counted); used by tests and `colloquy` stats.
    fn session_count(&self) -> Result<u64, StoreError>;

    /// Index entries whose key starts with `prefix`, in byte order, strictly after `after` (None = from the
    /// start of the prefix), at most `limit`.
    fn scan_index(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError>;

    /// Applies index changes atomically, outside any session commit (e.g. removing an orphaned entry).
    fn apply_index(&self, ops: Vec<IndexOp>) -> Result<(), StoreError>;

    /// Writes many sessions at once (the write-behind buffer's flush): each write is a compare-and-swap on
    /// its `expected` version and sets `version`; the writes that pass are applied in ONE atomic write.
    /// Returns one result per write, in order.
    fn put_many(&self, writes: &[Write]) -> Vec<Result<(), StoreError>>;
}

/// Forwards every method, so `Arc<dyn SessionStore>` (and `Arc<SledStore>`) is a store too.
impl<T: SessionStore + ?Sized> SessionStore for Arc<T> {
    fn get(&self, session: &str) -> Result<Option<Stored>, StoreError> {
        (**self).get(session)
    }

    fn put(&self, session: &str, expected: u64, commit: Commit) -> Result<u64, StoreError> {
        (**self).put(session, expected, commit)
    }

    fn delete(&self, session: &str, expected: u64) -> Result<(), StoreError> {
        (**self).delete(session, expected)
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        (**self).scan(prefix, after, limit)
    }

    fn transcript(
        &self,
        session: &str,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        (**self).transcript(session, from_seq, limit)
    }

    fn quarantine(&self, session: &str, reason: &str) -> Result<(), StoreError> {
        (**self).quarantine(session, reason)
    }

    fn flush(&self) -> Result<(), StoreError> {
        (**self).flush()
    }

    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get_meta(key)
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        (**self).put_meta(key, value)
    }

    fn session_count(&self) -> Result<u64, StoreError> {
        (**self).session_count()
    }

    fn scan_index(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError> {
        (**self).scan_index(prefix, after, limit)
    }

    fn apply_index(&self, ops: Vec<IndexOp>) -> Result<(), StoreError> {
        (**self).apply_index(ops)
    }

    fn put_many(&self, writes: &[Write]) -> Vec<Result<(), StoreError>> {
        (**self).put_many(writes)
    }
}
