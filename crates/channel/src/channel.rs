//! The [`Channel`] trait: what a platform adapter implements.

use crate::error::ChannelError;
use crate::gateway::{BoxFuture, Gateway};
use crate::key::SessionKey;
use crate::message::Outbound;
use crate::webhook::WebhookHandler;
use std::sync::Arc;
use tokio::sync::watch;

/// A platform adapter (Telegram, Discord, WebSocket, …).
///
/// Contract (every adapter's tests run `colloquy_testkit::channel_conformance`):
/// - turn each platform message into an [`crate::Inbound`] with the platform's message id and hand it to
///   [`ChannelIo::gateway`]; send the [`crate::TurnReply`] back in order, split at the platform limit;
/// - retry transient send errors with backoff and honour the platform's rate-limit answers;
/// - when [`Shutdown`] fires, stop receiving, finish (drain) the sends already started, and return.
pub trait Channel: Send + Sync + 'static {
    /// Channel name used in session keys and config (`telegram`).
    fn name(&self) -> &str;

    /// Receives and answers messages until `io.shutdown` fires.
    fn run(self: Arc<Self>, io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>>;

    /// Sends proactive messages (e.g. replies to an event) to a stored conversation.
    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>>;

    /// Where users reach this channel, for the start-up log (`tcp://127.0.0.1:7070`). Default: none.
    fn endpoint(&self) -> Option<String> {
        None
    }

    /// HTTP endpoints the adapter needs on colloquy's server (e.g. a webhook). Default: none.
    ///
    /// Handlers run on the HTTP server's threads: a handler should only parse and validate the request and
    /// pass the work to the adapter's own tasks (e.g. over a channel), not use runtime-bound clients.
    fn webhooks(&self) -> Vec<Arc<dyn WebhookHandler>> {
        Vec::new()
    }
}

/// What the runtime gives a running adapter.
#[derive(Clone)]
pub struct ChannelIo {
    /// Where inbound messages go.
    pub gateway: Arc<dyn Gateway>,
    /// Fires when the server stops.
    pub shutdown: Shutdown,
}

/// Resolves when the server is stopping. Cheap to clone; every clone sees the same signal.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// Fires a [`Shutdown`].
#[derive(Debug, Clone)]
pub struct ShutdownTrigger(Arc<watch::Sender<bool>>);

impl ShutdownTrigger {
    /// A new trigger and the signal it controls.
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger(Arc::new(tx)), Shutdown(rx))
    }

    /// Fires the signal (idempotent).
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }

    /// Another receiver of the same signal.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }
}

impl Shutdown {
    /// True once the signal fired.
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits for the signal (returns at once if it already fired, or if the trigger was dropped).
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shutdown_reaches_every_clone() {
        let (trigger, shutdown) = ShutdownTrigger::new();
        let mut a = shutdown.clone();
        let mut b = trigger.subscribe();
        assert!(!a.is_triggered());
        trigger.trigger();
        a.wait().await;
        b.wait().await;
        assert!(shutdown.is_triggered());
    }
}
