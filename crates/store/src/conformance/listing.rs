//! Checks of `scan` and of session ids that stress key encodings.

use super::{commit, numbered, ok, whole_transcript};
use crate::{SessionStore, Stored};

/// `scan` returns ids with the prefix, in byte order, strictly after `after`, at most `limit`; paging with the
/// last id as `after` visits every id exactly once.
pub fn scan_prefix_order_and_paging<S: SessionStore + ?Sized>(store: &S) {
    let ids = [
        "user/b", "user/a", "user/c", "usera", "user", "u", "other/x", "user/a/1",
    ];
    for id in ids {
        ok(store.put(id, 0, commit(id.as_bytes(), &[])), "put");
    }
    let scan = |prefix: &str, after: Option<&str>, limit: usize| -> Vec<String> {
        ok(
            store.scan(prefix, after, limit),
            &format!("scan({prefix:?}, {after:?}, {limit})"),
        )
    };
    assert_eq!(
        scan("user/", None, 10),
        ["user/a", "user/a/1", "user/b", "user/c"],
        "prefix scan in byte order"
    );
    assert_eq!(scan("user/", None, 2), ["user/a", "user/a/1"], "limit");
    assert_eq!(
        scan("user/", Some("user/a/1"), 10),
        ["user/b", "user/c"],
        "strictly after an existing id"
    );
    assert_eq!(
        scan("user/", Some("user/aa"), 10),
        ["user/b", "user/c"],
        "after an id that does not exist"
    );
    assert_eq!(
        scan("user/", Some("a"), 10).len(),
        4,
        "`after` before the prefix starts at the prefix"
    );
    assert_eq!(
        scan("user/", Some("user/c"), 10),
        Vec::<String>::new(),
        "after the last id"
    );
    assert_eq!(
        scan("user/", Some("zzz"), 10),
        Vec::<String>::new(),
        "`after` past the prefix"
    );
    assert_eq!(scan("user/", None, 0), Vec::<String>::new(), "limit 0");
    assert_eq!(
        scan("nobody", None, 10),
        Vec::<String>::new(),
        "a prefix nobody has"
    );
    let mut sorted: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    sorted.sort();
    assert_eq!(
        scan("", None, 100),
        sorted,
        "the empty prefix lists every session in byte order"
    );

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = scan("", after.as_deref(), 3);
        assert!(page.len() <= 3, "a page must respect the limit");
        let Some(last) = page.last().cloned() else {
            break;
        };
        paged.extend(page);
        after = Some(last);
    }
    assert_eq!(paged, sorted, "paging must visit every id once, in order");

    ok(store.quarantine("user/b", "conformance"), "quarantine");
    ok(store.delete("user/c", 1), "delete");
    assert_eq!(
        scan("user/", None, 10),
        ["user/a", "user/a/1"],
        "quarantined and deleted sessions are not listed"
    );
}

/// Ids that are empty, contain NUL bytes, '/', non-ASCII, or are prefixes of each other, are all distinct
/// sessions with their own snapshot and transcript, listed in byte order.
pub fn odd_session_ids<S: SessionStore + ?Sized>(store: &S) {
    let ids = [
        "",
        "\0",
        "\0\0",
        "a",
        "a\0",
        "a\0b",
        "ab",
        "a/b",
        "a/",
        "/",
        "ünïcødé 🎉",
        "\u{10FFFF}",
        "\u{7f}",
    ];
    for id in ids {
        ok(
            store.put(id, 0, commit(id.as_bytes(), &[id.as_bytes(), b"!"])),
            &format!("put({id:?})"),
        );
    }
    for id in ids {
        assert_eq!(
            ok(store.get(id), &format!("get({id:?})")),
            Some(Stored {
                version: 1,
                snapshot: id.as_bytes().to_vec()
            }),
            "session {id:?} must read back its own snapshot"
        );
        assert_eq!(
            whole_transcript(store, id),
            numbered(0, &[id.as_bytes(), b"!"]),
            "session {id:?} must have exactly its own transcript"
        );
    }
    assert_eq!(
        ok(store.session_count(), "count"),
        ids.len() as u64,
        "every odd id is its own session"
    );
    let mut sorted: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    sorted.sort();
    assert_eq!(
        ok(store.scan("", None, 100), "scan all"),
        sorted,
        "odd ids are listed in byte order"
    );
    let with_a: Vec<String> = sorted
        .iter()
        .filter(|id| id.starts_with('a'))
        .cloned()
        .collect();
    assert_eq!(
        ok(store.scan("a", None, 100), "scan a"),
        with_a,
        "prefix scan over odd ids"
    );
    assert_eq!(
        ok(store.scan("\0", None, 100), "scan NUL"),
        ["\0", "\0\0"],
        "prefix scan on a NUL byte"
    );

    ok(store.delete("", 1), "delete the empty id");
    ok(store.delete("a", 1), "delete \"a\"");
    assert_eq!(
        ok(store.get(""), "get(\"\")"),
        None,
        "the empty id was deleted"
    );
    for id in ids.iter().filter(|id| !["", "a"].contains(id)) {
        assert_eq!(
            whole_transcript(store, id).len(),
            2,
            "deleting \"\" and \"a\" must not touch the transcript of {id:?}"
        );
        assert!(
            ok(store.get(id), "get").is_some(),
            "deleting \"\" and \"a\" must not touch session {id:?}"
        );
    }
}
