//! The extension point for natural-language understanding.

use colloquy_core::Understanding;

/// Finds intents and entities in one message.
///
/// Implementations must be deterministic and must not fail or panic on any input (empty text, megabytes of
/// text, any script): odd input simply yields an empty [`Understanding`].
pub trait Recognizer: Send + Sync + 'static {
    /// Recognizes one message.
    fn recognize(&self, text: &str) -> Understanding;
}
