//! [`SessionActor`]: one live session. Its mailbox gives strict per-session order; it alone touches the
//! session's state and commits every turn before the replies leave.

use crate::config::Durability;
use crate::snapshot::{Outbox, Snapshot};
use crate::supervisor::Shared;
use actix::{Actor, ActorFutureExt, AsyncContext, Handler, SpawnHandle, WrapFuture};
use colloquy_channel::{DispatchError, Inbound, Outbound, SessionKey, TurnReply};
use colloquy_core::{Event, Turn};
use colloquy_store::{Commit, StoreError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::oneshot;

/// What a session is asked to process.
#[derive(Debug, Clone)]
pub enum Work {
    /// A user's message.
    Message(Inbound),
    /// An event addressed to the session.
    Event(Event),
}

/// A unit of work and where to send its result.
#[derive(Debug)]
pub struct TurnRequest {
    /// The message or event.
    pub work: Work,
    /// Receives the replies once the turn is committed.
    pub reply: oneshot::Sender<Result<TurnReply, DispatchError>>,
}

impl actix::Message for TurnRequest {
    type Result = ();
}

/// One live session.
pub struct SessionActor {
    key: SessionKey,
    id: String,
    shared: Arc<Shared>,
    snapshot: Snapshot,
    version: u64,
    last_active: Instant,
    idle_timer: Option<SpawnHandle>,
    /// Messages sent to this actor and not yet handled (the supervisor's mailbox bound).
    waiting: Arc<AtomicUsize>,
}

impl SessionActor {
    /// Loads the session from the store (or starts it fresh). An unreadable snapshot is quarantined and
    /// reported, and the session starts fresh: one corrupt record never takes the server down.
    pub(crate) fn load(shared: Arc<Shared>, key: SessionKey, waiting: Arc<AtomicUsize>) -> Self {
        let id = key.storage_id();
        let (mut snapshot, version) = read_snapshot(&shared, &key, &id);
        restore_history(&shared, &id, &mut snapshot);
        SessionActor {
            key,
            id,
            shared,
            snapshot,
            version,
            last_active: Instant::now(),
            idle_timer: None,
            waiting,
        }
    }

    fn reload(&mut self) {
        let (mut snapshot, version) = read_snapshot(&self.shared, &self.key, &self.id);
        restore_history(&self.shared, &self.id, &mut snapshot);
        self.snapshot = snapshot;
        self.version = version;
    }

    fn arm_idle_timer(&mut self, ctx: &mut actix::Context<Self>, after: std::time::Duration) {
        self.idle_timer = Some(ctx.run_later(after, |act, ctx| {
            let idle = act.shared.config.idle_timeout;
            let elapsed = act.last_active.elapsed();
            if elapsed >= idle {
                act.passivate(ctx);
            } else {
                act.arm_idle_timer(ctx, idle - elapsed);
            }
        }));
    }

    /// Leaves memory: every turn is already committed, so stopping loses nothing.
    fn passivate(&mut self, ctx: &mut actix::Context<Self>) {
        let me = ctx.address();
        self.shared.forget(&self.key, &me);
        tracing::debug!(session = %self.id, "passivated");
        actix::ActorContext::stop(ctx);
    }

    /// Runs the turn, containing a panic in the context to this session.
    fn run(&mut self, work: &Work, now: u64) -> Result<Turn, String> {
        let bot = &self.shared.bot;
        let session = &mut self.snapshot.session;
        let result = catch_unwind(AssertUnwindSafe(|| match work {
            Work::Message(m) => bot.respond(session, &m.text, now),
            Work::Event(e) => bot.deliver(session, e, now),
        }));
        result.map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into())
        })
    }

    fn commit(&mut self, transcript: Vec<Vec<u8>>, now: u64) -> Result<(), StoreError> {
        self.snapshot.turns += 1;
        self.snapshot.transcript_len += transcript.len() as u64;
        self.snapshot.updated_ms = now;
        let commit = Commit {
            snapshot: self.snapshot.encode(),
            transcript,
        };
        self.version = self.shared.store.put(&self.id, self.version, commit)?;
        Ok(())
    }
}

fn read_snapshot(shared: &Shared, key: &SessionKey, id: &str) -> (Snapshot, u64) {
    match shared.store.get(id) {
        Ok(None) => (Snapshot::new(key.clone()), 0),
        Ok(Some(stored)) => match Snapshot::decode(&stored.snapshot) {
            Ok(s) => (s, stored.version),
            Err(e) => quarantine(shared, key, id, &e.to_string()),
        },
        Err(StoreError::Corrupt { detail, .. }) => quarantine(shared, key, id, &detail),
        Err(e) => {
            // Not readable now (IO): start empty in memory but keep the stored version unknown, so the first
            // commit fails its compare-and-swap instead of overwriting data we could not read.
            tracing::error!(session = %id, error = %e, "could not load session");
            (Snapshot::new(key.clone()), u64::MAX)
        }
    }
}

/// Rebuilds the in-memory history tail from the last entries of the stored transcript.
fn restore_history(shared: &Shared, id: &str, snapshot: &mut Snapshot) {
    let limit = shared.bot.engine().config.history_limit;
    if snapshot.transcript_len == 0 || limit == 0 {
        return;
    }
    let from = snapshot.transcript_len.saturating_sub(limit as u64);
    match shared.store.transcript(id, from, limit) {
        Ok(entries) => {
            let history = &mut snapshot.session.history;
            history.set_limit(limit);
            for (_, bytes) in entries {
                match serde_json::from_slice(&bytes) {
                    Ok(entry) => history.push(entry),
                    Err(e) => {
                        tracing::warn!(session = %id, error = %e, "skipping an unreadable transcript entry")
                    }
                }
            }
        }
        Err(e) => {
            tracing::warn!(session = %id, error = %e, "history tail not restored; the conversation goes on")
        }
    }
}

fn quarantine(shared: &Shared, key: &SessionKey, id: &str, reason: &str) -> (Snapshot, u64) {
    tracing::error!(session = %id, reason, "unreadable session snapshot quarantined; the session starts afresh");
    if let Err(e) = shared.store.quarantine(id, reason) {
        tracing::error!(session = %id, error = %e, "could not quarantine the snapshot");
        return (Snapshot::new(key.clone()), u64::MAX);
    }
    (Snapshot::new(key.clone()), 0)
}

impl Actor for SessionActor {
    type Context = actix::Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.shared
            .live
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let idle = self.shared.config.idle_timeout;
        self.arm_idle_timer(ctx, idle);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared
            .live
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(_timer) = self.idle_timer.take() {}
    }
}

impl Handler<TurnRequest> for SessionActor {
    type Result = ();

    fn handle(&mut self, req: TurnRequest, ctx: &mut Self::Context) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        self.last_active = Instant::now();
        let now = self.shared.clock.now_ms();
        let message_id = match &req.work {
            Work::Message(m) => m.message_id.clone(),
            Work::Event(e) => e.id.clone().map(|id| format!("event:{id}")),
        };
        if let Some(id) = &message_id
            && self.snapshot.seen.contains(id)
        {
            let outbox = &self.snapshot.outbox;
            let messages = if outbox.reply_to.as_ref() == Some(id) {
                outbox.messages.iter().map(Outbound::text).collect()
            } else {
                Vec::new()
            };
            let _ = req.reply.send(Ok(TurnReply {
                messages,
                duplicate: true,
            }));
            return;
        }
        match &req.work {
            // Message text only at debug level: info logs never carry what users say.
            Work::Message(m) => tracing::debug!(session = %self.id, text = %m.text, "message"),
            Work::Event(e) => tracing::debug!(session = %self.id, event = %e.kind, "event"),
        }
        let (replies, quick_replies, history) = match self.run(&req.work, now) {
            Ok(turn) => (turn.replies, turn.quick_replies, turn.history),
            Err(panic) => {
                tracing::error!(session = %self.id, panic = %panic, "a context panicked; the session restarts from its last snapshot");
                self.reload();
                (
                    vec![self.shared.config.apology.clone()],
                    Vec::new(),
                    Vec::new(),
                )
            }
        };
        if let Some(id) = &message_id {
            self.snapshot
                .mark_seen(id, self.shared.config.dedupe_window);
        }
        self.snapshot.outbox = Outbox {
            reply_to: message_id,
            messages: replies.clone(),
        };
        let transcript = history
            .iter()
            .filter_map(|h| serde_json::to_vec(h).ok())
            .collect();
        if let Err(e) = self.commit(transcript, now) {
            tracing::error!(session = %self.id, error = %e, "turn not committed; the session reloads its last snapshot");
            self.reload();
            let _ = req.reply.send(Err(DispatchError::Unavailable(
                "could not save the conversation".into(),
            )));
            return;
        }
        let mut messages: Vec<Outbound> = replies.into_iter().map(Outbound::text).collect();
        if let Some(last) = messages.last_mut() {
            last.quick_replies = quick_replies;
        }
        let reply = TurnReply {
            messages,
            duplicate: false,
        };
        match (&self.shared.config.durability, &self.shared.flusher) {
            (Durability::PerTurn, Some(flusher)) => {
                let durable = flusher.durable();
                // `wait` holds the mailbox: the next message is not processed before this turn is durable.
                ctx.wait(durable.into_actor(self).map(move |res, _, _| {
                    let _ = match res {
                        Ok(Ok(())) => req.reply.send(Ok(reply)),
                        _ => req.reply.send(Err(DispatchError::Unavailable(
                            "could not save the conversation".into(),
                        ))),
                    };
                }));
            }
            _ => {
                let _ = req.reply.send(Ok(reply));
            }
        }
    }
}
