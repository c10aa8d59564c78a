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
}

impl Default for RuntimeSection {
    fn default() -> Self {
        RuntimeSection {
            idle_timeout_secs: 300,
            mailbox_capacity: 32,
            dedupe_window: 64,
        }
    }
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
        }
    }
}

impl RuntimeConfig {
    /// Applies a `[runtime]` section.
    pub fn with_section(mut self, s: &RuntimeSection) -> Self {
        self.idle_timeout = Duration::from_secs(s.idle_timeout_secs.max(1));
        self.mailbox_capacity = s.mailbox_capacity.max(1);
        self.dedupe_window = s.dedupe_window;
        self
    }
}
