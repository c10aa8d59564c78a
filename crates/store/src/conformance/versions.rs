//! Checks of compare-and-swap writes, deletes and the session count.

use std::thread;

use super::{assert_conflict, commit, numbered, ok, whole_transcript};
use crate::{SessionStore, Stored};

/// A written snapshot reads back with version 1, then 2 after the next write; other sessions stay absent.
pub fn put_get_roundtrip<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(
        ok(store.get("s"), "get of a new session"),
        None,
        "a session never written must be absent"
    );
    assert_eq!(
        ok(store.put("s", 0, commit(b"v1", &[])), "first put"),
        1,
        "the first put must return version 1"
    );
    assert_eq!(
        ok(store.get("s"), "get after the first put"),
        Some(Stored {
            version: 1,
            snapshot: b"v1".to_vec()
        }),
        "get must return what put wrote"
    );
    assert_eq!(
        ok(store.put("s", 1, commit(b"v2", &[])), "second put"),
        2,
        "put must return expected + 1"
    );
    assert_eq!(
        ok(store.get("s"), "get after the second put"),
        Some(Stored {
            version: 2,
            snapshot: b"v2".to_vec()
        }),
        "get must return the latest snapshot"
    );
    assert_eq!(
        ok(store.get("t"), "get of another session"),
        None,
        "a put must touch only its own session"
    );
}

/// A put with the wrong expected version fails with the exact conflict and writes nothing (neither snapshot
/// nor transcript); of several threads creating the same session, exactly one wins.
pub fn cas_conflict_writes_nothing<S: SessionStore + ?Sized>(store: &S) {
    ok(store.put("s", 0, commit(b"v1", &[b"e0"])), "first put");
    assert_conflict(
        store.put("s", 0, commit(b"bad", &[b"x"])),
        "s",
        0,
        1,
        "put expecting absent on an existing",
    );
    assert_conflict(
        store.put("s", 5, commit(b"bad", &[b"x"])),
        "s",
        5,
        1,
        "put expecting a future version",
    );
    assert_conflict(
        store.put("new", 3, commit(b"bad", &[b"x"])),
        "new",
        3,
        0,
        "put expecting a version on absent",
    );
    assert_eq!(
        ok(store.get("s"), "get after conflicts"),
        Some(Stored {
            version: 1,
            snapshot: b"v1".to_vec()
        }),
        "a conflicting put must not change the snapshot"
    );
    assert_eq!(
        whole_transcript(store, "s"),
        numbered(0, &[b"e0"]),
        "a conflicting put must not append entries"
    );
    assert_eq!(
        ok(store.get("new"), "get after conflict"),
        None,
        "a conflicting put must not create a session"
    );
    assert_eq!(
        whole_transcript(store, "new"),
        numbered(0, &[]),
        "a conflicting put must not append entries"
    );
    assert_eq!(
        ok(store.session_count(), "session_count"),
        1,
        "conflicting puts must not change the count"
    );

    let wins: usize = thread::scope(|scope| {
        let racers: Vec<_> = (0..4u8)
            .map(|i| scope.spawn(move || store.put("race", 0, commit(&[i], &[&[i]])).is_ok()))
            .collect();
        racers
            .into_iter()
            .map(|racer| usize::from(racer.join().unwrap_or(false)))
            .sum()
    });
    assert_eq!(
        wins, 1,
        "of 4 concurrent creators of one session exactly one must win"
    );
    assert_eq!(
        whole_transcript(store, "race").len(),
        1,
        "only the winner's entries may be appended"
    );
}

/// Deletes follow the version rule; a delete removes the snapshot and the transcript; a recreated session
/// starts again at version 1 and sequence number 0.
pub fn delete_rules<S: SessionStore + ?Sized>(store: &S) {
    ok(
        store.delete("s", 0),
        "delete of an absent session expecting 0",
    );
    assert_conflict(
        store.delete("s", 1),
        "s",
        1,
        0,
        "delete of an absent session expecting 1",
    );
    ok(store.put("s", 0, commit(b"v1", &[b"e0"])), "put v1");
    ok(store.put("s", 1, commit(b"v2", &[b"e1"])), "put v2");
    ok(
        store.put("keep", 0, commit(b"k", &[b"k0"])),
        "put another session",
    );
    assert_conflict(
        store.delete("s", 1),
        "s",
        1,
        2,
        "delete with a stale version",
    );
    assert_conflict(
        store.delete("s", 0),
        "s",
        0,
        2,
        "delete expecting absent on an existing session",
    );
    assert_eq!(
        ok(store.get("s"), "get after failed deletes"),
        Some(Stored {
            version: 2,
            snapshot: b"v2".to_vec()
        }),
        "a failed delete must not change anything"
    );
    assert_eq!(
        whole_transcript(store, "s").len(),
        2,
        "a failed delete must keep the transcript"
    );
    ok(store.delete("s", 2), "delete with the current version");
    assert_eq!(
        ok(store.get("s"), "get after delete"),
        None,
        "a deleted session must be absent"
    );
    assert_eq!(
        whole_transcript(store, "s"),
        numbered(0, &[]),
        "delete must remove the transcript"
    );
    ok(
        store.delete("s", 0),
        "delete of a deleted session expecting 0",
    );
    assert_eq!(
        ok(store.put("s", 0, commit(b"again", &[b"n0"])), "recreate"),
        1,
        "a recreated session restarts at 1"
    );
    assert_eq!(
        whole_transcript(store, "s"),
        numbered(0, &[b"n0"]),
        "a recreated transcript restarts at 0"
    );
    assert_eq!(
        whole_transcript(store, "keep"),
        numbered(0, &[b"k0"]),
        "delete must touch only its own session"
    );
    assert_eq!(
        ok(store.get("keep"), "get other").map(|s| s.version),
        Some(1),
        "delete must touch only its session"
    );
}

/// The count is exact: writes of new sessions add one, rewrites and conflicts add nothing, deletes and
/// quarantines remove one.
pub fn session_count<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(
        ok(store.session_count(), "count of an empty store"),
        0,
        "a fresh store must be empty"
    );
    for id in ["a", "b", "c"] {
        ok(store.put(id, 0, commit(id.as_bytes(), &[b"e"])), "put");
    }
    assert_eq!(
        ok(store.session_count(), "count"),
        3,
        "three sessions written"
    );
    ok(store.put("a", 1, commit(b"a2", &[])), "rewrite");
    assert_conflict(
        store.put("b", 0, commit(b"conflict", &[])),
        "b",
        0,
        1,
        "put expecting absent",
    );
    ok(store.put_meta("d", b"meta"), "put_meta");
    assert_eq!(
        ok(store.session_count(), "count"),
        3,
        "rewrites, conflicts and meta values must not count"
    );
    ok(store.delete("b", 1), "delete");
    assert_eq!(
        ok(store.session_count(), "count"),
        2,
        "a delete must remove one"
    );
    ok(store.quarantine("c", "conformance"), "quarantine");
    assert_eq!(
        ok(store.session_count(), "count"),
        1,
        "a quarantine must remove one"
    );
}
