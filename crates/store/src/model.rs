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
}
