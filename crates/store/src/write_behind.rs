//! [`WriteBehind`]: a [`SessionStore`] in front of another that buffers commits in memory and writes them
//! in batches — one atomic [`SessionStore::put_many`] per flush, with each session's commits since the last
//! flush merged into one write (its latest snapshot, all its transcript entries, all its index changes).
//!
//! Why: one sled write per turn caps a server at about 30,000 commits/s on two cores (measured by
//! `examples/put_bench.rs`), below what the runtime can process. Batching keeps every guarantee the runtime
//! relies on:
//! - compare-and-swap versions are checked here, against the latest buffered version, when `put` is called;
//! - reads see the buffer: `get` returns the buffered snapshot, `scan_index` lays the buffered index
//!   changes over the stored ones; `scan`, `session_count` and a buffered session's `transcript` write
//!   the buffer first;
//! - durability: `flush()` writes the buffer and then flushes the inner store, so `per_turn` durability
//!   (group commit calls `flush()` before replying) is unchanged; with `interval` durability the background
//!   thread does the same every interval, so a crash loses at most the last interval's turns (plus the
//!   time one flush takes), as documented in `docs/durability.md`.
//!
//! Memory is bounded: when the buffered bytes pass `max_pending_bytes`, the `put` that crossed the line
//! flushes the buffer itself before returning.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use crate::{Commit, IndexEntry, IndexOp, SessionStore, StoreError, Stored, Write};

/// Buffer shards (by session id hash), so writers on different sessions rarely wait for each other.
const SHARDS: usize = 16;

/// A session's latest state in the buffer.
#[derive(Debug)]
struct Entry {
    /// Latest version handed out by `put`.
    version: u64,
    /// Latest snapshot (what `get` returns).
    snapshot: Vec<u8>,
    /// Changes not yet handed to the inner store; None while the latest version is being written (or has
    /// been written and the entry not yet dropped).
    dirty: Option<Dirty>,
}

/// Commits merged since the last flush.
#[derive(Debug)]
struct Dirty {
    /// The inner store's version these changes replace.
    base: u64,
    transcript: Vec<Vec<u8>>,
    index: Vec<IndexOp>,
}

/// The write-behind buffer. Create with [`WriteBehind::start`].
pub struct WriteBehind {
    inner: Arc<dyn SessionStore>,
    shards: Box<[Mutex<HashMap<String, Entry>>]>,
    pending_bytes: AtomicUsize,
    max_pending_bytes: usize,
    /// One flush at a time: a flush must finish before the next one computes its `expected` versions.
    flushing: Mutex<()>,
    stop: Arc<(Mutex<bool>, Condvar)>,
}

impl std::fmt::Debug for WriteBehind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBehind")
            .field("pending_bytes", &self.pending_bytes())
            .field("max_pending_bytes", &self.max_pending_bytes)
            .finish()
    }
}

impl WriteBehind {
    /// Wraps `inner`. With `every`, a background thread flushes (buffer, then the inner store) at that
    /// period; without, only explicit `flush()` calls do (e.g. the runtime's group commit).
    pub fn start(
        inner: Arc<dyn SessionStore>,
        every: Option<Duration>,
        max_pending_bytes: usize,
    ) -> std::io::Result<Arc<Self>> {
        let store = Arc::new(WriteBehind {
            inner,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            pending_bytes: AtomicUsize::new(0),
            max_pending_bytes,
            flushing: Mutex::new(()),
            stop: Arc::new((Mutex::new(false), Condvar::new())),
        });
        if let Some(every) = every {
            let weak = Arc::downgrade(&store);
            let stop = store.stop.clone();
            std::thread::Builder::new()
                .name("colloquy-write-behind".into())
                .spawn(move || background(&weak, &stop, every))?;
        }
        Ok(store)
    }

    fn shard(&self, session: &str) -> MutexGuard<'_, HashMap<String, Entry>> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        session.hash(&mut hasher);
        self.shards[(hasher.finish() as usize) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes waiting to be written.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes.load(Ordering::Relaxed)
    }

    /// Merges `commit` into `entry` (whose version was checked).
    fn merge(&self, entry: &mut Entry, commit: Commit) {
        self.pending_bytes
            .fetch_add(weight(&commit.transcript, &commit.index), Ordering::Relaxed);
        entry.version += 1;
        entry.snapshot = commit.snapshot;
        let base = entry.version - 1;
        let dirty = entry.dirty.get_or_insert_with(|| Dirty {
            base,
            transcript: Vec::new(),
            index: Vec::new(),
        });
        dirty.transcript.extend(commit.transcript);
        dirty.index.extend(commit.index);
    }

    /// Writes everything buffered to the inner store (not flushed: see [`SessionStore::flush`]).
    pub fn write_pending(&self) -> Result<(), StoreError> {
        let _one = self.flushing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut writes = Vec::new();
        for shard in self.shards.iter() {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, entry) in map.iter_mut() {
                if let Some(d) = entry.dirty.take() {
                    writes.push(Write {
                        session: id.clone(),
                        expected: d.base,
                        version: entry.version,
                        commit: Commit {
                            snapshot: entry.snapshot.clone(),
                            transcript: d.transcript,
                            index: d.index,
                        },
                    });
                }
            }
        }
        if writes.is_empty() {
            return Ok(());
        }
        let results = self.inner.put_many(&writes);
        let mut first_error = None;
        for (write, result) in writes.into_iter().zip(results) {
            let mut map = self.shard(&write.session);
            match result {
                // Written: no longer pending; drop the entry unless newer commits arrived meanwhile.
                Ok(()) => {
                    self.pending_bytes.fetch_sub(
                        weight(&write.commit.transcript, &write.commit.index)
                            .min(self.pending_bytes.load(Ordering::Relaxed)),
                        Ordering::Relaxed,
                    );
                    if map
                        .get(&write.session)
                        .is_some_and(|e| e.dirty.is_none() && e.version == write.version)
                    {
                        map.remove(&write.session);
                    }
                }
                // Not written (including a version conflict, which means the inner store changed behind
                // this buffer's back): nothing is dropped; the error is reported to whoever flushes
                // (group commit answers "unavailable" instead of "durable").
                Err(e) => {
                    tracing::error!(session = %write.session, error = %e, "buffered commits not written; kept for the next flush");
                    // Keep the changes for the next flush, before any that arrived since.
                    if let Some(entry) = map.get_mut(&write.session) {
                        let mut dirty = Dirty {
                            base: write.expected,
                            transcript: write.commit.transcript,
                            index: write.commit.index,
                        };
                        if let Some(newer) = entry.dirty.take() {
                            dirty.transcript.extend(newer.transcript);
                            dirty.index.extend(newer.index);
                        }
                        entry.dirty = Some(dirty);
                    }
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// True if `session` has an entry in the buffer.
    fn buffered(&self, session: &str) -> bool {
        self.shard(session).contains_key(session)
    }
}

/// The background flusher: every `every`, write the buffer and flush the inner store, until the store is
/// dropped or stopped.
fn background(store: &Weak<WriteBehind>, stop: &(Mutex<bool>, Condvar), every: Duration) {
    loop {
        let stopped = {
            let guard = stop.0.lock().unwrap_or_else(PoisonError::into_inner);
            let (guard, _) = stop
                .1
                .wait_timeout_while(guard, every, |s| !*s)
                .unwrap_or_else(PoisonError::into_inner);
            *guard
        };
        let Some(store) = store.upgrade() else { return };
        if let Err(e) = store.flush() {
            tracing::error!(error = %e, "background flush of buffered turns failed; retrying");
        }
        if stopped {
            return;
        }
    }
}

impl Drop for WriteBehind {
    fn drop(&mut self) {
        let (lock, cv) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cv.notify_all();
        if let Err(e) = self.write_pending().and_then(|()| self.inner.flush()) {
            tracing::error!(error = %e, "buffered turns not written at shutdown");
        }
    }
}

impl SessionStore for WriteBehind {
    fn get(&self, session: &str) -> Result<Option<Stored>, StoreError> {
        if let Some(e) = self.shard(session).get(session) {
            return Ok(Some(Stored {
                version: e.version,
                snapshot: e.snapshot.clone(),
            }));
        }
        self.inner.get(session)
    }

    fn put(&self, session: &str, expected: u64, commit: Commit) -> Result<u64, StoreError> {
        self.make_room()?;
        let conflict = |actual| StoreError::VersionConflict {
            session: session.to_owned(),
            expected,
            actual,
        };
        {
            let mut map = self.shard(session);
            if let Some(entry) = map.get_mut(session) {
                if entry.version != expected {
                    return Err(conflict(entry.version));
                }
                self.merge(entry, commit);
                return Ok(expected + 1);
            }
        }
        // Not buffered: the stored version decides (read outside the shard lock).
        let stored = self.inner.get(session)?.map_or(0, |s| s.version);
        if stored != expected {
            return Err(conflict(stored));
        }
        let mut map = self.shard(session);
        let entry = map.entry(session.to_owned()).or_insert_with(|| Entry {
            version: stored,
            snapshot: Vec::new(),
            dirty: None,
        });
        if entry.version != expected {
            // Another writer of this session got in between.
            return Err(conflict(entry.version));
        }
        self.merge(entry, commit);
        Ok(expected + 1)
    }

    fn delete(&self, session: &str, expected: u64) -> Result<(), StoreError> {
        self.write_pending()?;
        self.inner.delete(session, expected)?;
        self.shard(session).remove(session);
        Ok(())
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.write_pending()?;
        self.inner.scan(prefix, after, limit)
    }

    fn transcript(
        &self,
        session: &str,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        if self.buffered(session) {
            self.write_pending()?;
        }
        self.inner.transcript(session, from_seq, limit)
    }

    fn quarantine(&self, session: &str, reason: &str) -> Result<(), StoreError> {
        self.write_pending()?;
        self.shard(session).remove(session);
        self.inner.quarantine(session, reason)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.write_pending()?;
        self.inner.flush()
    }

    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_meta(key)
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.inner.put_meta(key, value)
    }

    fn session_count(&self) -> Result<u64, StoreError> {
        self.write_pending()?;
        self.inner.session_count()
    }

    fn scan_index(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError> {
        // Not a flush (the timer sweep scans every second and must not stall on a batch write): the
        // inner store's entries with the buffered index changes laid over them. Holding `flushing` keeps
        // a batch from being half-way between the buffer and the inner store meanwhile.
        let _one = self.flushing.lock().unwrap_or_else(PoisonError::into_inner);
        let in_range = |key: &[u8]| key.starts_with(prefix) && after.is_none_or(|a| key > a);
        let mut overlay: std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>> =
            std::collections::BTreeMap::new();
        for shard in self.shards.iter() {
            let map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for dirty in map.values().filter_map(|e| e.dirty.as_ref()) {
                for op in &dirty.index {
                    match op {
                        IndexOp::Put { key, value } if in_range(key) => {
                            overlay.insert(key.clone(), Some(value.clone()));
                        }
                        IndexOp::Remove { key } if in_range(key) => {
                            overlay.insert(key.clone(), None);
                        }
                        _ => {}
                    }
                }
            }
        }
        if overlay.is_empty() {
            return self.inner.scan_index(prefix, after, limit);
        }
        let removals = overlay.values().filter(|v| v.is_none()).count();
        let asked = limit.saturating_add(removals);
        let stored = self.inner.scan_index(prefix, after, asked)?;
        // A full page ends at its last key: buffered entries beyond it belong to the next page.
        let end = (stored.len() == asked)
            .then(|| stored.last().map(|(k, _)| k.clone()))
            .flatten();
        let mut merged: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = stored.into_iter().collect();
        for (key, value) in overlay {
            if end.as_ref().is_some_and(|e| &key > e) {
                continue;
            }
            match value {
                Some(v) => {
                    merged.insert(key, v);
                }
                None => {
                    merged.remove(&key);
                }
            }
        }
        Ok(merged.into_iter().take(limit).collect())
    }

    fn apply_index(&self, ops: Vec<IndexOp>) -> Result<(), StoreError> {
        // After the buffered changes, so the order of index changes is kept.
        self.write_pending()?;
        self.inner.apply_index(ops)
    }

    fn put_many(&self, writes: &[Write]) -> Vec<Result<(), StoreError>> {
        if let Err(e) = self.write_pending() {
            let e = e.to_string();
            return writes
                .iter()
                .map(|_| Err(StoreError::Backend(e.clone())))
                .collect();
        }
        self.inner.put_many(writes)
    }
}

impl WriteBehind {
    /// Before a commit is merged: when the buffer is over its bound, write it; if that fails, the commit
    /// is refused (nothing merged), so memory stays bounded and no error follows an accepted commit.
    fn make_room(&self) -> Result<(), StoreError> {
        if self.pending_bytes.load(Ordering::Relaxed) > self.max_pending_bytes {
            self.write_pending()?;
        }
        Ok(())
    }
}

/// Bytes a write keeps buffered beyond its snapshot (counted towards the bound; snapshots are replaced,
/// not accumulated, so they are not counted).
fn weight(transcript: &[Vec<u8>], index: &[IndexOp]) -> usize {
    256 + transcript.iter().map(Vec::len).sum::<usize>() + index.len() * 64
}
