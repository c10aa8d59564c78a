//! [`Supervisor`]: routes each message to its session's actor, starting (or rehydrating) it on demand.

use crate::clock::Clock;
use crate::config::{Durability, RuntimeConfig};
use crate::group_commit::GroupCommit;
use crate::session_actor::{SessionActor, TurnRequest, Work};
use actix::Addr;
use actix_rt::{Arbiter, ArbiterHandle};
use colloquy_channel::{BoxFuture, DispatchError, Gateway, Inbound, SessionKey, TurnReply};
use colloquy_core::Event;
use colloquy_flow::Bot;
use colloquy_store::SessionStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

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
        Ok(Supervisor {
            shared: Arc::new(Shared {
                bot,
                store,
                config,
                clock,
                flusher,
                live: AtomicUsize::new(0),
                sessions: Mutex::new(HashMap::new()),
                arbiters,
                next: AtomicUsize::new(0),
            }),
        })
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
        self.deliver(key, Work::Message(inbound)).await
    }

    /// Delivers an event to one session (starting it from the store if it is passivated).
    pub async fn deliver_event(
        &self,
        key: SessionKey,
        event: Event,
    ) -> Result<TurnReply, DispatchError> {
        self.deliver(key, Work::Event(event)).await
    }

    async fn deliver(&self, key: SessionKey, work: Work) -> Result<TurnReply, DispatchError> {
        for _ in 0..DELIVERY_ATTEMPTS {
            let live = self.live_for(&key);
            if live.waiting.fetch_add(1, Ordering::AcqRel) >= self.shared.config.mailbox_capacity {
                live.waiting.fetch_sub(1, Ordering::AcqRel);
                return Err(DispatchError::Busy);
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
        Err(DispatchError::Unavailable(
            "the session could not be started".into(),
        ))
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
}
