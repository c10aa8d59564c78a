//! The one call an adapter makes: hand over an [`Inbound`] and get the replies.

use crate::error::DispatchError;
use crate::key::SessionKey;
use crate::message::{Inbound, Outbound, TurnReply};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (adapters need no async runtime crate to name it).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where adapters send user messages. The runtime's supervisor implements it; tests can use a fake.
///
/// The future resolves once the turn is committed (durably, with `per_turn` durability), so replies it
/// returns are safe to show to the user.
pub trait Gateway: Send + Sync + 'static {
    /// Processes one message in its session, in order with the session's other messages.
    fn dispatch(&self, inbound: Inbound) -> BoxFuture<'static, Result<TurnReply, DispatchError>>;

    /// Proactive messages kept for this session while the user could not be reached (see
    /// [`crate::ChannelError::Unreachable`]); handed over once, e.g. when a WebSocket user reconnects.
    /// Default: none.
    fn take_held(&self, _key: SessionKey) -> BoxFuture<'static, Vec<Outbound>> {
        Box::pin(async { Vec::new() })
    }
}
