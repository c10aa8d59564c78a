//! The state of one conversation as the core sees it: its context stack, history tail, and a pending
//! clarification question.

use crate::event::Event;
use crate::history::History;
use crate::stack::ContextStack;
use crate::timer::{Subscription, Timer};
use crate::understanding::Understanding;
use serde::{Deserialize, Serialize};

/// One user's conversation with one bot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Active and interrupted contexts.
    pub stack: ContextStack,
    /// Recent history (bounded).
    pub history: History,
    /// The question "Did you want to A or B?" awaiting an answer, with the message that raised it.
    /// `serde(default)`: snapshots written before clarification existed still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clarification: Option<Clarification>,
    /// Pending timers, earliest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timers: Vec<Timer>,
    /// Topics followed, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<Subscription>,
    /// Events held by a `queue` policy until the context on top reaches a state that may be left.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<Event>,
}

impl Session {
    /// When the earliest timer is due.
    pub fn next_due(&self) -> Option<u64> {
        self.timers.iter().map(|t| t.due_ms).min()
    }

    /// The distinct topics followed, sorted.
    pub fn topics(&self) -> Vec<&str> {
        let mut topics: Vec<&str> = self
            .subscriptions
            .iter()
            .map(|s| s.topic.as_str())
            .collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }
}

/// An ambiguous message the bot asked about: once the answer picks an option, the original message is
/// routed again as that intent (its entities are kept, so "fly to Dubai" still fills the city).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clarification {
    /// The ambiguous message.
    pub text: String,
    /// What was recognized in it.
    pub understanding: Understanding,
    /// Candidate intent names, best first.
    pub options: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_from_before_clarification_still_load_and_new_ones_round_trip() {
        let old = r#"{"stack":{"frames":[]},"history":{"entries":[],"limit":50}}"#;
        let s: Session = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.clarification, None);
        let with = Session {
            clarification: Some(Clarification {
                text: "flights and weather".into(),
                understanding: Understanding::default(),
                options: vec!["book_flight".into(), "weather".into()],
            }),
            ..s
        };
        let json = serde_json::to_string(&with).unwrap_or_default();
        let back: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, with);
    }
}
