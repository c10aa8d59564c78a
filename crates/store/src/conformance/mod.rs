//! The behaviour every [`SessionStore`] backend must show, as plain functions that panic on the first failure.
//!
//! A backend's tests call [`run_all`] with a function making fresh, empty stores. Each check is also public,
//! to run or debug one at a time. Files: `versions` (CAS writes, deletes, counts), `listing` (scan, odd ids),
//! `transcripts` (transcript, quarantine), `values` (meta, empty and large values), `concurrency` (threads), `index`
//! (the secondary index).

mod concurrency;
mod index;
mod listing;
mod transcripts;
mod values;
mod versions;

pub use concurrency::concurrent_writers_on_distinct_sessions;
pub use index::index_with_commits_and_prefix_scans;
pub use listing::{odd_session_ids, scan_prefix_order_and_paging};
pub use transcripts::{quarantine_hides_snapshot, transcript_appends_in_order_across_commits};
pub use values::{empty_and_large_values, meta_roundtrip};
pub use versions::{cas_conflict_writes_nothing, delete_rules, put_get_roundtrip, session_count};

use std::fmt::Debug;

use crate::{Commit, SessionStore, StoreError};

/// A named check.
type Check<S> = (&'static str, fn(&S));

/// Runs every conformance check against stores made by `make` (each check gets a fresh, empty store). Panics
/// with a clear message on the first failure.
pub fn run_all<S: SessionStore>(make: impl Fn() -> S) {
    let checks: [Check<S>; 12] = [
        ("put_get_roundtrip", put_get_roundtrip::<S>),
        (
            "cas_conflict_writes_nothing",
            cas_conflict_writes_nothing::<S>,
        ),
        ("delete_rules", delete_rules::<S>),
        (
            "scan_prefix_order_and_paging",
            scan_prefix_order_and_paging::<S>,
        ),
        (
            "transcript_appends_in_order_across_commits",
            transcript_appends_in_order_across_commits::<S>,
        ),
        ("quarantine_hides_snapshot", quarantine_hides_snapshot::<S>),
        ("meta_roundtrip", meta_roundtrip::<S>),
        ("session_count", session_count::<S>),
        (
            "concurrent_writers_on_distinct_sessions",
            concurrent_writers_on_distinct_sessions::<S>,
        ),
        ("empty_and_large_values", empty_and_large_values::<S>),
        ("odd_session_ids", odd_session_ids::<S>),
        (
            "index_with_commits_and_prefix_scans",
            index_with_commits_and_prefix_scans::<S>,
        ),
    ];
    for (name, check) in checks {
        eprintln!("conformance check: {name}");
        check(&make());
    }
}

/// The value of `result`, or a panic naming `what` and the error.
#[track_caller]
fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("conformance: {what} failed: {error}"),
    }
}

/// Panics unless `result` is exactly this version conflict.
#[track_caller]
fn assert_conflict<T: Debug>(
    result: Result<T, StoreError>,
    session: &str,
    expected: u64,
    actual: u64,
    what: &str,
) {
    match result {
        Err(StoreError::VersionConflict {
            session: s,
            expected: e,
            actual: a,
        }) if s == session && e == expected && a == actual => {}
        other => panic!(
            "conformance: {what}: expected VersionConflict {{ session: {session:?}, expected: {expected}, \
             actual: {actual} }}, got {other:?}"
        ),
    }
}

/// A commit with this snapshot and these transcript entries.
fn commit(snapshot: &[u8], transcript: &[&[u8]]) -> Commit {
    Commit {
        snapshot: snapshot.to_vec(),
        transcript: transcript.iter().map(|entry| entry.to_vec()).collect(),
        index: Vec::new(),
    }
}

/// The whole transcript of `session` (up to 10,000 entries).
#[track_caller]
fn whole_transcript<S: SessionStore + ?Sized>(store: &S, session: &str) -> Vec<(u64, Vec<u8>)> {
    ok(
        store.transcript(session, 0, 10_000),
        &format!("transcript({session:?}, 0, 10000)"),
    )
}

/// `(seq, entry)` pairs numbered from `first`.
fn numbered(first: u64, entries: &[&[u8]]) -> Vec<(u64, Vec<u8>)> {
    (first..)
        .zip(entries)
        .map(|(seq, entry)| (seq, entry.to_vec()))
        .collect()
}
