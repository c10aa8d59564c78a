//! [`SessionActor`]: one live session. Its mailbox gives strict per-session order; it alone touches the
//! session's state and commits every turn — a message, an event, fired timers — before the replies leave.

use crate::config::{Durability, ExpiryPolicy};
use crate::index_keys;
use crate::snapshot::{Held, Outbox, Snapshot};
use crate::supervisor::Shared;
use actix::{Actor, ActorFutureExt, AsyncContext, Handler, SpawnHandle, WrapFuture};
use colloquy_channel::{DispatchError, Inbound, Outbound, SessionKey, TurnReply};
use colloquy_core::{Event, Session, Turn};
use colloquy_store::{Commit, IndexOp, StoreError};
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::oneshot;

/// The event raised when a session expires (`session_ttl`).
pub const SESSION_EXPIRED: &str = "session_expired";

/// What a session is asked to process.
#[derive(Debug, Clone)]
pub enum Work {
    /// A user's message.
    Message(Inbound),
    /// An event addressed to the session. With `must_exist`, a session that was never stored is not
    /// created: the request fails with [`TurnError::NoSuchSession`].
    Event {
        /// The event.
        event: Event,
        /// Refuse to create the session.
        must_exist: bool,
    },
    /// Fire the timers (and the expiry check) due now. `seen`: the index keys the timer sweep found for
    /// this session; those the session no longer has are removed.
    Timers {
        /// Index keys found by the sweep.
        seen: Vec<Vec<u8>>,
    },
    /// Keep proactive messages the channel could not deliver.
    Hold(Vec<Outbound>),
    /// Hand over (and forget) the kept messages.
    TakeHeld,
}

/// Why a request to a session failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TurnError {
    /// Busy or unavailable, as a channel would be told.
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    /// The session has never been stored (or was deleted).
    #[error("no such session")]
    NoSuchSession,
}

/// A unit of work and where to send its result.
#[derive(Debug)]
pub struct TurnRequest {
    /// The work.
    pub work: Work,
    /// Receives the replies once the turn is committed.
    pub reply: oneshot::Sender<Result<TurnReply, TurnError>>,
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
    /// Index keys the stored snapshot has (timers, topics, expiry check). Computed when a request is
    /// handled and dropped after it, so an idle actor holds no copy (they follow from the snapshot).
    indexed: BTreeSet<Vec<u8>>,
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
        let mut actor = SessionActor {
            snapshot: Snapshot::new(key.clone()),
            key,
            id,
            shared,
            version: 0,
            indexed: BTreeSet::new(),
            last_active: Instant::now(),
            idle_timer: None,
            waiting,
        };
        actor.reload();
        actor.indexed = BTreeSet::new();
        actor
    }

    fn reload(&mut self) {
        let (mut snapshot, version) = read_snapshot(&self.shared, &self.key, &self.id);
        restore_history(&self.shared, &self.id, &mut snapshot);
        // Within a request (a reload after a failed commit or a panic): the stored keys.
        self.indexed = index_set(&snapshot, &self.id);
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

    /// Runs `f` on the session, containing a panic in a context to this session.
    fn guarded<T>(&mut self, f: impl FnOnce(&Self, &mut Session) -> T) -> Result<T, String> {
        let mut session = std::mem::take(&mut self.snapshot.session);
        let result = catch_unwind(AssertUnwindSafe(|| f(self, &mut session)));
        self.snapshot.session = session;
        result.map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into())
        })
    }

    /// Commits the snapshot with `transcript`, and the index changes since the last commit.
    fn commit(&mut self, transcript: Vec<Vec<u8>>, now: u64) -> Result<(), StoreError> {
        self.snapshot.turns += 1;
        self.snapshot.transcript_len += transcript.len() as u64;
        self.snapshot.updated_ms = now;
        let indexed = index_set(&self.snapshot, &self.id);
        let mut index = Vec::new();
        for gone in self.indexed.difference(&indexed) {
            index.push(IndexOp::Remove { key: gone.clone() });
        }
        let mut new_timer = false;
        if indexed.len() > self.indexed.len() || !index.is_empty() {
            let value = serde_json::to_vec(&self.key).unwrap_or_default();
            let next_sweep = self.shared.next_sweep_ms.load(Ordering::Relaxed);
            for added in indexed.difference(&self.indexed) {
                // Wake the timer loop only for a timer due before it looks anyway.
                new_timer |=
                    index_keys::parse_timer(added).is_some_and(|(due, _)| due < next_sweep);
                index.push(IndexOp::Put {
                    key: added.clone(),
                    value: value.clone(),
                });
            }
        }
        let commit = Commit {
            snapshot: self.snapshot.encode(),
            transcript,
            index,
        };
        match self.shared.store.put(&self.id, self.version, commit) {
            Ok(version) => {
                self.version = version;
                self.indexed = indexed;
                if new_timer {
                    self.shared.timers_changed.notify_one();
                }
                Ok(())
            }
            Err(e) => {
                // The stored state is what counts: take it back (the in-memory turn is discarded).
                self.snapshot.turns -= 1;
                Err(e)
            }
        }
    }

    /// Moves the expiry check after a user message (rewritten only when it moved by 1/64 of the TTL, so
    /// an active session does not rewrite its index entry every turn; an early check just re-arms).
    fn touch_expiry(&mut self, now: u64) {
        self.snapshot.last_input_ms = now;
        match self.shared.config.session_ttl {
            None => self.snapshot.ttl_due_ms = None,
            Some(ttl) => {
                let ttl = ttl.as_millis() as u64;
                let target = now.saturating_add(ttl);
                match self.snapshot.ttl_due_ms {
                    Some(due) if target.saturating_sub(due) <= ttl / 64 => {}
                    _ => self.snapshot.ttl_due_ms = Some(target),
                }
            }
        }
    }

    /// A message or an event: dedupe, run, commit, reply (after the flush with `per_turn`).
    fn turn(&mut self, req: TurnRequest, now: u64, ctx: &mut actix::Context<Self>) {
        let message_id = match &req.work {
            Work::Message(m) => m.message_id.clone(),
            Work::Event { event, .. } => event.id.clone().map(|id| format!("event:{id}")),
            _ => None,
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
        let bot = self.shared.bot.clone();
        let result = match &req.work {
            Work::Message(m) => {
                // Message text only at debug level: info logs never carry what users say.
                tracing::debug!(session = %self.id, text = %m.text, "message");
                self.touch_expiry(now);
                self.guarded(|_, session| bot.respond(session, &m.text, now))
            }
            Work::Event { event, .. } => {
                tracing::debug!(session = %self.id, event = %event.kind, "event");
                self.guarded(|_, session| bot.deliver(session, event, now))
            }
            _ => return,
        };
        let (replies, quick_replies, history) = match result {
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
        let mut messages: Vec<Outbound> = replies.into_iter().map(Outbound::text).collect();
        if let Some(last) = messages.last_mut() {
            last.quick_replies = quick_replies;
        }
        self.commit_and_reply(transcript_of(&history), now, messages, req.reply, ctx);
    }

    /// Commits, then answers `reply` (after the flush with `per_turn` durability).
    fn commit_and_reply(
        &mut self,
        transcript: Vec<Vec<u8>>,
        now: u64,
        messages: Vec<Outbound>,
        reply: oneshot::Sender<Result<TurnReply, TurnError>>,
        ctx: &mut actix::Context<Self>,
    ) {
        if let Err(e) = self.commit(transcript, now) {
            tracing::error!(session = %self.id, error = %e, "turn not committed; the session reloads its last snapshot");
            self.reload();
            let _ = reply.send(Err(TurnError::Dispatch(DispatchError::Unavailable(
                "could not save the conversation".into(),
            ))));
            return;
        }
        let answer = TurnReply {
            messages,
            duplicate: false,
        };
        match (&self.shared.config.durability, &self.shared.flusher) {
            (Durability::PerTurn, Some(flusher)) => {
                let durable = flusher.durable();
                // `wait` holds the mailbox: the next message is not processed before this turn is durable.
                ctx.wait(durable.into_actor(self).map(move |res, _, _| {
                    let _ = match res {
                        Ok(Ok(())) => reply.send(Ok(answer)),
                        _ => reply.send(Err(TurnError::Dispatch(DispatchError::Unavailable(
                            "could not save the conversation".into(),
                        )))),
                    };
                }));
            }
            _ => {
                let _ = reply.send(Ok(answer));
            }
        }
    }

    /// Fires due timers and the expiry check; removes index keys the sweep saw that are no longer ours.
    fn timers(
        &mut self,
        seen: Vec<Vec<u8>>,
        now: u64,
        reply: oneshot::Sender<Result<TurnReply, TurnError>>,
        ctx: &mut actix::Context<Self>,
    ) {
        let bot = self.shared.bot.clone();
        let fired = match self.guarded(|_, session| bot.fire_timers(session, now)) {
            Ok(turn) => turn,
            Err(panic) => {
                // Drop the due timers, or the same panic would come back at every sweep.
                tracing::error!(session = %self.id, panic = %panic, "a context panicked on a timer; the due timers are dropped");
                self.reload();
                self.snapshot.session.timers.retain(|t| t.due_ms > now);
                Some(Turn {
                    replies: Vec::new(),
                    quick_replies: Vec::new(),
                    route: colloquy_core::Route::Event,
                    history: Vec::new(),
                })
            }
        };
        let mut changed = fired.is_some();
        let (mut replies, mut history) =
            fired.map_or((Vec::new(), Vec::new()), |t| (t.replies, t.history));
        if let Some(due) = self.snapshot.ttl_due_ms
            && due <= now
        {
            changed = true;
            match self.shared.config.session_ttl {
                None => self.snapshot.ttl_due_ms = None,
                Some(ttl) => {
                    let expires = self
                        .snapshot
                        .last_input_ms
                        .saturating_add(ttl.as_millis() as u64);
                    if expires > now {
                        self.snapshot.ttl_due_ms = Some(expires);
                    } else {
                        let event = Event::new(SESSION_EXPIRED);
                        if let Ok(turn) =
                            self.guarded(|_, session| bot.deliver(session, &event, now))
                        {
                            replies.extend(turn.replies);
                            history.extend(turn.history);
                        }
                        if self.shared.config.on_session_expired == ExpiryPolicy::Delete {
                            self.expire_by_deletion(seen, replies, reply, ctx);
                            return;
                        }
                        tracing::info!(session = %self.id, "session expired; starting afresh");
                        self.snapshot.session = Session::default();
                        self.snapshot.ttl_due_ms = None;
                    }
                }
            }
        }
        // Only a session that loaded cleanly knows its index entries: after a failed read (version
        // unknown) the entries may well be live, so none is treated as an orphan.
        let orphans: Vec<IndexOp> = if self.version == u64::MAX {
            Vec::new()
        } else {
            seen.into_iter()
                .filter(|k| !self.indexed.contains(k))
                .map(|key| IndexOp::Remove { key })
                .collect()
        };
        if !orphans.is_empty()
            && let Err(e) = self.shared.store.apply_index(orphans)
        {
            tracing::warn!(session = %self.id, error = %e, "could not remove stale timer entries");
        }
        if !changed {
            let _ = reply.send(Ok(TurnReply::default()));
            if self.version == 0 {
                // Woken only to clean up after a session that no longer exists.
                self.passivate(ctx);
            }
            return;
        }
        self.snapshot.outbox = Outbox {
            reply_to: None,
            messages: replies.clone(),
        };
        let messages = replies.into_iter().map(Outbound::text).collect();
        self.commit_and_reply(transcript_of(&history), now, messages, reply, ctx);
    }

    /// `on_session_expired = "delete"`: removes the session, its transcript and its index entries, answers
    /// with the expiry replies, and stops.
    fn expire_by_deletion(
        &mut self,
        seen: Vec<Vec<u8>>,
        replies: Vec<String>,
        reply: oneshot::Sender<Result<TurnReply, TurnError>>,
        ctx: &mut actix::Context<Self>,
    ) {
        if let Err(e) = self.shared.store.delete(&self.id, self.version) {
            tracing::error!(session = %self.id, error = %e, "expired session not deleted; retrying at the next sweep");
            self.reload();
            let _ = reply.send(Err(TurnError::Dispatch(DispatchError::Unavailable(
                "could not delete the expired session".into(),
            ))));
            return;
        }
        let mut keys: BTreeSet<Vec<u8>> = std::mem::take(&mut self.indexed);
        keys.extend(seen);
        let ops = keys
            .into_iter()
            .map(|key| IndexOp::Remove { key })
            .collect();
        if let Err(e) = self.shared.store.apply_index(ops) {
            tracing::warn!(session = %self.id, error = %e, "index entries of an expired session left behind (removed when found)");
        }
        tracing::info!(session = %self.id, "session expired and deleted");
        let _ = reply.send(Ok(TurnReply {
            messages: replies.into_iter().map(Outbound::text).collect(),
            duplicate: false,
        }));
        self.passivate(ctx);
    }

    fn hold(
        &mut self,
        messages: Vec<Outbound>,
        now: u64,
        reply: oneshot::Sender<Result<TurnReply, TurnError>>,
        ctx: &mut actix::Context<Self>,
    ) {
        if self.version == 0 {
            let _ = reply.send(Err(TurnError::NoSuchSession));
            return;
        }
        let max = self.shared.config.held_max_messages;
        let held = &mut self.snapshot.held;
        held.extend(messages.into_iter().map(|message| Held {
            at_ms: now,
            message,
        }));
        while held.len() > max {
            held.pop_front();
        }
        self.commit_and_reply(Vec::new(), now, Vec::new(), reply, ctx);
    }

    fn take_held(
        &mut self,
        now: u64,
        reply: oneshot::Sender<Result<TurnReply, TurnError>>,
        ctx: &mut actix::Context<Self>,
    ) {
        if self.snapshot.held.is_empty() {
            let _ = reply.send(Ok(TurnReply::default()));
            return;
        }
        let oldest = now.saturating_sub(self.shared.config.held_max_age.as_millis() as u64);
        let messages = std::mem::take(&mut self.snapshot.held)
            .into_iter()
            .filter(|h| h.at_ms >= oldest)
            .map(|h| h.message)
            .collect();
        self.commit_and_reply(Vec::new(), now, messages, reply, ctx);
    }
}

/// Index keys a snapshot needs: its timers, its topics, its expiry check.
fn index_set(snapshot: &Snapshot, id: &str) -> BTreeSet<Vec<u8>> {
    let session = &snapshot.session;
    let mut keys = BTreeSet::new();
    for t in &session.timers {
        keys.insert(index_keys::timer(t.due_ms, id, &t.owner, &t.id));
    }
    for topic in session.topics() {
        keys.insert(index_keys::topic(topic, id));
    }
    if let Some(due) = snapshot.ttl_due_ms {
        keys.insert(index_keys::expiry(due, id));
    }
    keys
}

fn transcript_of(history: &[colloquy_core::HistoryEntry]) -> Vec<Vec<u8>> {
    history
        .iter()
        .filter_map(|h| serde_json::to_vec(h).ok())
        .collect()
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
        self.shared.live.fetch_add(1, Ordering::Relaxed);
        let idle = self.shared.config.idle_timeout;
        self.arm_idle_timer(ctx, idle);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared.live.fetch_sub(1, Ordering::Relaxed);
        self.idle_timer = None;
    }
}

impl Handler<TurnRequest> for SessionActor {
    type Result = ();

    fn handle(&mut self, req: TurnRequest, ctx: &mut Self::Context) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        self.last_active = Instant::now();
        let now = self.shared.clock.now_ms();
        self.indexed = index_set(&self.snapshot, &self.id);
        self.dispatch(req, now, ctx);
        self.indexed = BTreeSet::new();
    }
}

impl SessionActor {
    fn dispatch(&mut self, req: TurnRequest, now: u64, ctx: &mut actix::Context<Self>) {
        match req.work {
            Work::Event {
                must_exist: true, ..
            } if self.version == 0 => {
                let _ = req.reply.send(Err(TurnError::NoSuchSession));
                // Started only to answer "no such session": leave memory now.
                self.passivate(ctx);
            }
            Work::Message(_) | Work::Event { .. } => self.turn(req, now, ctx),
            Work::Timers { seen } => self.timers(seen, now, req.reply, ctx),
            Work::Hold(messages) => self.hold(messages, now, req.reply, ctx),
            Work::TakeHeld => self.take_held(now, req.reply, ctx),
        }
    }
}
