//! Per-session ordering of incoming messages.
//!
//! serenity hands every gateway event to a task of its own, and tokio may run those tasks in any order
//! (a burst — typical when a resumed session replays missed events — often comes out reversed). A user's
//! messages must reach their session in the order they were written, and the replies must leave in that
//! order too. So each session gets a lane: messages wait in it sorted by their Discord id (snowflakes grow
//! with time), and one task at a time works through it. A lane exists only while it has work.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// Lanes keyed by `K` (the session), holding items of type `T` ordered by a `u64` (the message id).
#[derive(Debug)]
pub(crate) struct Lanes<K, T> {
    /// Open lanes; a key is present exactly while some task is working through that lane.
    open: Mutex<HashMap<K, BTreeMap<u64, T>>>,
}

impl<K: Eq + Hash + Clone, T> Default for Lanes<K, T> {
    fn default() -> Self {
        Lanes {
            open: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, T> Lanes<K, T> {
    /// Queues `item` in `key`'s lane at position `order`. Returns true when the lane was idle: the caller
    /// must then work through it with [`Lanes::next`] until that returns `None`. An item whose `order` is
    /// already queued replaces it (the same message delivered twice while waiting).
    pub(crate) fn push(&self, key: &K, order: u64, item: T) -> bool {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        match open.get_mut(key) {
            Some(lane) => {
                lane.insert(order, item);
                false
            }
            None => {
                open.insert(key.clone(), BTreeMap::from([(order, item)]));
                true
            }
        }
    }

    /// The lane's earliest item; `None` closes the lane (the caller stops working on it).
    pub(crate) fn next(&self, key: &K) -> Option<T> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let lane = open.get_mut(key)?;
        match lane.pop_first() {
            Some((_, item)) => Some(item),
            None => {
                open.remove(key);
                None
            }
        }
    }

    /// Lanes with work.
    #[cfg(test)]
    pub(crate) fn open_lanes(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_worker_per_lane_in_id_order_and_lanes_close_when_empty() {
        let lanes: Lanes<&str, &str> = Lanes::default();
        assert!(
            lanes.push(&"ana", 20, "second"),
            "idle lane: caller works it"
        );
        assert!(!lanes.push(&"ana", 10, "first"), "busy lane: queued only");
        assert!(lanes.push(&"bo", 5, "bo"), "other sessions are independent");
        assert_eq!(lanes.next(&"ana"), Some("first"));
        assert!(!lanes.push(&"ana", 30, "third"));
        assert_eq!(lanes.next(&"ana"), Some("second"));
        assert_eq!(lanes.next(&"ana"), Some("third"));
        assert_eq!(lanes.next(&"ana"), None);
        assert_eq!(lanes.open_lanes(), 1);
        assert!(lanes.push(&"ana", 40, "later"), "a closed lane reopens");
    }
}
