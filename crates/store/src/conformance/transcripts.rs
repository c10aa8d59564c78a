//! Checks of transcripts and of quarantine.

use super::{commit, numbered, ok, whole_transcript};
use crate::{SessionStore, Stored};

/// Entries get sequence numbers 0, 1, 2… across commits (a commit may add none); reads start at `from_seq`
/// and respect `limit`; sessions whose ids are prefixes of each other have separate transcripts.
pub fn transcript_appends_in_order_across_commits<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(
        whole_transcript(store, "s"),
        numbered(0, &[]),
        "a new session has an empty transcript"
    );
    ok(store.put("s", 0, commit(b"1", &[b"e0", b"e1"])), "put 1");
    ok(store.put("s", 1, commit(b"2", &[])), "put 2 (no entries)");
    ok(
        store.put("s", 2, commit(b"3", &[b"e2", b"", b"e4"])),
        "put 3",
    );
    let all = numbered(0, &[b"e0", b"e1", b"e2", b"", b"e4"]);
    assert_eq!(
        whole_transcript(store, "s"),
        all,
        "entries in order, numbered across commits"
    );
    let read = |from: u64, limit: usize| {
        ok(
            store.transcript("s", from, limit),
            &format!("transcript(s, {from}, {limit})"),
        )
    };
    assert_eq!(read(1, 2), all[1..3], "from_seq and limit");
    assert_eq!(read(4, 10), all[4..], "the last entry");
    assert_eq!(read(5, 10), [], "from_seq past the end");
    assert_eq!(read(u64::MAX, 10), [], "from_seq u64::MAX");
    assert_eq!(read(0, 0), [], "limit 0");

    ok(store.put("a", 0, commit(b"a", &[b"a0"])), "put a");
    ok(
        store.put("ab", 0, commit(b"ab", &[b"ab0", b"ab1"])),
        "put ab",
    );
    ok(store.put("a", 1, commit(b"a", &[b"a1"])), "put a again");
    assert_eq!(
        whole_transcript(store, "a"),
        numbered(0, &[b"a0", b"a1"]),
        "\"a\" must not see \"ab\"'s entries"
    );
    assert_eq!(
        whole_transcript(store, "ab"),
        numbered(0, &[b"ab0", b"ab1"]),
        "\"ab\" must not see \"a\"'s entries"
    );
    assert_eq!(
        whole_transcript(store, "nobody"),
        numbered(0, &[]),
        "an unknown session has no transcript"
    );
}

/// After quarantine, get() returns None and the session is not counted or listed; quarantining an absent
/// session is Ok; the transcript is kept and a new write continues its numbering.
pub fn quarantine_hides_snapshot<S: SessionStore + ?Sized>(store: &S) {
    ok(
        store.quarantine("absent", "conformance"),
        "quarantine of an absent session",
    );
    ok(store.put("s", 0, commit(b"bad", &[b"e0"])), "put");
    ok(store.put("other", 0, commit(b"fine", &[])), "put other");
    ok(store.quarantine("s", "cannot decode"), "quarantine");
    assert_eq!(
        ok(store.get("s"), "get after quarantine"),
        None,
        "a quarantined session must read as absent"
    );
    assert_eq!(
        ok(store.scan("", None, 10), "scan"),
        ["other"],
        "a quarantined session must not be listed"
    );
    assert_eq!(
        ok(store.session_count(), "count"),
        1,
        "a quarantined session must not be counted"
    );
    ok(store.quarantine("s", "again"), "quarantine twice");
    assert_eq!(
        ok(store.get("other"), "get other"),
        Some(Stored {
            version: 1,
            snapshot: b"fine".to_vec()
        }),
        "quarantine must touch only its own session"
    );

    assert_eq!(
        ok(
            store.put("s", 0, commit(b"fresh", &[b"e1"])),
            "put after quarantine"
        ),
        1,
        "starts afresh"
    );
    assert_eq!(
        whole_transcript(store, "s"),
        numbered(0, &[b"e0", b"e1"]),
        "the transcript survives quarantine and its numbering continues"
    );
}
