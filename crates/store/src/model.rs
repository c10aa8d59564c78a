//! The values that cross the [`SessionStore`](crate::SessionStore) boundary.

/// A session as stored: its CAS version (>= 1 once written) and the snapshot bytes (opaque to the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The compare-and-swap version: 1 after the first write, +1 per successful write.
    pub version: u64,
    /// The session snapshot, exactly as last written.
    pub snapshot: Vec<u8>,
}

/// Everything one turn writes, in ONE atomic write.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// The new session snapshot (replaces the previous one).
    pub snapshot: Vec<u8>,
    /// Entries appended, in order, to the session's full transcript.
    pub transcript: Vec<Vec<u8>>,
    /// Secondary-index changes written in the same atomic write (timers due, topic subscriptions).
    pub index: Vec<IndexOp>,
}

/// One change to the store's secondary index: a sorted key space, separate from session records, that the
/// runtime uses for "which sessions have a timer due before T" and "which sessions follow topic X".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOp {
    /// Sets `key` to `value`.
    Put {
        /// Index key (the runtime's layout; compared byte by byte).
        key: Vec<u8>,
        /// Value stored with it.
        value: Vec<u8>,
    },
    /// Removes `key` (absent is fine).
    Remove {
        /// Index key.
        key: Vec<u8>,
    },
}

/// One index entry as read back: key and value.
pub type IndexEntry = (Vec<u8>, Vec<u8>);

/// One session's commits merged into one write, for [`crate::SessionStore::put_many`]: compare-and-swap on
/// `expected`, then the record gets version `version` (>= expected + 1: the versions of the merged commits
/// in between were never stored).
#[derive(Debug, Clone)]
pub struct Write {
    /// Session id.
    pub session: String,
    /// The stored version this write replaces (0 = absent).
    pub expected: u64,
    /// The version the record gets.
    pub version: u64,
    /// Latest snapshot, all transcript entries and all index changes of the merged commits, in order.
    pub commit: Commit,
}
