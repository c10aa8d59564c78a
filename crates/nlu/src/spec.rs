//! [`NluSpec`]: everything a [`crate::TrainedRecognizer`] is built from — rule intents, training examples,
//! entity definitions and settings — and its content hash (the cache key of a trained model).

use crate::annotate::SpanLabel;
use crate::gazetteer::GazetteerSpec;
use crate::pattern::IntentSpec;
use sha2::{Digest, Sha256};

/// The reserved intent name of out-of-scope training examples: learned like any intent, never reported.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// One training sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingExample {
    /// Plain text (annotations removed).
    pub text: String,
    /// Intent name, or [`OUT_OF_SCOPE`].
    pub intent: String,
    /// Annotated entities (char offsets into `text`).
    pub spans: Vec<SpanLabel>,
}

/// A regular-expression entity: every match is an entity of that type, its value the matched text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexEntitySpec {
    /// Entity type name.
    pub name: String,
    /// The pattern (Rust `regex` syntax, case-insensitive).
    pub pattern: String,
}

/// Training settings; the defaults (0 = chosen from the data size) suit bots of a few to 15,000 examples.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NluSettings {
    /// Passes of the intent classifier over the data (0: chosen from the data size).
    pub epochs: usize,
    /// Passes of the slot tagger (0: chosen from the data size).
    pub tagger_epochs: usize,
}

/// Everything a trained recognizer is built from.
#[derive(Debug, Clone, Default)]
pub struct NluSpec {
    /// Intents recognized by rules: regex patterns and whole phrases (commands) — confidence 1.0.
    pub rules: Vec<IntentSpec>,
    /// Training examples for the classifier and the slot tagger.
    pub examples: Vec<TrainingExample>,
    /// Closed-list entities.
    pub gazetteers: Vec<GazetteerSpec>,
    /// Regex entities.
    pub regexes: Vec<RegexEntitySpec>,
    /// Training settings.
    pub settings: NluSettings,
}

/// Bumped whenever training or features change, so old cached models are not reused.
pub const MODEL_VERSION: u32 = 10;

impl NluSpec {
    /// SHA-256 of everything training depends on (examples, gazetteers — the classifier masks their
    /// values —, settings, model version), hex-encoded.
    pub fn training_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(MODEL_VERSION.to_le_bytes());
        h.update((self.settings.epochs as u64).to_le_bytes());
        h.update((self.settings.tagger_epochs as u64).to_le_bytes());
        for e in &self.examples {
            for part in [e.intent.as_str(), "\u{1}", e.text.as_str(), "\u{1}"] {
                h.update(part.as_bytes());
            }
            for s in &e.spans {
                let role = s.role.as_deref().unwrap_or("");
                h.update(format!("{}:{}:{}:{role}\u{2}", s.start, s.end, s.entity).as_bytes());
            }
            h.update(b"\n");
        }
        for g in &self.gazetteers {
            h.update(format!("gazetteer\u{1}{}\u{1}{:?}\n", g.name, g.fuzzy).as_bytes());
            for v in &g.values {
                let line = format!(
                    "{}\u{1}{}\u{1}{}\u{1}{}\n",
                    v.canonical,
                    v.synonyms.join("\u{2}"),
                    v.codes.join("\u{2}"),
                    v.needs_capital
                );
                h.update(line.as_bytes());
            }
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::GazetteerValue;

    #[test]
    fn the_hash_follows_examples_and_gazetteers() {
        let mut spec = NluSpec {
            examples: vec![crate::dataset::annotated("fly to [Dubai](city)", "book")],
            ..NluSpec::default()
        };
        let a = spec.training_hash();
        assert_eq!(a, spec.clone().training_hash());
        spec.gazetteers.push(GazetteerSpec {
            name: "city".into(),
            values: vec![GazetteerValue {
                canonical: "Dubai".into(),
                ..Default::default()
            }],
            ..Default::default()
        });
        let b = spec.training_hash();
        assert_ne!(a, b);
        spec.examples[0].text.push('!');
        assert_ne!(b, spec.training_hash());
    }
}
