//! Checks of meta values and of value sizes.

use super::{commit, numbered, ok, whole_transcript};
use crate::{SessionStore, Stored};

/// Meta values read back, overwrite, may be empty, and live apart from sessions.
pub fn meta_roundtrip<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(
        ok(store.get_meta("secret"), "get_meta of an absent key"),
        None,
        "absent meta must be None"
    );
    ok(store.put_meta("secret", b"one"), "put_meta");
    assert_eq!(
        ok(store.get_meta("secret"), "get_meta"),
        Some(b"one".to_vec()),
        "meta must read back"
    );
    ok(store.put_meta("secret", b"two"), "put_meta overwrite");
    assert_eq!(
        ok(store.get_meta("secret"), "get_meta"),
        Some(b"two".to_vec()),
        "put_meta must overwrite"
    );
    ok(
        store.put_meta("", b""),
        "put_meta of an empty key and value",
    );
    assert_eq!(
        ok(store.get_meta(""), "get_meta(\"\")"),
        Some(Vec::new()),
        "an empty meta value is not absent"
    );
    assert_eq!(
        ok(store.get("secret"), "get"),
        None,
        "meta keys are not sessions"
    );
    assert_eq!(
        ok(store.session_count(), "count"),
        0,
        "meta values are not sessions"
    );
    ok(
        store.put("secret", 0, commit(b"session", &[])),
        "put a session named like a meta key",
    );
    assert_eq!(
        ok(store.get_meta("secret"), "get_meta"),
        Some(b"two".to_vec()),
        "sessions do not touch meta"
    );
}

/// Empty snapshots and entries are stored as empty (not absent); a 1 MiB snapshot and a 256 KiB entry round-trip.
pub fn empty_and_large_values<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(
        ok(store.put("empty", 0, commit(b"", &[b""])), "put empty"),
        1,
        "an empty snapshot is a write"
    );
    assert_eq!(
        ok(store.get("empty"), "get empty"),
        Some(Stored {
            version: 1,
            snapshot: Vec::new()
        }),
        "an empty snapshot must read back as empty, not absent"
    );
    assert_eq!(
        whole_transcript(store, "empty"),
        numbered(0, &[b""]),
        "an empty entry is an entry"
    );

    let large: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let entry: Vec<u8> = (0..256 * 1024u32).map(|i| (i % 241) as u8).collect();
    ok(
        store.put("large", 0, commit(&large, &[&entry])),
        "put of a 1 MiB snapshot",
    );
    let stored = ok(store.get("large"), "get of a 1 MiB snapshot");
    assert!(
        stored
            .as_ref()
            .is_some_and(|stored| stored.version == 1 && stored.snapshot == large),
        "a 1 MiB snapshot must read back byte for byte"
    );
    assert!(
        whole_transcript(store, "large") == numbered(0, &[&entry]),
        "a 256 KiB entry must read back"
    );
    ok(
        store.put("large", 1, commit(b"small", &[])),
        "shrinking put",
    );
    assert_eq!(
        ok(store.get("large"), "get after shrinking"),
        Some(Stored {
            version: 2,
            snapshot: b"small".to_vec()
        }),
        "a smaller snapshot must replace a larger one entirely"
    );
}
