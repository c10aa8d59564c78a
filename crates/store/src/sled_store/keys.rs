//! Key layout of the sled tree. Every key starts with a one-byte tag naming its kind:
//!
//! - `s` + id → session record ([`record`](super::record)): ids sort in byte order, so `scan` is a range read.
//! - `h` + id → next transcript sequence number of the session (u64 big-endian).
//! - `t` + len(id) as u64 BE + id + seq as u64 BE → one transcript entry. The length prefix keeps the
//!   transcripts of "a" and "ab" apart; big-endian seqs keep one session's entries in order.
//! - `q` + len(id) as u64 BE + id + unix millis as u64 BE + unique id as u64 BE → a quarantined record.
//! - `m` + key → a server-wide meta value.
//! - `i` + key → a secondary-index entry (the runtime's timer and topic indexes; layout is theirs).

/// Tag of session records.
pub(crate) const SESSION: u8 = b's';
/// Tag of transcript heads (next sequence number).
const HEAD: u8 = b'h';
/// Tag of transcript entries.
const TRANSCRIPT: u8 = b't';
/// Tag of quarantined records.
pub(crate) const QUARANTINE: u8 = b'q';
/// Tag of meta values.
const META: u8 = b'm';
/// Tag of secondary-index entries.
const INDEX: u8 = b'i';

/// Key of the index entry `key`.
pub(crate) fn index(key: &[u8]) -> Vec<u8> {
    tagged(INDEX, key)
}

/// `tag` followed by `bytes`.
fn tagged(tag: u8, bytes: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + bytes.len());
    key.push(tag);
    key.extend_from_slice(bytes);
    key
}

/// `tag` followed by the length of `id` and `id`: no such key is a prefix of another session's.
fn tagged_with_length(tag: u8, id: &str, extra: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 8 + id.len() + extra);
    key.push(tag);
    key.extend_from_slice(&(id.len() as u64).to_be_bytes());
    key.extend_from_slice(id.as_bytes());
    key
}

/// Key of the session record of `id` (also used as a scan bound for an id prefix).
pub(crate) fn session(id: &str) -> Vec<u8> {
    tagged(SESSION, id.as_bytes())
}

/// The session id of a session record key, if `key` is one.
pub(crate) fn session_id(key: &[u8]) -> Option<&[u8]> {
    match key.split_first() {
        Some((&SESSION, id)) => Some(id),
        _ => None,
    }
}

/// Key of the transcript head (next sequence number) of `id`.
pub(crate) fn head(id: &str) -> Vec<u8> {
    tagged(HEAD, id.as_bytes())
}

/// The common prefix of all transcript entry keys of `id`.
pub(crate) fn transcript_prefix(id: &str) -> Vec<u8> {
    tagged_with_length(TRANSCRIPT, id, 8)
}

/// Key of transcript entry `seq`, given the session's [`transcript_prefix`].
pub(crate) fn transcript(prefix: &[u8], seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 8);
    key.extend_from_slice(prefix);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The sequence number of a transcript entry key, given the session's [`transcript_prefix`].
pub(crate) fn transcript_seq(prefix: &[u8], key: &[u8]) -> Option<u64> {
    let seq = key.strip_prefix(prefix)?;
    Some(u64::from_be_bytes(seq.try_into().ok()?))
}

/// Key of a quarantined record of `id`, moved aside at `unix_millis`; `unique` keeps two quarantines of the
/// same session in the same millisecond apart.
pub(crate) fn quarantine(id: &str, unix_millis: u64, unique: u64) -> Vec<u8> {
    let mut key = tagged_with_length(QUARANTINE, id, 16);
    key.extend_from_slice(&unix_millis.to_be_bytes());
    key.extend_from_slice(&unique.to_be_bytes());
    key
}

/// Key of the meta value `name`.
pub(crate) fn meta(name: &str) -> Vec<u8> {
    tagged(META, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn transcript_keys_of_distinct_entries_differ(a in ".{0,6}", b in ".{0,6}", x in 0u64..4, y in 0u64..4) {
            prop_assume!((a.as_str(), x) != (b.as_str(), y));
            prop_assert_ne!(transcript(&transcript_prefix(&a), x), transcript(&transcript_prefix(&b), y));
        }

        #[test]
        fn transcript_keys_sort_by_seq_and_never_match_another_prefix(a in "[ab\\x00]{0,4}", b in "[ab\\x00]{0,4}", x: u64, y: u64) {
            let prefix = transcript_prefix(&a);
            prop_assert_eq!(transcript(&prefix, x).cmp(&transcript(&prefix, y)), x.cmp(&y));
            prop_assert_eq!(transcript_seq(&prefix, &transcript(&prefix, x)), Some(x));
            if a != b {
                prop_assert!(!transcript(&transcript_prefix(&b), y).starts_with(&prefix));
            }
        }

        #[test]
        fn session_keys_sort_like_ids_and_round_trip(a in ".{0,6}", b in ".{0,6}") {
            prop_assert_eq!(session(&a).cmp(&session(&b)), a.as_bytes().cmp(b.as_bytes()));
            let key = session(&a);
            prop_assert_eq!(session_id(&key), Some(a.as_bytes()));
        }
    }
}
