//! Runtime settings.

use serde::Deserialize;
use std::time::Duration;

/// When a committed turn is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Flush before the reply is sent: a reply the user has seen survives `kill -9`. Flushes are shared by
    /// every turn that committed while the previous flush ran (group commit).
    PerTurn,
    /// The store flushes in the background every `every`; a crash loses at most that much of the latest turns.
    Interval {
        /// Flush period.
        every: Duration,
    },
}

/// `[runtime]` in the bot file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeSection {
    /// Seconds without a message after which a session's actor is stopped (its state stays in the store).
    pub idle_timeout_secs: u64,
    /// Messages that may wait in one session's mailbox; more get a "busy" answer.
    pub mailbox_capacity: usize,
    /// Platform message ids remembered per session to drop redeliveries.
    pub dedupe_window: usize,
    /// Sessions without a user message for this long expire (`"30d"`); absent: never.
    #[serde(deserialize_with = "optional_duration")]
    pub session_ttl: Option<Duration>,
    /// What expiry does after raising `session_expired`: `delete` the session (and its transcript) or
    /// `reset` it (empty stack, transcript kept).
    pub on_session_expired: ExpiryPolicy,
    /// Proactive messages kept for a user who is not connected (WebSocket), at most this many …
    pub held_max_messages: usize,
    /// … and at most this old when the user comes back (`"24h"`).
    #[serde(deserialize_with = "duration")]
    pub held_max_age: Duration,
}

impl Default for RuntimeSection {
    fn default() -> Self {
        RuntimeSection {
            idle_timeout_secs: 300,
            mailbox_capacity: 32,
            dedupe_window: 64,
            session_ttl: None,
            on_session_expired: ExpiryPolicy::Delete,
            held_max_messages: 20,
            held_max_age: Duration::from_secs(24 * 3600),
        }
    }
}

/// What happens to an expired session once `session_expired` was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryPolicy {
    /// Delete the snapshot and the transcript.
    Delete,
    /// Start the conversation afresh (empty stack, no timers or subscriptions); the transcript stays.
    Reset,
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(text.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "`{text}` is not a duration ({e}); write e.g. \"90s\", \"10m\", \"24h\", \"30d\""
        ))
    })
}

fn optional_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// Everything the supervisor needs to know.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Stop a session's actor after this long without messages.
    pub idle_timeout: Duration,
    /// Bounded mailbox size per session.
    pub mailbox_capacity: usize,
    /// Inbound message ids remembered per session.
    pub dedupe_window: usize,
    /// Durability of each turn.
    pub durability: Durability,
    /// Arbiters (threads) for sessions that do not arrive on an actix thread; default: one per core.
    pub arbiters: usize,
    /// Said when a context panics; the session continues from its last snapshot.
    pub apology: String,
    /// Expire sessions this long after their last user message.
    pub session_ttl: Option<Duration>,
    /// What expiry does.
    pub on_session_expired: ExpiryPolicy,
    /// Undelivered proactive messages kept per session.
    pub held_max_messages: usize,
    /// Oldest undelivered proactive message still handed over on reconnect.
    pub held_max_age: Duration,
    /// How long a delivered event id is remembered (idempotency of the event API).
    pub event_id_retention: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            idle_timeout: Duration::from_secs(300),
            mailbox_capacity: 32,
            dedupe_window: 64,
            durability: Durability::Interval {
                every: Duration::from_millis(100),
            },
            arbiters: std::thread::available_parallelism().map_or(2, |n| n.get()),
            apology: "Sorry, something went wrong on my side. Let's continue from where we were."
                .into(),
            session_ttl: None,
            on_session_expired: ExpiryPolicy::Delete,
            held_max_messages: 20,
            held_max_age: Duration::from_secs(24 * 3600),
            event_id_retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl RuntimeConfig {
    /// Applies a `[runtime]` section.
    pub fn with_section(mut self, s: &RuntimeSection) -> Self {
        self.idle_timeout = Duration::from_secs(s.idle_timeout_secs.max(1));
        self.mailbox_capacity = s.mailbox_capacity.max(1);
        self.dedupe_window = s.dedupe_window;
        self.session_ttl = s.session_ttl.filter(|d| !d.is_zero());
        self.on_session_expired = s.on_session_expired;
        self.held_max_messages = s.held_max_messages;
        self.held_max_age = s.held_max_age;
        self
    }
}
