//! Turning text into an [`Understanding`]: ranked intents with confidences, entities with type, role,
//! raw text, normalized value and span.
//!
//! Modules, one job each:
//! - [`recognizer`]: the [`Recognizer`] trait the router depends on (one method) and [`RecognizeContext`].
//! - [`trained`]: [`TrainedRecognizer`], the built-in recognizer (rules + classifier + entities).
//! - [`spec`]: [`NluSpec`], what a recognizer is built from, and its content hash.
//! - [`pattern`]: [`PatternRecognizer`]: regex patterns, command phrases and example overlap (rules).
//! - [`features`]: TF-IDF over word and character n-grams.
//! - [`softmax`]: the multinomial logistic regression intent classifier (sparse SGD).
//! - [`tagger`]: the learned slot tagger (CRF or averaged structured perceptron by data size, Viterbi).
//! - [`lexicon`]: slot values seen in the examples, found in a sentence (tagger and classifier features).
//! - [`slot_context`]: the words around open-vocabulary slot values (classifier features).
//! - [`annotate`]: inline annotations in examples, `[Lahore](city:from)`.
//! - [`gazetteer`]: closed-list entities with synonyms, typo tolerance and roles (Aho–Corasick).
//! - [`places`]: built-in place names (countries, US states, cities), hints for the slot tagger.
//! - [`builtin`]: yes/no, numbers, money.
//! - [`datetime`]: dates and times, relative ones resolved against the session clock.
//! - [`dataset`]: training data files: SNIPS JSON, simple JSON, CSV.
//! - [`cache`]: trained models on disk, keyed by the content hash of their training data.
//! - [`eval`]: evaluation: k-fold or train/test, per-intent and per-slot precision/recall/F1.
//! - [`text`]: tokens, spans, hashing.
//! - [`error`]: the crate's one error type, `NluError`.

pub mod annotate;
pub mod builtin;
pub mod cache;
pub mod dataset;
pub mod datetime;
pub mod error;
pub mod eval;
pub mod features;
pub mod gazetteer;
pub mod lexicon;
pub mod pattern;
pub mod places;
pub mod recognizer;
pub mod slot_context;
pub mod softmax;
pub mod spec;
pub mod tagger;
pub mod text;
pub mod trained;

pub use colloquy_core::Understanding;
pub use error::NluError;
pub use gazetteer::{GazetteerSpec, GazetteerValue};
pub use pattern::{IntentSpec, ListEntitySpec, PatternRecognizer};
pub use recognizer::{RecognizeContext, Recognizer};
pub use spec::{NluSettings, NluSpec, OUT_OF_SCOPE, RegexEntitySpec, TrainingExample};
pub use trained::{TrainedModel, TrainedRecognizer};
