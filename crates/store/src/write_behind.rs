//! [`WriteBehind`]: a [`SessionStore`] in front of another that buffers commits in memory and writes them
//! in batches — one atomic [`SessionStore::put_many`] per flush, with each session's commits since the last
//! flush merged into one write (its latest snapshot, all its transcript entries, all its index changes).
//!
//! Why: one sled write per turn caps a server at about 30,000 commits/s on two cores (measured by
//! `examples/put_bench.rs`), below what the runtime can process. Batching keeps every guarantee the runtime
//! relies on:
//! - compare-and-swap versions are checked here, against the latest buffered version, when `put` is called;
//! - reads see the buffer: `get` returns the buffered snapshot, `scan_index` lays the buffered index
//!   changes (of commits and of `apply_index`) over the stored ones; `scan`, `session_count` and a buffered session's `transcript` write
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

/// A sensible bound on buffered bytes for a server (what `colloquy run` uses).
pub const DEFAULT_MAX_PENDING_BYTES: usize = 64 * 1024 * 1024;

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
    /// Index changes with their buffer-wide sequence numbers (their order against `apply_index` calls).
    index: Vec<(u64, IndexOp)>,
    /// What these changes added to `pending_bytes` (subtracted exactly once they are written).
    bytes: usize,
}

/// Changes taken out of the buffer: transcript entries, index changes with sequence numbers, bytes.
type Changes = (Vec<Vec<u8>>, Vec<(u64, IndexOp)>, usize);

/// The write-behind buffer. Create with [`WriteBehind::start`].
pub struct WriteBehind {
    inner: Arc<dyn SessionStore>,
    shards: Box<[Mutex<HashMap<String, Entry>>]>,
    pending_bytes: AtomicUsize,
    max_pending_bytes: usize,
    /// One flush at a time: a flush must finish before the next one computes its `expected` versions.
    flushing: Mutex<()>,
    /// Index changes outside any session commit (`apply_index`), with their sequence numbers.
    loose: Mutex<Vec<(u64, IndexOp)>>,
    /// Orders every buffered index change (commits' and loose ones): for each key the latest wins.
    seq: std::sync::atomic::AtomicU64,
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
            loose: Mutex::new(Vec::new()),
            seq: std::sync::atomic::AtomicU64::new(0),
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
        let added = weight(&commit.transcript, &commit.index);
        self.pending_bytes.fetch_add(added, Ordering::Relaxed);
        entry.version += 1;
        entry.snapshot = commit.snapshot;
        let base = entry.version - 1;
        let dirty = entry.dirty.get_or_insert_with(|| Dirty {
            base,
            transcript: Vec::new(),
            index: Vec::new(),
            bytes: 0,
        });
        dirty.bytes += added;
        dirty.transcript.extend(commit.transcript);
        dirty
            .index
            .extend(commit.index.into_iter().map(|op| (self.next_seq(), op)));
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Puts changes that could not be written back in front of any that arrived since.
    fn restore(&self, session: &str, base: u64, changes: Changes) {
        let (transcript, index, bytes) = changes;
        let mut map = self.shard(session);
        if let Some(entry) = map.get_mut(session) {
            let mut dirty = Dirty {
                base,
                transcript,
                index,
                bytes,
            };
            if let Some(newer) = entry.dirty.take() {
                dirty.transcript.extend(newer.transcript);
                dirty.index.extend(newer.index);
                dirty.bytes += newer.bytes;
            }
            entry.dirty = Some(dirty);
        } else {
            // The entry is gone (deleted meanwhile): its bytes are no longer pending.
            self.release(bytes);
        }
    }

    /// Subtracts written (or dropped) bytes from the pending count.
    fn release(&self, bytes: usize) {
        let _ = self
            .pending_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                Some(p.saturating_sub(bytes))
            });
    }

    /// Writes everything buffered to the inner store (not flushed: see [`SessionStore::flush`]).
    pub fn write_pending(&self) -> Result<(), StoreError> {
        let _one = self.flushing.lock().unwrap_or_else(PoisonError::into_inner);
        let loose = std::mem::take(&mut *self.loose.lock().unwrap_or_else(PoisonError::into_inner));
        // (session, base, version, snapshot, transcript, index with sequence numbers)
        let mut taken = Vec::new();
        for shard in self.shards.iter() {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, entry) in map.iter_mut() {
                if let Some(d) = entry.dirty.take() {
                    taken.push((
                        id.clone(),
                        d.base,
                        entry.version,
                        entry.snapshot.clone(),
                        d.transcript,
                        d.index,
                        d.bytes,
                    ));
                }
            }
        }
        if loose.is_empty() && taken.is_empty() {
            return Ok(());
        }
        // For each key, the latest change (and whether it is a loose one) decides.
        let mut latest: HashMap<Vec<u8>, (u64, bool)> = HashMap::new();
        let mut note = |op: &IndexOp, seq: u64, is_loose: bool| {
            let slot = latest.entry(op_key(op).to_vec()).or_insert((seq, is_loose));
            if seq >= slot.0 {
                *slot = (seq, is_loose);
            }
        };
        for (seq, op) in &loose {
            note(op, *seq, true);
        }
        for t in &taken {
            for (seq, op) in &t.5 {
                note(op, *seq, false);
            }
        }
        let final_loose: Vec<IndexOp> = loose
            .iter()
            .filter(|(seq, op)| latest.get(op_key(op)) == Some(&(*seq, true)))
            .map(|(_, op)| op.clone())
            .collect();
        if !final_loose.is_empty()
            && let Err(e) = self.inner.apply_index(final_loose)
        {
            let mut kept = self.loose.lock().unwrap_or_else(PoisonError::into_inner);
            let newer = std::mem::replace(&mut *kept, loose);
            kept.extend(newer);
            drop(kept);
            for (session, base, _, _, transcript, index, bytes) in taken {
                self.restore(&session, base, (transcript, index, bytes));
            }
            return Err(e);
        }
        self.release(loose.len() * 64);
        // A session's change to a key that a later loose change overrode is not written.
        let mut kept_index = Vec::with_capacity(taken.len());
        let writes: Vec<Write> = taken
            .into_iter()
            .map(
                |(session, base, version, snapshot, transcript, index, bytes)| {
                    let index: Vec<(u64, IndexOp)> = index
                        .into_iter()
                        .filter(|(_, op)| {
                            latest.get(op_key(op)).is_none_or(|(_, is_loose)| !is_loose)
                        })
                        .collect();
                    let ops = index.iter().map(|(_, op)| op.clone()).collect();
                    kept_index.push((index, bytes));
                    Write {
                        session,
                        expected: base,
                        version,
                        commit: Commit {
                            snapshot,
                            transcript,
                            index: ops,
                        },
                    }
                },
            )
            .collect();
        if writes.is_empty() {
            return Ok(());
        }
        let results = self.inner.put_many(&writes);
        let mut first_error = None;
        for ((write, result), (index, bytes)) in writes.into_iter().zip(results).zip(kept_index) {
            match result {
                // Written: no longer pending; drop the entry unless newer commits arrived meanwhile.
                Ok(()) => {
                    self.release(bytes);
                    let mut map = self.shard(&write.session);
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
                    self.restore(
                        &write.session,
                        write.expected,
                        (write.commit.transcript, index, bytes),
                    );
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
        // Every buffered change in the range, applied in the order they were made.
        let mut changes: Vec<(u64, IndexOp)> = self
            .loose
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, op)| in_range(op_key(op)))
            .cloned()
            .collect();
        for shard in self.shards.iter() {
            let map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for dirty in map.values().filter_map(|e| e.dirty.as_ref()) {
                changes.extend(
                    dirty
                        .index
                        .iter()
                        .filter(|(_, op)| in_range(op_key(op)))
                        .cloned(),
                );
            }
        }
        changes.sort_by_key(|(seq, _)| *seq);
        let mut overlay: std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>> =
            std::collections::BTreeMap::new();
        for (_, op) in changes {
            match op {
                IndexOp::Put { key, value } => overlay.insert(key, Some(value)),
                IndexOp::Remove { key } => overlay.insert(key, None),
            };
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
        // Buffered like commits (no batch write on the caller's thread); scans see them at once.
        self.pending_bytes
            .fetch_add(ops.len() * 64, Ordering::Relaxed);
        let mut loose = self.loose.lock().unwrap_or_else(PoisonError::into_inner);
        loose.extend(ops.into_iter().map(|op| (self.next_seq(), op)));
        Ok(())
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

/// The key an index change touches.
fn op_key(op: &IndexOp) -> &[u8] {
    match op {
        IndexOp::Put { key, .. } | IndexOp::Remove { key } => key,
    }
}
