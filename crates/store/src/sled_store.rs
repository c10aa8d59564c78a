//! [`SledStore`]: the embedded on-disk backend. Everything lives in one sled tree, keys tagged by kind
//! (details in the private `keys` and `record` modules):
//!
//! - `s` + id → format byte, version (u64 BE), snapshot; ids sort in byte order, so `scan` is a range read.
//! - `h` + id → next transcript seq; `t` + len(id) (u64 BE) + id + seq (u64 BE) → one transcript entry.
//! - `q` + len(id) + id + millis + unique id → a quarantined record with its reason; `m` + key → meta value.
//!
//! Each write is atomic: `put` is one `apply_batch` (snapshot + transcript entries + transcript head);
//! `delete` and `quarantine` are sled transactions. Isolation per session comes from a striped lock held
//! around "read the version, then write": sled locks its directory to one process, so within that process
//! the lock makes the version check and the write one compare-and-swap. (A sled transaction per `put`
//! gave the same guarantee at several times the cost: it was the server's bottleneck in the benchmarks.)

mod keys;
mod record;
#[cfg(test)]
mod tests;

use std::hash::{Hash, Hasher};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use crate::{Commit, IndexEntry, IndexOp, SessionStore, StoreError, Stored, Write};

/// Name of the sled tree holding everything; the suffix is the layout version.
const TREE: &[u8] = b"colloquy-store-v1";

/// A [`SessionStore`] in a sled database on disk.
///
/// A `put` costs O(size of its commit): it reads two keys and writes the record, the new entries and the
/// transcript head. sled 0.34.7 makes data durable with `pwrite` + `sync_file_range` (not `fsync`): after
/// [`SessionStore::flush`] writes survive a process kill, not necessarily a power loss.
#[derive(Debug, Clone)]
pub struct SledStore {
    /// The database (flushes, id generation, recovery flag).
    db: sled::Db,
    /// The tree with all keys.
    tree: sled::Tree,
    /// Per-session write locks, striped by a hash of the session id.
    stripes: Arc<[Mutex<()>]>,
}

/// sled's default page cache size.
pub const DEFAULT_CACHE_BYTES: u64 = 1024 * 1024 * 1024;

/// Number of write-lock stripes: enough that unrelated sessions rarely share one.
const STRIPES: usize = 256;

/// A transaction body's error: ours (aborts) or sled's (retried or reported).
type TxError = ConflictableTransactionError<StoreError>;

impl SledStore {
    /// Opens (creating) a store in `dir` with sled's default page cache (1 GiB). `flush_every_ms`: None
    /// disables sled's background flush (per-turn durability calls flush()), Some(ms) sets it.
    pub fn open(dir: &Path, flush_every_ms: Option<u64>) -> Result<Self, StoreError> {
        Self::open_with_cache(dir, flush_every_ms, DEFAULT_CACHE_BYTES)
    }

    /// [`SledStore::open`] with sled's page cache bounded to `cache_bytes` (sled's own accounting; the
    /// process's resident memory follows it under load).
    pub fn open_with_cache(
        dir: &Path,
        flush_every_ms: Option<u64>,
        cache_bytes: u64,
    ) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: dir.to_path_buf(),
            source,
        };
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(flush_every_ms)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(open_error)?;
        let tree = db.open_tree(TREE).map_err(open_error)?;
        let stripes = (0..STRIPES).map(|_| Mutex::new(())).collect();
        Ok(Self { db, tree, stripes })
    }

    /// True if sled recovered the database after an unclean shutdown.
    ///
    /// Precisely (sled 0.34.7 `Db::was_recovered`): true whenever `open` found an existing database in the
    /// directory and recovered it from its log, after a clean drop as well as after a crash; false if it
    /// created a new one. sled does not tell the two kinds of previous shutdown apart.
    pub fn was_recovered(&self) -> bool {
        self.db.was_recovered()
    }

    /// The tree, for tests that write bytes behind the store's back.
    #[cfg(test)]
    fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    /// The lock stripe of `session`.
    fn stripe(&self, session: &str) -> usize {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        session.hash(&mut hasher);
        (hasher.finish() as usize) % self.stripes.len()
    }

    /// Holds the write lock of `session`'s stripe.
    fn lock(&self, session: &str) -> MutexGuard<'_, ()> {
        self.stripes[self.stripe(session)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks `session`'s stored version against `expected` and adds the commit (record at `version`,
    /// the transcript entries as one chunk, the new head, the index changes) to `batch`. The caller holds
    /// the session's stripe lock until the batch is applied.
    fn add_write(
        &self,
        batch: &mut sled::Batch,
        session: &str,
        expected: u64,
        version: u64,
        commit: &Commit,
    ) -> Result<(), StoreError> {
        let key = keys::session(session);
        let actual = match self.tree.get(&key)? {
            None => 0,
            Some(value) => record::version(session, &value)?,
        };
        if actual != expected {
            return Err(StoreError::VersionConflict {
                session: session.to_owned(),
                expected,
                actual,
            });
        }
        // Every read and check before the first insert: a failed write adds nothing to the batch.
        let entries = commit.transcript.len() as u64;
        let head_key = keys::head(session);
        let first = if entries > 0 {
            match self.tree.get(&head_key)? {
                None => 0,
                Some(value) => record::decode_head(session, &value)?,
            }
        } else {
            0
        };
        batch.insert(key, record::encode(version, &commit.snapshot));
        if entries > 0 {
            // One key per write: its entries packed into a chunk keyed by the first entry's seq.
            let prefix = keys::transcript_prefix(session);
            batch.insert(
                keys::transcript(&prefix, first),
                record::encode_chunk(&commit.transcript),
            );
            batch.insert(head_key, &record::encode_head(first + entries)[..]);
        }
        add_index_ops(batch, &commit.index);
        Ok(())
    }

    /// Runs `body` as one transaction on the tree, turning its errors into [`StoreError`].
    fn transact<T>(
        &self,
        body: impl Fn(&TransactionalTree) -> Result<T, TxError>,
    ) -> Result<T, StoreError> {
        self.tree.transaction(body).map_err(|error| match error {
            TransactionError::Abort(error) => error,
            TransactionError::Storage(error) => error.into(),
        })
    }
}

/// The stored version of `session` inside a transaction (0 = absent), or a conflict if it is not `expected`.
fn check_version(
    tx: &TransactionalTree,
    session: &str,
    key: &[u8],
    expected: u64,
) -> Result<(), TxError> {
    let actual = match tx.get(key)? {
        None => 0,
        Some(value) => record::version(session, &value).map_err(TxError::Abort)?,
    };
    if actual == expected {
        Ok(())
    } else {
        Err(TxError::Abort(StoreError::VersionConflict {
            session: session.to_owned(),
            expected,
            actual,
        }))
    }
}

/// The next transcript sequence number of `session` inside a transaction.
fn next_seq(tx: &TransactionalTree, session: &str, head_key: &[u8]) -> Result<u64, TxError> {
    match tx.get(head_key)? {
        None => Ok(0),
        Some(value) => record::decode_head(session, &value).map_err(TxError::Abort),
    }
}

/// Adds index changes to a batch (index keys live under their own tag, see `keys::index`).
fn add_index_ops(batch: &mut sled::Batch, ops: &[IndexOp]) {
    for op in ops {
        match op {
            IndexOp::Put { key, value } => batch.insert(keys::index(key), value.as_slice()),
            IndexOp::Remove { key } => batch.remove(keys::index(key)),
        }
    }
}

/// A store error for a key that is not valid for its place (e.g. a session id that is not UTF-8).
fn corrupt_key(key: &[u8], detail: &str) -> StoreError {
    StoreError::Corrupt {
        session: String::from_utf8_lossy(key).into_owned(),
        detail: detail.to_owned(),
    }
}

impl SessionStore for SledStore {
    fn get(&self, session: &str) -> Result<Option<Stored>, StoreError> {
        match self.tree.get(keys::session(session))? {
            None => Ok(None),
            Some(value) => record::decode(session, &value).map(Some),
        }
    }

    fn put(&self, session: &str, expected: u64, commit: Commit) -> Result<u64, StoreError> {
        let version = expected.saturating_add(1);
        let _locked = self.lock(session);
        let mut batch = sled::Batch::default();
        self.add_write(&mut batch, session, expected, version, &commit)?;
        self.tree.apply_batch(batch)?;
        Ok(version)
    }

    fn put_many(&self, writes: &[Write]) -> Vec<Result<(), StoreError>> {
        // Every stripe involved, locked in index order (no deadlock with single puts, which take one).
        let mut stripes: Vec<usize> = writes.iter().map(|w| self.stripe(&w.session)).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let _locked: Vec<MutexGuard<'_, ()>> = stripes
            .into_iter()
            .map(|i| {
                self.stripes[i]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            })
            .collect();
        let mut batch = sled::Batch::default();
        let mut seen = std::collections::HashSet::new();
        let mut results: Vec<Result<(), StoreError>> = writes
            .iter()
            .map(|w| {
                // Two writes of one session in one batch would both pass the version check.
                if !seen.insert(w.session.as_str()) {
                    return Err(StoreError::Backend(format!(
                        "session {:?} appears twice in one put_many",
                        w.session
                    )));
                }
                self.add_write(&mut batch, &w.session, w.expected, w.version, &w.commit)
            })
            .collect();
        if let Err(e) = self.tree.apply_batch(batch) {
            let e = e.to_string();
            for r in results.iter_mut().filter(|r| r.is_ok()) {
                *r = Err(StoreError::Backend(e.clone()));
            }
        }
        results
    }

    fn delete(&self, session: &str, expected: u64) -> Result<(), StoreError> {
        let key = keys::session(session);
        let head_key = keys::head(session);
        let prefix = keys::transcript_prefix(session);
        let _locked = self.lock(session);
        self.transact(|tx| {
            check_version(tx, session, &key, expected)?;
            // Chunks are keyed by their first seq, which is always below the head.
            for seq in 0..next_seq(tx, session, &head_key)? {
                tx.remove(keys::transcript(&prefix, seq))?;
            }
            tx.remove(head_key.as_slice())?;
            tx.remove(key.as_slice())?;
            Ok(())
        })
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let prefix_key = keys::session(prefix);
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(keys::session(after)),
            _ => Bound::Included(prefix_key.clone()),
        };
        let mut ids = Vec::new();
        for item in self.tree.range::<Vec<u8>, _>((start, Bound::Unbounded)) {
            if ids.len() >= limit {
                break;
            }
            let (key, _) = item?;
            if !key.starts_with(&prefix_key) {
                break;
            }
            let id =
                keys::session_id(&key).ok_or_else(|| corrupt_key(&key, "not a session key"))?;
            let id = String::from_utf8(id.to_vec())
                .map_err(|_| corrupt_key(id, "session id is not UTF-8"))?;
            ids.push(id);
        }
        Ok(ids)
    }

    fn transcript(
        &self,
        session: &str,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let prefix = keys::transcript_prefix(session);
        // The chunk holding `from_seq` starts at or before it: begin with the last chunk key <= from_seq.
        let start = self
            .tree
            .range(keys::transcript(&prefix, 0)..=keys::transcript(&prefix, from_seq))
            .next_back()
            .transpose()?
            .map_or_else(
                || keys::transcript(&prefix, from_seq),
                |(key, _)| key.to_vec(),
            );
        let mut entries = Vec::new();
        for item in self.tree.range(start..=keys::transcript(&prefix, u64::MAX)) {
            if entries.len() >= limit {
                break;
            }
            let (key, value) = item?;
            let first = keys::transcript_seq(&prefix, &key).ok_or_else(|| StoreError::Corrupt {
                session: session.to_owned(),
                detail: "transcript key has no sequence number".to_owned(),
            })?;
            for (seq, entry) in (first..).zip(record::decode_chunk(session, &value)?) {
                if seq >= from_seq && entries.len() < limit {
                    entries.push((seq, entry));
                }
            }
        }
        Ok(entries)
    }

    fn quarantine(&self, session: &str, reason: &str) -> Result<(), StoreError> {
        let key = keys::session(session);
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64);
        let aside = keys::quarantine(session, millis, self.db.generate_id()?);
        let _locked = self.lock(session);
        let moved = self.transact(|tx| {
            let Some(raw) = tx.get(key.as_slice())? else {
                return Ok(false);
            };
            tx.remove(key.as_slice())?;
            tx.insert(aside.as_slice(), record::encode_quarantined(reason, &raw))?;
            Ok(true)
        })?;
        if moved {
            tracing::warn!(session, reason, "session snapshot quarantined");
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(keys::meta(key))?.map(|value| value.to_vec()))
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(keys::meta(key), value)?;
        Ok(())
    }

    fn session_count(&self) -> Result<u64, StoreError> {
        let mut count = 0;
        for key in self.tree.scan_prefix([keys::SESSION]).keys() {
            key?;
            count += 1;
        }
        Ok(count)
    }

    fn scan_index(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError> {
        let prefix_key = keys::index(prefix);
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(keys::index(after)),
            _ => Bound::Included(prefix_key.clone()),
        };
        let mut entries = Vec::new();
        for item in self.tree.range::<Vec<u8>, _>((start, Bound::Unbounded)) {
            if entries.len() >= limit {
                break;
            }
            let (key, value) = item?;
            if !key.starts_with(&prefix_key) {
                break;
            }
            entries.push((key[1..].to_vec(), value.to_vec()));
        }
        Ok(entries)
    }

    fn apply_index(&self, ops: Vec<IndexOp>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        add_index_ops(&mut batch, &ops);
        self.tree.apply_batch(batch)?;
        Ok(())
    }
}
