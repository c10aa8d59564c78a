//! Slot values: the typed data a context keeps for a session.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One value held in a slot or in event data.
///
/// A closed set of types keeps snapshots compact and readable; a Rust context that needs structure stores
/// JSON text in [`SlotValue::Text`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SlotValue {
    /// Yes/no answers and flags.
    Bool(bool),
    /// Numbers (amounts, counts).
    Number(f64),
    /// Free text and values picked from a list (a city name).
    Text(String),
}

impl fmt::Display for SlotValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotValue::Bool(true) => f.write_str("yes"),
            SlotValue::Bool(false) => f.write_str("no"),
            SlotValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                write!(f, "{}", *n as i64)
            }
            SlotValue::Number(n) => write!(f, "{n}"),
            SlotValue::Text(s) => f.write_str(s),
        }
    }
}

impl From<&str> for SlotValue {
    fn from(s: &str) -> Self {
        SlotValue::Text(s.to_owned())
    }
}

impl From<String> for SlotValue {
    fn from(s: String) -> Self {
        SlotValue::Text(s)
    }
}

impl From<f64> for SlotValue {
    fn from(n: f64) -> Self {
        SlotValue::Number(n)
    }
}

impl From<bool> for SlotValue {
    fn from(b: bool) -> Self {
        SlotValue::Bool(b)
    }
}

/// Named values; ordered so that snapshots and transcripts are deterministic.
pub type Data = BTreeMap<String, SlotValue>;
