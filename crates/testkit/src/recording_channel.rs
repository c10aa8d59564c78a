//! [`RecordingChannel`]: a [`Channel`] that records proactive deliveries instead of sending them, and can
//! pretend a user is not connected. For runtime tests of events, timers and kept messages.

use colloquy_channel::{BoxFuture, Channel, ChannelError, ChannelIo, Outbound, SessionKey};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// Records every `deliver` per session key.
#[derive(Debug, Default)]
pub struct RecordingChannel {
    name: String,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    delivered: HashMap<SessionKey, Vec<String>>,
    deliveries: usize,
    offline: HashSet<String>,
}

impl RecordingChannel {
    /// A channel named `name` (session keys with this channel are delivered here).
    pub fn new(name: &str) -> Arc<Self> {
        Arc::new(RecordingChannel {
            name: name.to_owned(),
            state: Mutex::default(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Texts delivered to `key`, in order.
    pub fn texts(&self, key: &SessionKey) -> Vec<String> {
        self.state().delivered.get(key).cloned().unwrap_or_default()
    }

    /// Number of `deliver` calls that succeeded.
    pub fn deliveries(&self) -> usize {
        self.state().deliveries
    }

    /// How many delivered texts equal `text`, per session key.
    pub fn count_per_session(&self, text: &str) -> HashMap<SessionKey, usize> {
        self.state()
            .delivered
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().filter(|t| *t == text).count()))
            .collect()
    }

    /// Marks `user` as not connected (deliveries fail with [`ChannelError::Unreachable`]) or connected.
    pub fn set_offline(&self, user: &str, offline: bool) {
        let mut s = self.state();
        if offline {
            s.offline.insert(user.to_owned());
        } else {
            s.offline.remove(user);
        }
    }
}

impl Channel for RecordingChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(self: Arc<Self>, mut io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>> {
        Box::pin(async move {
            io.shutdown.wait().await;
            Ok(())
        })
    }

    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>> {
        let mut s = self.state();
        let result = if s.offline.contains(&to.user) {
            Err(ChannelError::Unreachable("not connected".into()))
        } else {
            s.deliveries += 1;
            s.delivered
                .entry(to.clone())
                .or_default()
                .extend(messages.into_iter().map(|m| m.text));
            Ok(())
        };
        Box::pin(async move { result })
    }
}
