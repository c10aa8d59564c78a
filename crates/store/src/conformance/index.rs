//! The secondary index: written with a commit (atomically) or alone, scanned by prefix in byte order.

use crate::conformance::ok;
use crate::{Commit, IndexOp, SessionStore, StoreError};

fn put(key: &[u8], value: &[u8]) -> IndexOp {
    IndexOp::Put {
        key: key.to_vec(),
        value: value.to_vec(),
    }
}

fn keys_of(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<Vec<u8>> {
    entries.iter().map(|(k, _)| k.clone()).collect()
}

/// Index entries ride on a commit, vanish with a failed CAS, sort by bytes, page with `after`, and stay
/// inside their prefix.
pub fn index_with_commits_and_prefix_scans<S: SessionStore>(store: &S) {
    let with_index = |ops: Vec<IndexOp>| Commit {
        snapshot: b"snap".to_vec(),
        transcript: Vec::new(),
        index: ops,
    };
    ok(
        store.put(
            "a",
            0,
            with_index(vec![
                put(b"T\x00\x02a", b"two"),
                put(b"T\x00\x01a", b"one"),
                put(b"Pfare:X\x00a", b""),
            ]),
        ),
        "put with index",
    );
    // A CAS failure writes none of its index changes.
    let stale = store.put("a", 0, with_index(vec![put(b"T\x00\x00stale", b"")]));
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { .. })),
        "conformance: stale put must conflict, got {stale:?}"
    );
    let timers = ok(store.scan_index(b"T", None, 10), "scan_index T");
    assert_eq!(
        timers,
        vec![
            (b"T\x00\x01a".to_vec(), b"one".to_vec()),
            (b"T\x00\x02a".to_vec(), b"two".to_vec())
        ],
        "conformance: index entries in byte order, none from the failed commit"
    );
    let paged = ok(
        store.scan_index(b"T", Some(b"T\x00\x01a"), 10),
        "scan_index after",
    );
    assert_eq!(keys_of(&paged), vec![b"T\x00\x02a".to_vec()]);
    assert_eq!(
        ok(store.scan_index(b"T", None, 1), "scan_index limit").len(),
        1
    );
    // Removing in a later commit, and through apply_index.
    ok(
        store.put(
            "a",
            1,
            with_index(vec![IndexOp::Remove {
                key: b"T\x00\x01a".to_vec(),
            }]),
        ),
        "put removing an index entry",
    );
    ok(
        store.apply_index(vec![
            IndexOp::Remove {
                key: b"Pfare:X\x00a".to_vec(),
            },
            put(b"Pfare:Y\x00b", b"v"),
            IndexOp::Remove {
                key: b"absent".to_vec(),
            },
        ]),
        "apply_index",
    );
    assert_eq!(
        keys_of(&ok(store.scan_index(b"T", None, 10), "scan T")),
        vec![b"T\x00\x02a".to_vec()]
    );
    assert_eq!(
        keys_of(&ok(store.scan_index(b"P", None, 10), "scan P")),
        vec![b"Pfare:Y\x00b".to_vec()]
    );
    assert!(
        ok(store.scan_index(b"Pfare:Z", None, 10), "scan empty prefix").is_empty(),
        "conformance: a prefix with no entries scans empty"
    );
    // Index entries are not sessions.
    assert_eq!(ok(store.session_count(), "session_count"), 1);
}
