//! The timer sweep: finds the sessions with a timer (or expiry check) due in the store's time-ordered
//! index, wakes each one with [`Work::Timers`], and sends the replies proactively.
//!
//! Why this shape: timers live in the store, in the same commit as the snapshot that scheduled them, so a
//! timer can neither be lost nor fire twice across a crash (the session removes its index entry in the
//! commit of the turn that fires it). Nothing is loaded at start-up: the sweep reads the index from its
//! earliest entry, so 1,000,000 pending timers cost neither start-up time nor memory until they are due.
//! Timers that fell due while the server was down fire at the first sweep, right after start.

use crate::index_keys;
use crate::session_actor::Work;
use crate::supervisor::{Sent, Supervisor};
use colloquy_channel::SessionKey;
use colloquy_store::{IndexOp, StoreError};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// Index entries read per page.
const PAGE: usize = 1024;
/// Sessions woken at once.
const CONCURRENCY: usize = 256;
/// Longest sleep between sweeps (a timer scheduled by another process or a clock jump is seen this late).
const MAX_IDLE: Duration = Duration::from_secs(1);
/// How often delivered event ids older than the retention are pruned.
const PRUNE_EVERY_MS: u64 = 3_600_000;

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Sessions woken.
    pub sessions: usize,
    /// Sessions whose timers produced replies that were sent (or kept for an unreachable user).
    pub with_replies: usize,
    /// Sessions that could not be woken (busy, store error); retried at the next sweep.
    pub failed: usize,
    /// The next due time still in the index, if any.
    pub next_due_ms: Option<u64>,
}

impl Supervisor {
    /// Fires every timer due now (by the supervisor's clock). The background loop calls this; tests with
    /// a manual clock call it after advancing the clock.
    pub async fn fire_due_timers(&self) -> Result<SweepReport, StoreError> {
        let now = self.clock().now_ms();
        let store = self.store().clone();
        let mut report = SweepReport::default();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = store.scan_index(index_keys::TIMER, after.as_deref(), PAGE)?;
            let full = page.len() == PAGE;
            let mut due: BTreeMap<String, (SessionKey, Vec<Vec<u8>>)> = BTreeMap::new();
            let mut garbage = Vec::new();
            for (key, value) in page {
                after = Some(key.clone());
                let Some((due_ms, session)) = index_keys::parse_timer(&key) else {
                    garbage.push(IndexOp::Remove { key });
                    continue;
                };
                if due_ms > now {
                    report.next_due_ms = Some(due_ms);
                    break;
                }
                match serde_json::from_slice::<SessionKey>(&value) {
                    Ok(k) => due
                        .entry(session.to_owned())
                        .or_insert_with(|| (k, Vec::new()))
                        .1
                        .push(key),
                    Err(_) => garbage.push(IndexOp::Remove { key }),
                }
            }
            if !garbage.is_empty() {
                tracing::warn!(
                    entries = garbage.len(),
                    "removing unreadable timer index entries"
                );
                store.apply_index(garbage)?;
            }
            report.sessions += due.len();
            let results: Vec<Option<bool>> = futures_util::stream::iter(due.into_values())
                .map(|(key, seen)| async move {
                    match self.send(key.clone(), Work::Timers { seen }).await {
                        Ok(reply) if reply.messages.is_empty() => Some(false),
                        Ok(reply) => Some(self.send_proactive(&key, reply.messages).await != Sent::Failed),
                        Err(e) => {
                            tracing::warn!(session = %key, error = %e, "timers not fired; retrying at the next sweep");
                            None
                        }
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            report.with_replies += results.iter().filter(|r| **r == Some(true)).count();
            report.failed += results.iter().filter(|r| r.is_none()).count();
            if report.next_due_ms.is_some() || !full {
                return Ok(report);
            }
        }
    }
}

/// Starts the background loop on the supervisor's first arbiter: sweep, then sleep until the next due
/// time (at most [`MAX_IDLE`]) or until a commit adds a timer.
pub(crate) fn spawn_loop(supervisor: &Supervisor) {
    let sup = supervisor.clone();
    supervisor.background().spawn(async move {
        let mut last_prune = 0u64;
        loop {
            let wait = match sup.fire_due_timers().await {
                Ok(report) => report.next_due_ms.map_or(MAX_IDLE, |due| {
                    Duration::from_millis(due.saturating_sub(sup.clock().now_ms())).min(MAX_IDLE)
                }),
                Err(e) => {
                    tracing::error!(error = %e, "timer sweep failed; retrying");
                    MAX_IDLE
                }
            };
            let now = sup.clock().now_ms();
            sup.set_next_sweep(now.saturating_add(wait.as_millis() as u64));
            if now.saturating_sub(last_prune) >= PRUNE_EVERY_MS {
                last_prune = now;
                if let Err(e) = crate::event_bus::prune_ledger(&sup) {
                    tracing::warn!(error = %e, "pruning delivered event ids failed");
                }
            }
            let sleep = std::pin::pin!(tokio::time::sleep(wait));
            let woken = std::pin::pin!(sup.timers_woken());
            futures_util::future::select(sleep, woken).await;
        }
    });
}

impl Supervisor {
    /// Records when the loop looks next.
    fn set_next_sweep(&self, at_ms: u64) {
        self.next_sweep_ms()
            .store(at_ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Resolves when a commit added a timer.
    async fn timers_woken(&self) {
        self.timers_changed().notified().await;
    }
}
