//! The conversation's history: messages in and out, state changes, events, stack changes.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryKind {
    /// The user said something.
    In {
        /// The user's text.
        text: String,
    },
    /// The bot said something.
    Out {
        /// The bot's text.
        text: String,
    },
    /// A context changed state.
    Transition {
        /// Context name.
        context: String,
        /// Previous state.
        from: String,
        /// New state.
        to: String,
    },
    /// A context was pushed on the stack.
    Pushed {
        /// Context name.
        context: String,
    },
    /// A context left the stack.
    Popped {
        /// Context name.
        context: String,
        /// Why: `completed`, `cancelled`, `dropped`, `restart`.
        reason: String,
    },
    /// An event reached the session.
    Event {
        /// Event type.
        event: String,
    },
}

/// One history entry with its time (milliseconds since the Unix epoch, given by the caller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When, in Unix milliseconds.
    pub at_ms: u64,
    /// What.
    #[serde(flatten)]
    pub kind: HistoryKind,
}

/// The most recent entries, bounded so that the cost of a turn does not grow with the conversation.
///
/// The full transcript is appended to the store turn by turn; this tail is what the session keeps in memory
/// and in its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    entries: VecDeque<HistoryEntry>,
    limit: usize,
}

impl Default for History {
    fn default() -> Self {
        History::with_limit(History::DEFAULT_LIMIT)
    }
}

impl History {
    /// Entries kept when no limit is configured.
    pub const DEFAULT_LIMIT: usize = 50;

    /// An empty history keeping at most `limit` entries.
    pub fn with_limit(limit: usize) -> Self {
        History {
            entries: VecDeque::new(),
            limit: limit.max(1),
        }
    }

    /// Appends one entry, dropping the oldest beyond the limit.
    pub fn push(&mut self, entry: HistoryEntry) {
        if self.entries.len() == self.limit {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    /// Number of entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Changes the limit (e.g. after loading a snapshot under a new configuration).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
        while self.entries.len() > self.limit {
            self.entries.pop_front();
        }
    }
}
