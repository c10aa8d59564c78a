//! Errors on both sides of an adapter.

use std::time::Duration;

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

/// What went wrong talking to a platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The adapter's configuration is unusable (e.g. the token variable is not set).
    #[error("channel configuration: {0}")]
    Config(String),
    /// A network or server error that may go away (connection reset, HTTP 5xx).
    #[error("transient platform error: {0}")]
    Transient(String),
    /// The platform asked us to slow down.
    #[error("rate limited by the platform; retry after {retry_after:?}")]
    RateLimited {
        /// How long the platform asked us to wait.
        retry_after: Duration,
    },
    /// The platform refused the request for good (bad token, chat not found, message too long).
    #[error("the platform refused the request: {0}")]
    Rejected(String),
    /// The user cannot be reached right now (e.g. no open WebSocket connection). The runtime keeps
    /// proactive messages and hands them over through [`crate::Gateway::take_held`] later.
    #[error("the user cannot be reached now: {0}")]
    Unreachable(String),
    /// The adapter is stopping or stopped.
    #[error("the channel is stopped")]
    Stopped,
}
