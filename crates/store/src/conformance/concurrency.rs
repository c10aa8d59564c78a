//! Checks of concurrent use from several threads.

use std::thread;

use super::{commit, ok, whole_transcript};
use crate::SessionStore;

/// Threads: how many write at once.
const THREADS: usize = 4;
/// Sessions each thread owns.
const SESSIONS: usize = 5;
/// Turns (CAS writes) per session.
const TURNS: u64 = 4;

/// Several threads writing turns to their own sessions at the same time never conflict and lose nothing.
pub fn concurrent_writers_on_distinct_sessions<S: SessionStore + ?Sized>(store: &S) {
    thread::scope(|scope| {
        for worker in 0..THREADS {
            scope.spawn(move || {
                for turn in 0..TURNS {
                    for session in 0..SESSIONS {
                        let id = format!("w{worker}/s{session}");
                        let entry = format!("{id} turn {turn}");
                        let version = ok(
                            store.put(&id, turn, commit(entry.as_bytes(), &[entry.as_bytes()])),
                            &format!("put({id:?}, {turn}) from a concurrent writer"),
                        );
                        assert_eq!(
                            version,
                            turn + 1,
                            "concurrent writer got a wrong version for {id:?}"
                        );
                    }
                }
            });
        }
    });
    assert_eq!(
        ok(store.session_count(), "count"),
        (THREADS * SESSIONS) as u64,
        "every concurrently written session must be stored"
    );
    for worker in 0..THREADS {
        for session in 0..SESSIONS {
            let id = format!("w{worker}/s{session}");
            let stored = ok(store.get(&id), "get");
            let last = format!("{id} turn {}", TURNS - 1);
            assert!(
                stored.is_some_and(
                    |stored| stored.version == TURNS && stored.snapshot == last.as_bytes()
                ),
                "session {id:?} must hold its last turn"
            );
            let transcript = whole_transcript(store, &id);
            let expected: Vec<(u64, Vec<u8>)> = (0..TURNS)
                .map(|turn| (turn, format!("{id} turn {turn}").into_bytes()))
                .collect();
            assert_eq!(
                transcript, expected,
                "session {id:?} must hold every entry, in order"
            );
        }
    }
}
