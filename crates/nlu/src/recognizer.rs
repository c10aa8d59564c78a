//! The extension point for natural-language understanding.

use colloquy_core::Understanding;

/// What a recognizer may know about the message besides its text: when it was sent and the user's
/// UTC offset, so that "tomorrow" means the user's tomorrow. Passed in, never read from a clock.
///
/// It is given with every message and a recognizer keeps no time zone of its own, so a per-session (or
/// per-user) time zone needs nothing from the recognizer: the caller passes that session's offset here.
/// A bot's `[nlu] utc_offset` is only the default a caller uses when the session has none. The offset is
/// the one in force at `now_ms` (daylight saving is the caller's to apply, e.g. from an IANA zone name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecognizeContext {
    /// Unix time of the message in milliseconds (the session clock).
    pub now_ms: u64,
    /// The user's offset from UTC in minutes (`+05:00` → 300); any value is accepted (real ones lie
    /// within ±14 h).
    pub utc_offset_minutes: i32,
}

/// Finds intents and entities in one message.
///
/// Implementations must be deterministic and must not fail or panic on any input (empty text, megabytes of
/// text, any script): odd input simply yields an empty [`Understanding`].
pub trait Recognizer: Send + Sync + 'static {
    /// Recognizes one message.
    fn recognize(&self, text: &str, ctx: &RecognizeContext) -> Understanding;
}
