//! Digression rules, per context and (through [`crate::Context::policy`]) per state.

use serde::{Deserialize, Serialize};

/// Whether a context takes part in digressions. Mirrors Watson Assistant's digression settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigressionPolicy {
    /// Other contexts may be interrupted to start this one (its trigger is honoured mid-flow).
    pub allow_into: bool,
    /// While this context is on top, the user may digress away to another context.
    /// A context returns `false` here in states that must not be left, e.g. while confirming a payment.
    pub allow_away: bool,
    /// When this context was a digression and completes, the interrupted context resumes by re-asking its
    /// open question. When `false`, the interrupted contexts are dropped instead.
    pub returns: bool,
}

impl Default for DigressionPolicy {
    fn default() -> Self {
        DigressionPolicy {
            allow_into: true,
            allow_away: true,
            returns: true,
        }
    }
}
