//! [`Supervisor`]: routes each message to its session's actor, starting (or rehydrating) it on demand.

use crate::clock::Clock;
use crate::config::{Durability, RuntimeConfig};
use crate::group_commit::GroupCommit;
use crate::session_actor::{SessionActor, TurnError, TurnRequest, Work};
use actix::Addr;
use actix_rt::{Arbiter, ArbiterHandle};
use colloquy_channel::{
    BoxFuture, Channel, ChannelError, DispatchError, Gateway, Inbound, Outbound, SessionKey,
    TurnReply,
};
use colloquy_core::Event;
use colloquy_flow::Bot;
use colloquy_store::SessionStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio::sync::{Notify, oneshot};

/// A live session: its actor and how many messages wait in its mailbox.
///
/// The bound is kept here rather than with actix's mailbox capacity: actix gives every `Addr` clone a
/// guaranteed slot of its own, so a capacity does not bound a session whose address is cloned per message.
#[derive(Clone)]
struct Live {
    addr: Addr<SessionActor>,
    waiting: Arc<AtomicUsize>,
}

/// State shared by the supervisor and its actors.
pub(crate) struct Shared {
    pub(crate) bot: Bot,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) config: RuntimeConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) flusher: Option<GroupCommit>,
    pub(crate) live: AtomicUsize,
    /// Woken when a commit adds a timer due before the timer loop's planned wake-up.
    pub(crate) timers_changed: Notify,
    /// When the timer loop plans to look next (Unix ms).
    pub(crate) next_sweep_ms: std::sync::atomic::AtomicU64,
    /// Channels by name, for proactive messages.
    outlets: RwLock<HashMap<String, Arc<dyn Channel>>>,
    sessions: Mutex<HashMap<SessionKey, Live>>,
    arbiters: Vec<ArbiterHandle>,
    next: AtomicUsize,
}

impl Shared {
    /// Removes `key` from the live map if it still points at `addr`.
    pub(crate) fn forget(&self, key: &SessionKey, addr: &Addr<SessionActor>) {
        let mut map = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if map.get(key).is_some_and(|live| &live.addr == addr) {
            map.remove(key);
        }
    }
}

/// Finds or starts the actor of each session. Cheap to clone.
#[derive(Clone)]
pub struct Supervisor {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("bot", &self.shared.bot.name())
            .field("live_sessions", &self.live_sessions())
            .finish()
    }
}

/// Attempts to reach a session whose actor stopped between lookup and delivery (passivation race).
const DELIVERY_ATTEMPTS: usize = 4;

impl Supervisor {
    /// Starts the supervisor and its arbiters. Must be called inside a running actix `System`.
    pub fn start(
        bot: Bot,
        store: Arc<dyn SessionStore>,
        config: RuntimeConfig,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let flusher = match config.durability {
            Durability::PerTurn => Some(GroupCommit::start(store.clone())?),
            Durability::Interval { .. } => None,
        };
        let arbiters = (0..config.arbiters.max(1))
            .map(|_| Arbiter::new().handle())
            .collect();
        let supervisor = Supervisor {
            shared: Arc::new(Shared {
                bot,
                store,
                config,
                clock,
                flusher,
                live: AtomicUsize::new(0),
                timers_changed: Notify::new(),
                next_sweep_ms: std::sync::atomic::AtomicU64::new(0),
                outlets: RwLock::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
                arbiters,
                next: AtomicUsize::new(0),
            }),
        };
        Ok(supervisor)
    }

    /// Starts the background timer sweep (timers due while the server was down fire at its first pass).
    /// Call it once the channels are attached, so the replies of those timers find their channel.
    pub fn start_timers(&self) {
        crate::timers::spawn_loop(self);
    }

    /// The arbiter that runs background loops (the timer sweep).
    pub(crate) fn background(&self) -> &ArbiterHandle {
        &self.shared.arbiters[0]
    }

    /// When the timer loop looks next (Unix ms).
    pub(crate) fn next_sweep_ms(&self) -> &std::sync::atomic::AtomicU64 {
        &self.shared.next_sweep_ms
    }

    /// Notified when a commit adds a timer.
    pub(crate) fn timers_changed(&self) -> &Notify {
        &self.shared.timers_changed
    }

    /// The clock.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The runtime configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// Registers a channel for proactive messages to sessions whose key names it.
    pub fn attach_channel(&self, channel: Arc<dyn Channel>) {
        self.shared
            .outlets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(channel.name().to_owned(), channel);
    }

    /// The bot this supervisor runs.
    pub fn bot(&self) -> &Bot {
        &self.shared.bot
    }

    /// The session store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.shared.store
    }

    /// Sessions with a live actor.
    pub fn live_sessions(&self) -> usize {
        self.shared.live.load(Ordering::Relaxed)
    }

    /// Processes a user message in its session.
    pub async fn dispatch_message(&self, inbound: Inbound) -> Result<TurnReply, DispatchError> {
        let key = SessionKey::of(&inbound);
        self.send(key, Work::Message(inbound))
            .await
            .map_err(|e| match e {
                TurnError::Dispatch(e) => e,
                TurnError::NoSuchSession => DispatchError::Unavailable("no such session".into()),
            })
    }

    /// Runs an event in a stored session (waking it if it is passivated) and returns its replies without
    /// sending them. A session that was never stored is not created: [`TurnError::NoSuchSession`].
    pub async fn process_event(
        &self,
        key: SessionKey,
        event: Event,
    ) -> Result<TurnReply, TurnError> {
        self.send(
            key,
            Work::Event {
                event,
                must_exist: true,
            },
        )
        .await
    }

    /// Runs an event in a stored session and sends its replies to the user through the session's channel
    /// (see [`Supervisor::send_proactive`]).
    pub async fn deliver_event(
        &self,
        key: SessionKey,
        event: Event,
    ) -> Result<EventReceipt, TurnError> {
        let reply = self.process_event(key.clone(), event).await?;
        let sent = if reply.duplicate || reply.messages.is_empty() {
            Sent::Nothing
        } else {
            self.send_proactive(&key, reply.messages.clone()).await
        };
        Ok(EventReceipt {
            duplicate: reply.duplicate,
            replies: reply.messages,
            sent,
        })
    }

    /// Sends messages the user did not ask for (an event's or a timer's replies) through the channel named
    /// in `key`. When the channel cannot reach the user now (a WebSocket user who is not connected), the
    /// messages are kept in the session and handed over when the user comes back.
    pub async fn send_proactive(&self, key: &SessionKey, messages: Vec<Outbound>) -> Sent {
        let channel = self
            .shared
            .outlets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key.channel)
            .cloned();
        let error = match channel {
            Some(channel) => match channel.deliver(key, messages.clone()).await {
                Ok(()) => return Sent::Delivered,
                Err(e) => e,
            },
            None => ChannelError::Unreachable(format!("channel `{}` is not running", key.channel)),
        };
        match error {
            ChannelError::Unreachable(why) => {
                tracing::debug!(session = %key, why, "user not reachable now; keeping the messages");
                match self.send(key.clone(), Work::Hold(messages)).await {
                    Ok(_) => Sent::Held,
                    Err(e) => {
                        tracing::warn!(session = %key, error = %e, "proactive messages could not be kept");
                        Sent::Failed
                    }
                }
            }
            e => {
                tracing::warn!(session = %key, error = %e, "proactive messages not delivered");
                Sent::Failed
            }
        }
    }

    /// The proactive messages kept for a user who was not connected (and forgets them).
    pub async fn take_held(&self, key: SessionKey) -> Vec<Outbound> {
        match self.send(key.clone(), Work::TakeHeld).await {
            Ok(reply) => reply.messages,
            Err(e) => {
                tracing::warn!(session = %key, error = %e, "kept messages not read");
                Vec::new()
            }
        }
    }

    /// Sends `work` to the session's actor (starting it) and waits for the result.
    pub(crate) async fn send(&self, key: SessionKey, work: Work) -> Result<TurnReply, TurnError> {
        for _ in 0..DELIVERY_ATTEMPTS {
            let live = self.live_for(&key);
            if live.waiting.fetch_add(1, Ordering::AcqRel) >= self.shared.config.mailbox_capacity {
                live.waiting.fetch_sub(1, Ordering::AcqRel);
                return Err(DispatchError::Busy.into());
            }
            let (tx, rx) = oneshot::channel();
            // `do_send` drops the request if the actor has stopped; the dropped reply sender then tells us.
            live.addr.do_send(TurnRequest {
                work: work.clone(),
                reply: tx,
            });
            match rx.await {
                Ok(result) => return result,
                // The actor stopped with the request in its mailbox: start it again and retry.
                Err(_) => self.shared.forget(&key, &live.addr),
            }
        }
        Err(DispatchError::Unavailable("the session could not be started".into()).into())
    }

    /// The live actor for `key`, started (and rehydrated from the store) if needed.
    fn live_for(&self, key: &SessionKey) -> Live {
        let mut map = self
            .shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(live) = map.get(key)
            && live.addr.connected()
        {
            return live.clone();
        }
        let (tx, rx) = actix::dev::channel::channel::<SessionActor>(0);
        let addr = Addr::new(tx);
        let waiting = Arc::new(AtomicUsize::new(0));
        let shared = self.shared.clone();
        let k = key.clone();
        let counter = waiting.clone();
        let start = move || {
            actix::Context::with_receiver(rx).run(SessionActor::load(shared, k, counter));
        };
        // On the caller's actix thread when there is one (no cross-thread hop for a WebSocket user),
        // otherwise on the next arbiter round-robin.
        match Arbiter::try_current() {
            Some(here) => here.spawn_fn(start),
            None => {
                let i =
                    self.shared.next.fetch_add(1, Ordering::Relaxed) % self.shared.arbiters.len();
                self.shared.arbiters[i].spawn_fn(start)
            }
        };
        let live = Live { addr, waiting };
        map.insert(key.clone(), live.clone());
        live
    }

    /// Makes every committed turn durable. Call before exiting.
    pub fn flush(&self) -> Result<(), colloquy_store::StoreError> {
        self.shared.store.flush()
    }

    /// Stops the supervisor's arbiters (live sessions there stop; their state is already committed).
    pub fn stop_arbiters(&self) {
        for a in &self.shared.arbiters {
            a.stop();
        }
    }
}

impl Gateway for Supervisor {
    fn dispatch(&self, inbound: Inbound) -> BoxFuture<'static, Result<TurnReply, DispatchError>> {
        let me = self.clone();
        Box::pin(async move { me.dispatch_message(inbound).await })
    }

    fn take_held(&self, key: SessionKey) -> BoxFuture<'static, Vec<Outbound>> {
        let me = self.clone();
        Box::pin(async move { Supervisor::take_held(&me, key).await })
    }
}

/// What happened to an event's replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// There were none (or the event was a duplicate).
    Nothing,
    /// The channel delivered them.
    Delivered,
    /// The user was not reachable: kept for their return.
    Held,
    /// The channel refused them (logged).
    Failed,
}

/// The result of [`Supervisor::deliver_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventReceipt {
    /// The session had already processed this event id.
    pub duplicate: bool,
    /// The replies the event caused.
    pub replies: Vec<Outbound>,
    /// Where they went.
    pub sent: Sent,
}
