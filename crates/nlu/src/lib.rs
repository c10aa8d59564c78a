//! Turning text into an [`Understanding`]: intents and entities.
//!
//! Modules:
//! - [`recognizer`]: the [`Recognizer`] trait the router depends on (one method).
//! - [`pattern`]: [`PatternRecognizer`], the built-in recognizer: regex patterns and example phrases for
//!   intents; list entities (with synonyms and roles), yes/no and numbers.
//! - [`text`]: tokenizing and span helpers shared by the above.
//!
//! A trained classifier will replace the pattern recognizer behind the same trait without touching the router.

pub mod pattern;
pub mod recognizer;
pub mod text;

pub use colloquy_core::Understanding;
pub use pattern::{IntentSpec, ListEntitySpec, NluError, PatternRecognizer};
pub use recognizer::Recognizer;
