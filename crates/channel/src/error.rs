//! Errors handing a message to the runtime.

/// Why a message could not be processed. Adapters turn these into a platform answer (an error frame,
/// a short apology) — never a dropped connection for other users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    /// The session's mailbox is full: the user is sending faster than the bot answers. Retry later.
    #[error("this conversation is busy; please wait for the reply before sending more")]
    Busy,
    /// The runtime is shutting down or the session could not be started. Retry later.
    #[error("the bot is unavailable right now: {0}")]
    Unavailable(String),
}
