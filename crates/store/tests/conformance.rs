//! Both backends, and the write-behind buffer over them, pass the whole conformance suite.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use colloquy_store::{
    Commit, IndexOp, MemoryStore, SessionStore, SledStore, WriteBehind, conformance,
};
use std::time::Duration;

#[test]
fn memory_store_conforms() {
    conformance::run_all(MemoryStore::new);
}

#[test]
fn sled_store_conforms() {
    // Each store keeps its directory alive until the end of the test.
    let dirs = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), None).unwrap();
        dirs.lock().unwrap().push(dir);
        store
    });
}

#[test]
fn sled_store_with_background_flush_conforms() {
    let dirs = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), Some(50)).unwrap();
        store.flush().unwrap();
        dirs.lock().unwrap().push(dir);
        store
    });
}

#[test]
fn arc_dyn_store_conforms() {
    conformance::run_all(|| -> Arc<dyn SessionStore> { Arc::new(MemoryStore::new()) });
}

#[test]
fn write_behind_over_memory_conforms() {
    conformance::run_all(|| {
        WriteBehind::start(Arc::new(MemoryStore::new()), None, 1 << 20).unwrap()
    });
}

#[test]
fn write_behind_over_sled_with_a_background_flusher_conforms() {
    let dirs = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let dir = tempfile::tempdir().unwrap();
        let sled = SledStore::open(dir.path(), None).unwrap();
        dirs.lock().unwrap().push(dir);
        WriteBehind::start(Arc::new(sled), Some(Duration::from_millis(5)), 1 << 20).unwrap()
    });
}

#[test]
fn write_behind_with_a_tiny_bound_conforms() {
    // Every put crosses the bound and writes through: the same behaviour.
    conformance::run_all(|| WriteBehind::start(Arc::new(MemoryStore::new()), None, 0).unwrap());
}

#[test]
fn write_behind_merges_commits_and_writes_them_on_flush() {
    let inner = Arc::new(MemoryStore::new());
    let store = WriteBehind::start(inner.clone(), None, 1 << 20).unwrap();
    let commit = |snap: &[u8], entries: &[&[u8]], index: Vec<IndexOp>| Commit {
        snapshot: snap.to_vec(),
        transcript: entries.iter().map(|e| e.to_vec()).collect(),
        index,
    };
    let put = |key: &[u8]| IndexOp::Put {
        key: key.to_vec(),
        value: Vec::new(),
    };
    assert_eq!(
        store
            .put("s", 0, commit(b"v1", &[b"a"], vec![put(b"T1")]))
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .put(
                "s",
                1,
                commit(
                    b"v2",
                    &[b"b", b"c"],
                    vec![
                        IndexOp::Remove {
                            key: b"T1".to_vec()
                        },
                        put(b"T2")
                    ]
                )
            )
            .unwrap(),
        2
    );
    // Buffered: readable through the buffer, not yet in the inner store.
    assert_eq!(store.get("s").unwrap().unwrap().snapshot, b"v2");
    assert!(inner.get("s").unwrap().is_none());
    assert!(store.put("s", 1, commit(b"stale", &[], vec![])).is_err());
    store.flush().unwrap();
    assert_eq!(
        store.pending_bytes(),
        0,
        "merged commits are fully accounted for once written"
    );
    let stored = inner.get("s").unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.snapshot.as_slice()),
        (2, &b"v2"[..])
    );
    assert_eq!(
        inner.transcript("s", 0, 10).unwrap(),
        vec![(0, b"a".to_vec()), (1, b"b".to_vec()), (2, b"c".to_vec())]
    );
    let index: Vec<Vec<u8>> = inner
        .scan_index(b"T", None, 10)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(index, vec![b"T2".to_vec()]);
    // Versions go on from the written one.
    assert_eq!(
        store.put("s", 2, commit(b"v3", &[b"d"], vec![])).unwrap(),
        3
    );
    assert_eq!(
        store.transcript("s", 3, 10).unwrap(),
        vec![(3, b"d".to_vec())]
    );
    assert_eq!(
        inner.get("s").unwrap().unwrap().version,
        3,
        "a transcript read writes the session first"
    );
}

#[test]
fn write_behind_background_thread_writes_within_its_interval() {
    let inner = Arc::new(MemoryStore::new());
    let store =
        WriteBehind::start(inner.clone(), Some(Duration::from_millis(20)), 1 << 20).unwrap();
    store
        .put(
            "s",
            0,
            Commit {
                snapshot: b"x".to_vec(),
                transcript: vec![],
                index: vec![],
            },
        )
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while inner.get("s").unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(inner.get("s").unwrap().unwrap().version, 1);
    assert_eq!(store.pending_bytes(), 0);
}

#[test]
fn write_behind_index_scans_see_buffered_changes_without_writing_them() {
    let inner = Arc::new(MemoryStore::new());
    let store = WriteBehind::start(inner.clone(), None, 1 << 20).unwrap();
    let with = |ops: Vec<IndexOp>| Commit {
        snapshot: b"s".to_vec(),
        transcript: vec![],
        index: ops,
    };
    let put = |k: &[u8]| IndexOp::Put {
        key: k.to_vec(),
        value: b"v".to_vec(),
    };
    store
        .put("a", 0, with(vec![put(b"T1"), put(b"T3"), put(b"T5")]))
        .unwrap();
    store.flush().unwrap();
    // Buffered: T2 added, T3 removed.
    store
        .put(
            "a",
            1,
            with(vec![
                put(b"T2"),
                IndexOp::Remove {
                    key: b"T3".to_vec(),
                },
            ]),
        )
        .unwrap();
    let keys = |entries: Vec<(Vec<u8>, Vec<u8>)>| -> Vec<Vec<u8>> {
        entries.into_iter().map(|(k, _)| k).collect()
    };
    assert_eq!(
        keys(store.scan_index(b"T", None, 10).unwrap()),
        vec![b"T1".to_vec(), b"T2".to_vec(), b"T5".to_vec()]
    );
    // Paging: two at a time, then the rest.
    let first = keys(store.scan_index(b"T", None, 2).unwrap());
    assert_eq!(first, vec![b"T1".to_vec(), b"T2".to_vec()]);
    assert_eq!(
        keys(store.scan_index(b"T", Some(b"T2"), 2).unwrap()),
        vec![b"T5".to_vec()]
    );
    // Nothing was written by the scans.
    assert_eq!(inner.get("a").unwrap().unwrap().version, 1);
    // Loose index changes are buffered too, seen by scans, written by the next flush before sessions'.
    store
        .apply_index(vec![
            put(b"T0"),
            IndexOp::Remove {
                key: b"T5".to_vec(),
            },
        ])
        .unwrap();
    assert_eq!(
        keys(store.scan_index(b"T", None, 10).unwrap()),
        vec![b"T0".to_vec(), b"T1".to_vec(), b"T2".to_vec()]
    );
    assert_eq!(
        keys(inner.scan_index(b"T", None, 10).unwrap()).len(),
        3,
        "not written yet"
    );
    store.flush().unwrap();
    assert_eq!(
        keys(inner.scan_index(b"T", None, 10).unwrap()),
        vec![b"T0".to_vec(), b"T1".to_vec(), b"T2".to_vec()]
    );
    assert_eq!(store.pending_bytes(), 0);
    // A commit after a loose change to the same key wins, in scans and once written.
    store.apply_index(vec![put(b"T9")]).unwrap();
    store
        .put(
            "a",
            2,
            with(vec![IndexOp::Remove {
                key: b"T9".to_vec(),
            }]),
        )
        .unwrap();
    assert!(!keys(store.scan_index(b"T", None, 10).unwrap()).contains(&b"T9".to_vec()));
    store.flush().unwrap();
    assert!(!keys(inner.scan_index(b"T", None, 10).unwrap()).contains(&b"T9".to_vec()));
    assert_eq!(store.pending_bytes(), 0);
}
