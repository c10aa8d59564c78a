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
    /// Numbers (amounts, counts). A non-finite number is stored as text ("NaN", "inf") so that a
    /// snapshot holding one can always be read back.
    Number(#[serde(serialize_with = "finite_or_text")] f64),
    /// Free text and values picked from a list (a city name).
    Text(String),
}

fn finite_or_text<S: serde::Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
    if n.is_finite() {
        s.serialize_f64(*n)
    } else {
        s.serialize_str(&n.to_string())
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_still_round_trip_as_text() {
        let mut d = Data::new();
        d.insert("n".into(), SlotValue::Number(f64::NAN));
        d.insert("x".into(), SlotValue::Number(2.5));
        let back: Data = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back["n"], SlotValue::Text("NaN".into()));
        assert_eq!(back["x"], SlotValue::Number(2.5));
    }
}
