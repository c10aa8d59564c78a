//! [`EventBus`]: how producers inside the process (and the HTTP event API) send events to one session or
//! to every session following a topic, exactly once per event id.
//!
//! Idempotency has two layers: the bus remembers delivered event ids (per bot, in the store's index, for
//! `event_id_retention`), so a repeated post is acknowledged without touching any session; and every
//! session remembers the ids it processed (its dedupe window), so a topic fan-out retried after a crash
//! reaches the sessions it missed and no session twice.

use crate::index_keys;
use crate::session_actor::TurnError;
use crate::supervisor::{Sent, Supervisor};
use colloquy_channel::{DispatchError, SessionKey};
use colloquy_core::Event;
use colloquy_store::{IndexOp, SessionStore, StoreError};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Topic entries read per page during a fan-out.
const PAGE: usize = 1024;
/// Sessions processing one fan-out at once.
const CONCURRENCY: usize = 512;
/// Longest event type, event id and topic (they become index keys).
const MAX_NAME_BYTES: usize = 256;

/// Where an event goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One stored session.
    Session(SessionKey),
    /// Every session following the topic.
    Topic(String),
}

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// The event id was delivered before: nothing was done this time.
    pub duplicate: bool,
    /// Sessions the event was addressed to.
    pub sessions: usize,
    /// Sessions that processed it now.
    pub delivered: usize,
    /// Sessions that had already processed this event id (a retried fan-out).
    pub already: usize,
    /// Sessions whose replies were kept because the user was not reachable.
    pub held: usize,
    /// Sessions that could not process it (busy, store errors); see the logs.
    pub failed: usize,
    /// Replies produced (for one session: its messages, in order).
    pub replies: Vec<String>,
}

/// Why an event was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The event itself is unusable.
    #[error("{field}: {problem}")]
    Invalid {
        /// The offending field (`type`, `id`, `topic`).
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The session does not exist.
    #[error("no session `{0}`")]
    NoSuchSession(String),
    /// An event with this id is being delivered right now; retry to learn its outcome.
    #[error("an event with id `{0}` is being delivered right now; retry later")]
    InFlight(String),
    /// The session is busy (full mailbox) or unavailable.
    #[error(transparent)]
    Dispatch(DispatchError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sends events to sessions of one bot. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    supervisor: Supervisor,
    in_flight: Arc<Mutex<HashSet<String>>>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("bot", &self.supervisor.bot().name())
            .finish()
    }
}

/// Removes an id from the in-flight set when the publish ends (whatever way).
struct InFlightGuard<'a> {
    set: &'a Mutex<HashSet<String>>,
    id: String,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl EventBus {
    /// A bus over the sessions of `supervisor`'s bot.
    pub fn new(supervisor: Supervisor) -> Self {
        EventBus {
            supervisor,
            in_flight: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The bot's name.
    pub fn bot(&self) -> &str {
        self.supervisor.bot().name()
    }

    /// Delivers `event` to `target`; its replies go out through each session's channel (kept for users
    /// who are not connected). Returns once every addressed session has committed it.
    pub async fn publish(&self, target: Target, event: Event) -> Result<Delivery, PublishError> {
        check(&target, &event)?;
        let store = self.supervisor.store().clone();
        let _guard = match &event.id {
            None => None,
            Some(id) => {
                let key = index_keys::ledger(self.bot(), id);
                if delivered_before(store.as_ref(), &key)? {
                    return Ok(Delivery {
                        duplicate: true,
                        ..Delivery::default()
                    });
                }
                if !self
                    .in_flight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id.clone())
                {
                    return Err(PublishError::InFlight(id.clone()));
                }
                let guard = InFlightGuard {
                    set: &self.in_flight,
                    id: id.clone(),
                };
                // Again, now that the id is reserved: a publish of the same id may have finished (and
                // written the ledger) between the first look and the reservation.
                if delivered_before(store.as_ref(), &key)? {
                    return Ok(Delivery {
                        duplicate: true,
                        ..Delivery::default()
                    });
                }
                Some(guard)
            }
        };
        let delivery = match target {
            Target::Session(key) => self.to_session(key, event.clone()).await?,
            Target::Topic(topic) => self.to_topic(&topic, &event).await?,
        };
        if let Some(id) = &event.id
            && delivery.failed == 0
        {
            let now = self.supervisor.clock().now_ms();
            store.apply_index(vec![IndexOp::Put {
                key: index_keys::ledger(self.bot(), id),
                value: now.to_be_bytes().to_vec(),
            }])?;
        }
        Ok(delivery)
    }

    async fn to_session(&self, key: SessionKey, event: Event) -> Result<Delivery, PublishError> {
        let id = key.storage_id();
        let receipt = self
            .supervisor
            .deliver_event(key, event)
            .await
            .map_err(|e| match e {
                TurnError::NoSuchSession => PublishError::NoSuchSession(id),
                TurnError::Dispatch(e) => PublishError::Dispatch(e),
            })?;
        Ok(Delivery {
            sessions: 1,
            delivered: usize::from(!receipt.duplicate),
            already: usize::from(receipt.duplicate),
            held: usize::from(receipt.sent == Sent::Held),
            failed: usize::from(receipt.sent == Sent::Failed),
            replies: receipt.replies.into_iter().map(|m| m.text).collect(),
            ..Delivery::default()
        })
    }

    async fn to_topic(&self, topic: &str, event: &Event) -> Result<Delivery, PublishError> {
        let store = self.supervisor.store().clone();
        let prefix = index_keys::topic_prefix(topic);
        let mut total = Delivery::default();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = store.scan_index(&prefix, after.as_deref(), PAGE)?;
            let full = page.len() == PAGE;
            after = page.last().map(|(k, _)| k.clone());
            let mut stale = Vec::new();
            let mut keys = Vec::new();
            for (k, v) in page {
                match serde_json::from_slice::<SessionKey>(&v) {
                    Ok(key) => keys.push((k, key)),
                    Err(_) => stale.push(IndexOp::Remove { key: k }),
                }
            }
            total.sessions += keys.len();
            let mut gone = Vec::new();
            let results: Vec<_> = futures_util::stream::iter(keys)
                .map(|(index_key, key)| {
                    let event = event.clone();
                    async move {
                        let result = self.supervisor.deliver_event(key.clone(), event).await;
                        ((index_key, key), result)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            for ((index_key, key), result) in results {
                match result {
                    Ok(r) if r.duplicate => total.already += 1,
                    Ok(r) => {
                        total.delivered += 1;
                        total.held += usize::from(r.sent == Sent::Held);
                        total.failed += usize::from(r.sent == Sent::Failed);
                    }
                    // Subscribed but gone (deleted): the entry is stale. Removed by the session's own
                    // actor (in its mailbox order), so a session that came back and subscribed again
                    // meanwhile keeps its entry.
                    Err(TurnError::NoSuchSession) => {
                        total.sessions -= 1;
                        gone.push((index_key, key));
                    }
                    Err(e) => {
                        tracing::warn!(topic, error = %e, "topic event not delivered to a session");
                        total.failed += 1;
                    }
                }
            }
            if !stale.is_empty() {
                store.apply_index(stale)?;
            }
            for (index_key, key) in gone {
                let _ = self
                    .supervisor
                    .send(
                        key,
                        crate::session_actor::Work::Timers {
                            seen: vec![index_key],
                        },
                    )
                    .await;
            }
            if !full {
                return Ok(total);
            }
        }
    }
}

/// Event ids and topics end index keys with `0x00`, so they may not contain one.
fn check(target: &Target, event: &Event) -> Result<(), PublishError> {
    let invalid = |field, problem: &str| {
        Err(PublishError::Invalid {
            field,
            problem: problem.to_owned(),
        })
    };
    if event.kind.trim().is_empty() {
        return invalid("type", "must not be empty");
    }
    if event.kind.len() > MAX_NAME_BYTES {
        return invalid("type", "must be at most 256 bytes");
    }
    if event
        .id
        .as_ref()
        .is_some_and(|id| id.len() > MAX_NAME_BYTES)
    {
        return invalid("id", "must be at most 256 bytes");
    }
    if let Target::Topic(topic) = target
        && topic.len() > MAX_NAME_BYTES
    {
        return invalid("topic", "must be at most 256 bytes");
    }
    if let Some(id) = &event.id {
        if id.is_empty() {
            return invalid("id", "must not be empty (leave it out instead)");
        }
        if id.contains('\0') {
            return invalid("id", "must not contain NUL characters");
        }
    }
    if let Target::Topic(topic) = target {
        if topic.is_empty() {
            return invalid("topic", "must not be empty");
        }
        if topic.contains('\0') {
            return invalid("topic", "must not contain NUL characters");
        }
    }
    Ok(())
}

/// True if the ledger holds `key` (a prefix scan whose first entry is exactly that key).
fn delivered_before(store: &dyn SessionStore, key: &[u8]) -> Result<bool, StoreError> {
    Ok(store
        .scan_index(key, None, 1)?
        .first()
        .is_some_and(|(k, _)| k == key))
}

/// Forgets delivered event ids older than the configured retention.
pub(crate) fn prune_ledger(supervisor: &Supervisor) -> Result<usize, StoreError> {
    let store = supervisor.store();
    let retention = supervisor.config().event_id_retention.as_millis() as u64;
    let oldest = supervisor.clock().now_ms().saturating_sub(retention);
    let mut after: Option<Vec<u8>> = None;
    let mut removed = 0;
    loop {
        let page = store.scan_index(index_keys::LEDGER, after.as_deref(), PAGE)?;
        let full = page.len() == PAGE;
        after = page.last().map(|(k, _)| k.clone());
        let old: Vec<IndexOp> = page
            .into_iter()
            .filter(|(_, v)| {
                v.as_slice()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .is_ok_and(|at| at < oldest)
            })
            .map(|(key, _)| IndexOp::Remove { key })
            .collect();
        removed += old.len();
        if !old.is_empty() {
            store.apply_index(old)?;
        }
        if !full {
            return Ok(removed);
        }
    }
}
