//! Events from the outside world (a price change, a reminder) that reach a session's contexts, and how a
//! context wants them handled when one arrives mid-flow.

use crate::value::Data;
use serde::{Deserialize, Serialize};

/// An event addressed to one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Event type (`price_change`).
    pub kind: String,
    /// Payload; templates read it as `{new_price}`.
    #[serde(default)]
    pub data: Data,
    /// Idempotency key from the producer, when it gave one.
    #[serde(default)]
    pub id: Option<String>,
}

impl Event {
    /// An event with no data and no id.
    pub fn new(kind: impl Into<String>) -> Self {
        Event {
            kind: kind.into(),
            data: Data::new(),
            id: None,
        }
    }

    /// Adds one data field.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<crate::SlotValue>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// What a context does with an event that arrives while it is on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPolicy {
    /// Handle it now and tell the user; then re-ask the open question of the context on top.
    #[default]
    Interrupt,
    /// Hold it until the context on top is in a state that may be left (its digression policy allows
    /// `away`) or the stack is empty; then handle it like `interrupt`.
    Queue,
    /// Handle it silently: data and state change, nothing is said.
    Update,
    /// Swallow it: nothing changes and nothing is said.
    Ignore,
}
