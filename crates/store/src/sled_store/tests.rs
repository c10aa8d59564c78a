//! Tests of what only the sled backend has: a disk, a byte format, and reopening.

#![allow(clippy::unwrap_used)]

use super::*;

fn commit(snapshot: &[u8], transcript: &[&[u8]]) -> Commit {
    Commit {
        snapshot: snapshot.to_vec(),
        transcript: transcript.iter().map(|entry| entry.to_vec()).collect(),
        index: Vec::new(),
    }
}

#[test]
fn garbage_record_is_corrupt_until_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), None).unwrap();
    store.put("ok", 0, commit(b"fine", &[])).unwrap();
    for (session, garbage) in [
        ("short", &b"\x01\x02"[..]),
        ("empty", b""),
        ("format", b"\x09\0\0\0\0\0\0\0\x01abc"),
    ] {
        store
            .tree()
            .insert(keys::session(session), garbage)
            .unwrap();

        let error = store.get(session).unwrap_err();
        assert!(
            matches!(&error, StoreError::Corrupt { session: s, .. } if s == session),
            "{error:?}"
        );
        assert!(error.to_string().contains("quarantine"), "{error}");
        assert!(matches!(
            store.put(session, 0, commit(b"x", &[])),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            store.delete(session, 0),
            Err(StoreError::Corrupt { .. })
        ));

        store.quarantine(session, "unreadable record").unwrap();
        assert_eq!(store.get(session).unwrap(), None);
        assert_eq!(store.put(session, 0, commit(b"fresh", &[b"e"])).unwrap(), 1);
        assert_eq!(store.get(session).unwrap().unwrap().snapshot, b"fresh");
    }
    assert_eq!(store.get("ok").unwrap().unwrap().snapshot, b"fine");

    // The bytes are kept aside, with the reason.
    let aside: Vec<_> = store
        .tree()
        .scan_prefix([keys::QUARANTINE])
        .map(|item| item.unwrap().1)
        .collect();
    assert_eq!(aside.len(), 3);
    let short = record::encode_quarantined("unreadable record", b"\x01\x02");
    assert!(aside.iter().any(|value| value.as_ref() == short.as_slice()));
}

#[test]
fn corrupt_transcript_head_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), None).unwrap();
    store.tree().insert(keys::head("s"), &b"abc"[..]).unwrap();
    assert!(matches!(
        store.put("s", 0, commit(b"x", &[b"e"])),
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(store.get("s").unwrap(), None, "a failed put writes nothing");
}

#[test]
fn reopened_store_sees_prior_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path(), Some(100)).unwrap();
        assert!(!store.was_recovered());
        assert_eq!(
            store.put("s", 0, commit(b"one", &[b"e0", b"e1"])).unwrap(),
            1
        );
        assert_eq!(store.put("s", 1, commit(b"two", &[b"e2"])).unwrap(), 2);
        store.put_meta("secret", b"k").unwrap();
        store.flush().unwrap();
    }
    let store = SledStore::open(dir.path(), None).unwrap();
    assert!(store.was_recovered());
    assert_eq!(
        store.get("s").unwrap(),
        Some(Stored {
            version: 2,
            snapshot: b"two".to_vec()
        })
    );
    let entries: Vec<_> = store
        .transcript("s", 0, 10)
        .unwrap()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(entries, [0, 1, 2]);
    assert_eq!(
        store.get_meta("secret").unwrap().as_deref(),
        Some(&b"k"[..])
    );
    assert_eq!(store.session_count().unwrap(), 1);
    assert_eq!(store.put("s", 2, commit(b"three", &[b"e3"])).unwrap(), 3);
    assert_eq!(store.transcript("s", 3, 10).unwrap(), [(3, b"e3".to_vec())]);
}

#[test]
fn open_on_a_file_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let error = SledStore::open(&file, None).unwrap_err();
    assert!(
        matches!(&error, StoreError::Open { path, .. } if path == &file),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("could not open the session store at"),
        "{error}"
    );
}
