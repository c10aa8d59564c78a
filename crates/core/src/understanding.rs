//! What a recognizer found in one message. Produced by `colloquy-nlu`, consumed by the [`crate::router`].

use serde::{Deserialize, Serialize};

/// One candidate intent with its confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentMatch {
    /// Intent name as declared in the bot definition (`book_flight`).
    pub name: String,
    /// Confidence in `0.0..=1.0`.
    pub confidence: f32,
}

/// One entity found in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Entity type (`city`, `yes_no`, `number`).
    pub kind: String,
    /// Role within the utterance (`from`, `to`), when the words around it say so.
    pub role: Option<String>,
    /// Normalized value (`Dubai` for "dubai" or "DXB").
    pub value: String,
    /// The text as the user wrote it.
    pub raw: String,
    /// Character span `[start, end)` in the original text (in `char`s, not bytes).
    pub span: (usize, usize),
}

/// Everything recognized in one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    /// Candidate intents, best first. Empty when nothing matched.
    pub intents: Vec<IntentMatch>,
    /// Entities in order of appearance.
    pub entities: Vec<Entity>,
}

impl Understanding {
    /// The best intent at or above `threshold`, if any.
    pub fn top_intent(&self, threshold: f32) -> Option<&IntentMatch> {
        self.intents.first().filter(|i| i.confidence >= threshold)
    }

    /// The first entity of `kind`, optionally restricted to `role`.
    pub fn entity(&self, kind: &str, role: Option<&str>) -> Option<&Entity> {
        self.entities
            .iter()
            .find(|e| e.kind == kind && (role.is_none() || e.role.as_deref() == role))
    }

    /// The yes/no answer in the message, if it holds one.
    pub fn yes_no(&self) -> Option<bool> {
        self.entity("yes_no", None).map(|e| e.value == "yes")
    }
}
