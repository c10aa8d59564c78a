//! [`MemoryStore`]: the in-memory backend, one mutex around plain maps. Same semantics as the sled backend.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::{Commit, IndexEntry, IndexOp, SessionStore, StoreError, Stored, Write};

/// An in-memory [`SessionStore`]: nothing survives the process. For tests and ephemeral servers.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

/// Everything the store holds, guarded by one lock so every operation is atomic.
#[derive(Debug, Default)]
struct Inner {
    /// Live sessions by id (a `BTreeMap` of `String` iterates in byte order).
    sessions: BTreeMap<String, Stored>,
    /// Full transcript per session; an entry's index is its sequence number. Survives quarantine.
    transcripts: HashMap<String, Vec<Vec<u8>>>,
    /// Snapshots moved aside by `quarantine`, oldest first.
    quarantined: Vec<Quarantined>,
    /// Server-wide values.
    meta: HashMap<String, Vec<u8>>,
    /// The secondary index, sorted by key.
    index: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Inner {
    /// Stores a commit that passed its version check.
    fn write(&mut self, session: &str, version: u64, commit: Commit) {
        self.sessions.insert(
            session.to_owned(),
            Stored {
                version,
                snapshot: commit.snapshot,
            },
        );
        if !commit.transcript.is_empty() {
            self.transcripts
                .entry(session.to_owned())
                .or_default()
                .extend(commit.transcript);
        }
        self.apply(commit.index);
    }

    /// Applies index changes in order.
    fn apply(&mut self, ops: Vec<IndexOp>) {
        for op in ops {
            match op {
                IndexOp::Put { key, value } => {
                    self.index.insert(key, value);
                }
                IndexOp::Remove { key } => {
                    self.index.remove(&key);
                }
            }
        }
    }
}

/// A snapshot moved aside by [`SessionStore::quarantine`]. Never read back: it is there for inspection (e.g. in
/// a debugger or the `Debug` output of the store).
#[derive(Debug)]
#[allow(dead_code)]
struct Quarantined {
    /// The session id.
    session: String,
    /// Why it was moved aside.
    reason: String,
    /// When it was moved aside.
    at: SystemTime,
    /// The snapshot bytes as they were stored.
    snapshot: Vec<u8>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Locks the maps. A panic in another thread cannot leave them half-written (every mutation is a few
    /// infallible map operations), so a poisoned lock is simply taken over.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// The stored version of `session` (0 = absent), or a conflict error if it is not `expected`.
    fn check_version(&self, session: &str, expected: u64) -> Result<(), StoreError> {
        let actual = self
            .sessions
            .get(session)
            .map_or(0, |stored| stored.version);
        if actual == expected {
            Ok(())
        } else {
            Err(StoreError::VersionConflict {
                session: session.to_owned(),
                expected,
                actual,
            })
        }
    }
}

impl SessionStore for MemoryStore {
    fn get(&self, session: &str) -> Result<Option<Stored>, StoreError> {
        Ok(self.lock().sessions.get(session).cloned())
    }

    fn put(&self, session: &str, expected: u64, commit: Commit) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        inner.check_version(session, expected)?;
        let version = expected.saturating_add(1);
        inner.write(session, version, commit);
        Ok(version)
    }

    fn put_many(&self, writes: &[Write]) -> Vec<Result<(), StoreError>> {
        let mut inner = self.lock();
        let mut seen = std::collections::HashSet::new();
        writes
            .iter()
            .map(|w| {
                if !seen.insert(w.session.as_str()) {
                    return Err(StoreError::Backend(format!(
                        "session {:?} appears twice in one put_many",
                        w.session
                    )));
                }
                inner.check_version(&w.session, w.expected)?;
                inner.write(&w.session, w.version, w.commit.clone());
                Ok(())
            })
            .collect()
    }

    fn delete(&self, session: &str, expected: u64) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_version(session, expected)?;
        inner.sessions.remove(session);
        inner.transcripts.remove(session);
        Ok(())
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let inner = self.lock();
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        Ok(inner
            .sessions
            .range::<str, _>((start, Bound::Unbounded))
            .map(|(id, _)| id)
            .take_while(|id| id.starts_with(prefix))
            .take(limit)
            .cloned()
            .collect())
    }

    fn transcript(
        &self,
        session: &str,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let inner = self.lock();
        let Some(entries) = inner.transcripts.get(session) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(from_seq).unwrap_or(usize::MAX);
        Ok(entries
            .iter()
            .zip(0u64..)
            .skip(skip)
            .take(limit)
            .map(|(entry, seq)| (seq, entry.clone()))
            .collect())
    }

    fn quarantine(&self, session: &str, reason: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(stored) = inner.sessions.remove(session) {
            tracing::warn!(session, reason, "session snapshot quarantined");
            inner.quarantined.push(Quarantined {
                session: session.to_owned(),
                reason: reason.to_owned(),
                at: SystemTime::now(),
                snapshot: stored.snapshot,
            });
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().meta.get(key).cloned())
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.lock().meta.insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn session_count(&self) -> Result<u64, StoreError> {
        Ok(u64::try_from(self.lock().sessions.len()).unwrap_or(u64::MAX))
    }

    fn scan_index(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError> {
        let inner = self.lock();
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after.to_vec()),
            _ => Bound::Included(prefix.to_vec()),
        };
        Ok(inner
            .index
            .range((start, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply_index(&self, ops: Vec<IndexOp>) -> Result<(), StoreError> {
        self.lock().apply(ops);
        Ok(())
    }
}
