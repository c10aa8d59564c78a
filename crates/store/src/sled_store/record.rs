//! Value formats of the sled tree. Anything that does not parse becomes [`StoreError::Corrupt`], never a panic.
//!
//! - session record: format byte `1`, version as u64 BE (>= 1), then the snapshot bytes.
//! - transcript head: the next sequence number as u64 BE (exactly 8 bytes).
//! - transcript chunk (the entries of one commit): each entry as its length (u32 BE) and its bytes.
//! - quarantined record: reason length as u32 BE, the reason, then the record bytes exactly as they were.

use crate::{StoreError, Stored};

/// First byte of every session record written by this version of the store.
const FORMAT: u8 = 1;
/// Length of the session record header (format byte + version).
const HEADER: usize = 1 + 8;

/// Encodes a session record.
pub(crate) fn encode(version: u64, snapshot: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(HEADER + snapshot.len());
    value.push(FORMAT);
    value.extend_from_slice(&version.to_be_bytes());
    value.extend_from_slice(snapshot);
    value
}

/// The version of a session record, checking its header.
pub(crate) fn version(session: &str, value: &[u8]) -> Result<u64, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        session: session.to_owned(),
        detail,
    };
    let Some(header) = value.get(..HEADER) else {
        return Err(corrupt(format!(
            "record is {} bytes, shorter than its {HEADER}-byte header",
            value.len()
        )));
    };
    if header[0] != FORMAT {
        return Err(corrupt(format!(
            "unknown record format {} (expected {FORMAT})",
            header[0]
        )));
    }
    let mut version = [0u8; 8];
    version.copy_from_slice(&header[1..]);
    match u64::from_be_bytes(version) {
        0 => Err(corrupt("record has version 0".to_owned())),
        version => Ok(version),
    }
}

/// Decodes a session record.
pub(crate) fn decode(session: &str, value: &[u8]) -> Result<Stored, StoreError> {
    let version = version(session, value)?;
    Ok(Stored {
        version,
        snapshot: value[HEADER..].to_vec(),
    })
}

/// Encodes a transcript head.
pub(crate) fn encode_head(next_seq: u64) -> [u8; 8] {
    next_seq.to_be_bytes()
}

/// Decodes a transcript head.
pub(crate) fn decode_head(session: &str, value: &[u8]) -> Result<u64, StoreError> {
    let bytes: [u8; 8] = value.try_into().map_err(|_| StoreError::Corrupt {
        session: session.to_owned(),
        detail: format!("transcript head is {} bytes, expected 8", value.len()),
    })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Packs the entries of one commit into a chunk.
pub(crate) fn encode_chunk(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut value = Vec::with_capacity(entries.iter().map(|e| 4 + e.len()).sum());
    for e in entries {
        value.extend_from_slice(&(e.len() as u32).to_be_bytes());
        value.extend_from_slice(e);
    }
    value
}

/// Unpacks a chunk.
pub(crate) fn decode_chunk(session: &str, mut value: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        session: session.to_owned(),
        detail: "transcript chunk is truncated".to_owned(),
    };
    let mut entries = Vec::new();
    while !value.is_empty() {
        let len: [u8; 4] = value
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(corrupt)?;
        let len = u32::from_be_bytes(len) as usize;
        let entry = value.get(4..4 + len).ok_or_else(corrupt)?;
        entries.push(entry.to_vec());
        value = &value[4 + len..];
    }
    Ok(entries)
}

/// Encodes a quarantined record: why, and the raw bytes as they were stored.
pub(crate) fn encode_quarantined(reason: &str, raw: &[u8]) -> Vec<u8> {
    let reason = &reason.as_bytes()[..reason.len().min(u32::MAX as usize)];
    let mut value = Vec::with_capacity(4 + reason.len() + raw.len());
    value.extend_from_slice(&(reason.len() as u32).to_be_bytes());
    value.extend_from_slice(reason);
    value.extend_from_slice(raw);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_bad_headers_are_corrupt() {
        assert_eq!(
            decode("s", &encode(7, b"snap")).ok(),
            Some(Stored {
                version: 7,
                snapshot: b"snap".to_vec()
            })
        );
        assert_eq!(
            decode("s", &encode(1, b"")).ok(),
            Some(Stored {
                version: 1,
                snapshot: Vec::new()
            })
        );
        for bad in [
            &b""[..],
            b"\x01",
            b"\x01\0\0\0\0\0\0\0",
            b"\x02\0\0\0\0\0\0\0\x01",
            b"\x01\0\0\0\0\0\0\0\0",
        ] {
            assert!(
                matches!(decode("s", bad), Err(StoreError::Corrupt { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(decode_head("s", &encode_head(42)).ok(), Some(42));
        let chunk = encode_chunk(&[b"a".to_vec(), Vec::new(), b"ccc".to_vec()]);
        assert_eq!(
            decode_chunk("s", &chunk).ok(),
            Some(vec![b"a".to_vec(), Vec::new(), b"ccc".to_vec()])
        );
        assert!(matches!(
            decode_chunk("s", &chunk[..chunk.len() - 1]),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            decode_head("s", b"1234567"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
