//! The runtime's layout of the store's secondary index (see `colloquy_store::IndexOp`):
//!
//! - `T` + due (u64 BE, Unix ms) + session id + `0x00` + owner + `0x00` + timer id → session key (JSON).
//!   Sorted by due time, so "what is due now" is a prefix scan that stops at the first future entry.
//!   The session-expiry check uses the owner and id `0x00` + `ttl`.
//! - `P` + topic + `0x00` + session id → session key (JSON): the sessions following a topic.
//! - `E` + bot + `0x00` + event id → Unix ms when it was delivered: the idempotency ledger.
//!
//! Session ids, topics and event ids never contain `0x00` (ids are percent-escaped text; topics and event
//! ids with one are refused), so `0x00` ends each variable part.

/// Prefix of timer entries.
pub const TIMER: &[u8] = b"T";
/// Prefix of topic entries.
pub const TOPIC: &[u8] = b"P";
/// Prefix of ledger entries.
pub const LEDGER: &[u8] = b"E";

/// Key of a timer entry.
pub fn timer(due_ms: u64, session: &str, owner: &str, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 8 + session.len() + owner.len() + id.len() + 2);
    key.extend_from_slice(TIMER);
    key.extend_from_slice(&due_ms.to_be_bytes());
    key.extend_from_slice(session.as_bytes());
    key.push(0);
    key.extend_from_slice(owner.as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

/// Key of the session-expiry check.
pub fn expiry(due_ms: u64, session: &str) -> Vec<u8> {
    timer(due_ms, session, "", "ttl")
}

/// Due time and session id of a timer entry key.
pub fn parse_timer(key: &[u8]) -> Option<(u64, &str)> {
    let rest = key.strip_prefix(TIMER)?;
    let (due, rest) = rest.split_at_checked(8)?;
    let due = u64::from_be_bytes(due.try_into().ok()?);
    let end = rest.iter().position(|b| *b == 0)?;
    Some((due, std::str::from_utf8(&rest[..end]).ok()?))
}

/// The prefix of every entry of `topic`.
pub fn topic_prefix(topic: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + topic.len());
    key.extend_from_slice(TOPIC);
    key.extend_from_slice(topic.as_bytes());
    key.push(0);
    key
}

/// Key of `session` following `topic`.
pub fn topic(topic: &str, session: &str) -> Vec<u8> {
    let mut key = topic_prefix(topic);
    key.extend_from_slice(session.as_bytes());
    key
}

/// Key of a delivered event id.
pub fn ledger(bot: &str, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + bot.len() + id.len());
    key.extend_from_slice(LEDGER);
    key.extend_from_slice(bot.as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_keys_sort_by_due_time_and_parse_back() {
        let early = timer(5, "b/ws/c/u", "booking", "nudge");
        let late = timer(256, "a/ws/c/u", "booking", "nudge");
        assert!(early < late, "big-endian due times sort numerically");
        assert_eq!(parse_timer(&late), Some((256, "a/ws/c/u")));
        assert_eq!(parse_timer(&expiry(7, "s")), Some((7, "s")));
        assert_eq!(parse_timer(b"T\x00"), None);
        assert_eq!(parse_timer(b"Pxyz"), None);
    }

    #[test]
    fn topic_prefixes_do_not_overlap() {
        assert!(topic("fare:A", "s").starts_with(&topic_prefix("fare:A")));
        assert!(!topic("fare:AB", "s").starts_with(&topic_prefix("fare:A")));
    }
}
