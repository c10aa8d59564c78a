//! The stored form of a session. JSON with a schema number: readable with any tool, and evolvable
//! (new fields get serde defaults; an incompatible change bumps [`SNAPSHOT_SCHEMA`] and adds a migration).

use colloquy_channel::{Outbound, SessionKey};
use colloquy_core::Session;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Current schema number.
pub const SNAPSHOT_SCHEMA: u32 = 1;

/// One session as committed after each turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Format version of this record.
    pub schema: u32,
    /// Where the session lives (for proactive messages after a restart).
    pub key: SessionKey,
    /// Context stack, timers, subscriptions, queued events and a pending clarification. The history tail
    /// is not written: it is rebuilt from the transcript when the session is loaded, so a turn writes each
    /// history entry once.
    #[serde(with = "without_history")]
    pub session: Session,
    /// Transcript entries committed so far (where the history tail ends).
    #[serde(default)]
    pub transcript_len: u64,
    /// Recently processed platform message ids (oldest first), to drop redeliveries.
    #[serde(default)]
    pub seen: VecDeque<String>,
    /// The last turn's replies and the message id they answer: replayed for a redelivered message.
    #[serde(default)]
    pub outbox: Outbox,
    /// Turns committed so far.
    #[serde(default)]
    pub turns: u64,
    /// Unix milliseconds of the last commit.
    #[serde(default)]
    pub updated_ms: u64,
    /// Unix milliseconds of the last user message (session expiry counts from it).
    #[serde(default)]
    pub last_input_ms: u64,
    /// When the session-expiry check is indexed to run (at or before `last_input_ms + session_ttl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_due_ms: Option<u64>,
    /// Proactive messages the channel could not deliver (the user was not connected), oldest first;
    /// handed to the channel when the user comes back.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub held: VecDeque<Held>,
}

/// A proactive message kept for a user who was not connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// When it was produced, Unix milliseconds.
    pub at_ms: u64,
    /// The message.
    pub message: Outbound,
}

/// The replies of the latest turn.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    /// Message id the replies answer, if the inbound had one.
    pub reply_to: Option<String>,
    /// Reply texts.
    pub messages: Vec<String>,
}

/// A snapshot that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Not JSON of the expected shape.
    #[error("snapshot is not readable: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written by a newer colloquy.
    #[error(
        "snapshot schema {found} is newer than this server understands ({SNAPSHOT_SCHEMA}); upgrade colloquy"
    )]
    UnsupportedSchema {
        /// Schema found.
        found: u32,
    },
}

impl Snapshot {
    /// A new, empty session.
    pub fn new(key: SessionKey) -> Self {
        Snapshot {
            schema: SNAPSHOT_SCHEMA,
            key,
            session: Session::default(),
            transcript_len: 0,
            seen: VecDeque::new(),
            outbox: Outbox::default(),
            turns: 0,
            updated_ms: 0,
            last_input_ms: 0,
            ttl_due_ms: None,
            held: VecDeque::new(),
        }
    }

    /// Serializes.
    pub fn encode(&self) -> Vec<u8> {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses and checks the schema.
    pub fn decode(bytes: &[u8]) -> Result<Self, SnapshotError> {
        #[derive(Deserialize)]
        struct Header {
            schema: u32,
        }
        let header: Header = serde_json::from_slice(bytes)?;
        if header.schema != SNAPSHOT_SCHEMA {
            return Err(SnapshotError::UnsupportedSchema {
                found: header.schema,
            });
        }
        Ok(serde_json::from_slice(bytes)?)
    }

    /// Remembers `id` as processed, keeping at most `window` ids.
    pub fn mark_seen(&mut self, id: &str, window: usize) {
        if window == 0 {
            return;
        }
        while self.seen.len() >= window {
            self.seen.pop_front();
        }
        self.seen.push_back(id.to_owned());
    }
}

/// (De)serializes a [`Session`] without its history tail. The stack's fields sit at the top level, so
/// snapshots written when only the stack was stored (`{"frames": [...]}`) still load.
mod without_history {
    use colloquy_core::{Clarification, ContextStack, Event, Session, Subscription, Timer};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        stack: &'a ContextStack,
        #[serde(skip_serializing_if = "Option::is_none")]
        clarification: &'a Option<Clarification>,
        #[serde(skip_serializing_if = "<[Timer]>::is_empty")]
        timers: &'a [Timer],
        #[serde(skip_serializing_if = "<[Subscription]>::is_empty")]
        subscriptions: &'a [Subscription],
        #[serde(skip_serializing_if = "<[Event]>::is_empty")]
        queued: &'a [Event],
    }

    #[derive(Deserialize)]
    struct In {
        #[serde(flatten)]
        stack: ContextStack,
        #[serde(default)]
        clarification: Option<Clarification>,
        #[serde(default)]
        timers: Vec<Timer>,
        #[serde(default)]
        subscriptions: Vec<Subscription>,
        #[serde(default)]
        queued: Vec<Event>,
    }

    pub fn serialize<S: Serializer>(session: &Session, s: S) -> Result<S::Ok, S::Error> {
        Out {
            stack: &session.stack,
            clarification: &session.clarification,
            timers: &session.timers,
            subscriptions: &session.subscriptions,
            queued: &session.queued,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Session, D::Error> {
        let i = In::deserialize(d)?;
        Ok(Session {
            stack: i.stack,
            clarification: i.clarification,
            timers: i.timers,
            subscriptions: i.subscriptions,
            queued: i.queued,
            ..Session::default()
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key() -> SessionKey {
        SessionKey {
            bot: "b".into(),
            channel: "c".into(),
            conversation: "x".into(),
            user: "u".into(),
        }
    }

    #[test]
    fn round_trips_and_rejects_garbage_and_future_schemas() {
        let mut s = Snapshot::new(key());
        s.mark_seen("m1", 2);
        s.mark_seen("m2", 2);
        s.mark_seen("m3", 2);
        assert_eq!(s.seen, ["m2", "m3"]);
        assert_eq!(Snapshot::decode(&s.encode()).unwrap(), s);
        // The history tail is not written (the transcript holds it); the stack is.
        s.session.history.push(colloquy_core::HistoryEntry {
            at_ms: 1,
            kind: colloquy_core::HistoryKind::In {
                text: "secret-ish text".into(),
            },
        });
        s.session
            .stack
            .push(colloquy_core::Frame::new("booking", "INIT"), 4)
            .unwrap();
        s.transcript_len = 7;
        let bytes = s.encode();
        assert!(!String::from_utf8_lossy(&bytes).contains("secret-ish"));
        let back = Snapshot::decode(&bytes).unwrap();
        assert!(back.session.history.is_empty());
        assert_eq!(
            (back.session.stack, back.transcript_len),
            (s.session.stack.clone(), 7)
        );
        assert!(matches!(
            Snapshot::decode(b"\xff\x00garbage"),
            Err(SnapshotError::Malformed(_))
        ));
        let future = String::from_utf8(s.encode())
            .unwrap()
            .replace("\"schema\":1", "\"schema\":99");
        assert!(matches!(
            Snapshot::decode(future.as_bytes()),
            Err(SnapshotError::UnsupportedSchema { found: 99 })
        ));
    }
}
