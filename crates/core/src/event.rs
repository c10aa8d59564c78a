//! Events from the outside world (a price change, a reminder) that reach a session's contexts.

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
}
