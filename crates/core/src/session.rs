//! The state of one conversation as the core sees it: its context stack and history tail.

use crate::history::History;
use crate::stack::ContextStack;
use serde::{Deserialize, Serialize};

/// One user's conversation with one bot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Active and interrupted contexts.
    pub stack: ContextStack,
    /// Recent history (bounded).
    pub history: History,
}
