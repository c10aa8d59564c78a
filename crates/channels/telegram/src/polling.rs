//! Long polling: fetch a batch of updates, run its turns (in order per session, sessions in parallel),
//! and only then confirm the batch with the next `getUpdates` offset — an update whose turn did not
//! finish is delivered again after a crash, and the runtime drops what it already committed.

use crate::adapter::Shared;
use crate::convert::{self, BotIdentity, Incoming};
use crate::sender::{self, Handled};
use colloquy_channel::{ChannelError, ChannelIo, Gateway, Shutdown};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use teloxide::RequestError;
use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{AllowedUpdate, Update};
use tokio::task::JoinSet;

/// First delay after a failed `getUpdates`; doubled up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest delay between failed `getUpdates` calls.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Polls until shutdown, then confirms the processed updates.
pub(crate) async fn poll(
    shared: &Arc<Shared>,
    me: &BotIdentity,
    io: &ChannelIo,
) -> Result<(), ChannelError> {
    let cfg = &shared.config;
    let mut stop = io.shutdown.clone();
    // 0 = "from the earliest unconfirmed update".
    let mut offset: i32 = 0;
    let mut confirmed = true;
    let mut backoff = BASE_BACKOFF;
    while !stop.is_triggered() {
        let request = shared
            .api
            .get_updates()
            .offset(offset)
            .timeout(cfg.poll_timeout_secs)
            .limit(cfg.poll_limit)
            .allowed_updates(vec![AllowedUpdate::Message])
            .send();
        let answer = tokio::select! {
            biased;
            () = stop.wait() => break,
            answer = request => answer,
        };
        let updates = match answer {
            Ok(updates) => {
                confirmed = true;
                backoff = BASE_BACKOFF;
                updates
            }
            Err(RequestError::RetryAfter(after)) => {
                pause(&mut stop, after.duration()).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %shared.redact(e), retry_in = ?backoff, "telegram: getUpdates failed");
                pause(&mut stop, backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let Some(last) = updates.iter().map(|u| u.id.0).max() else {
            continue;
        };
        let batch = run_batch(shared, me, io.gateway.clone(), updates);
        tokio::pin!(batch);
        let outcome = tokio::select! {
            outcome = &mut batch => Some(outcome),
            () = stop.wait() => {
                // Shutting down mid-batch: let its turns and sends finish, up to the drain timeout.
                let drain = Duration::from_secs(cfg.drain_timeout_secs);
                tokio::time::timeout(drain, &mut batch).await.ok()
            }
        };
        match outcome {
            Some(None) => offset = next_offset(last),
            Some(Some(first_failed)) => {
                // Everything from the first update the runtime could not take comes again.
                offset = i32::try_from(first_failed).unwrap_or(i32::MAX);
                pause(&mut stop, backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            None => tracing::warn!(
                "telegram: batch not finished at the drain timeout; it will be delivered again"
            ),
        }
        confirmed = false;
    }
    if !confirmed && offset != 0 {
        confirm(shared, offset).await;
    }
    Ok(())
}

/// The offset that confirms every update up to `last`.
fn next_offset(last: u32) -> i32 {
    i32::try_from(u64::from(last) + 1).unwrap_or(i32::MAX)
}

/// Tells Telegram the updates before `offset` are done (the last `getUpdates`, which asks for nothing new).
async fn confirm(shared: &Shared, offset: i32) {
    let r = shared
        .api
        .get_updates()
        .offset(offset)
        .limit(1)
        .timeout(0)
        .allowed_updates(vec![AllowedUpdate::Message])
        .send()
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %shared.redact(e), "telegram: could not confirm the last updates; they will be delivered again");
    }
}

/// Waits `d`, or less if shutdown fires.
async fn pause(stop: &mut Shutdown, d: Duration) {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        () = stop.wait() => {}
    }
}

/// Runs a batch: updates of one session in order, sessions in parallel. Returns the id of the first
/// update that must be delivered again, if any.
async fn run_batch(
    shared: &Arc<Shared>,
    me: &BotIdentity,
    gateway: Arc<dyn Gateway>,
    updates: Vec<Update>,
) -> Option<u32> {
    let mut sessions: HashMap<(i64, String), Vec<(u32, Incoming)>> = HashMap::new();
    let mut order = Vec::new();
    for update in &updates {
        let Some(incoming) =
            convert::to_incoming(&shared.bot_name, update, me, shared.config.groups)
        else {
            continue;
        };
        let key = (incoming.chat_id, incoming.inbound.user.clone());
        let queue = sessions.entry(key.clone()).or_default();
        if queue.is_empty() {
            order.push(key);
        }
        queue.push((update.id.0, incoming));
    }
    let mut tasks = JoinSet::new();
    for key in order {
        let Some(queue) = sessions.remove(&key) else {
            continue;
        };
        let shared = shared.clone();
        let gateway = gateway.clone();
        tasks.spawn(async move {
            for (id, incoming) in queue {
                if sender::handle(&shared, gateway.as_ref(), incoming).await == Handled::Retry {
                    return Some(id);
                }
            }
            None
        });
    }
    let mut first_failed: Option<u32> = None;
    while let Some(joined) = tasks.join_next().await {
        let failed = joined.unwrap_or_else(|e| {
            tracing::error!(error = %e, "telegram: a turn task failed");
            None
        });
        if let Some(id) = failed {
            first_failed = Some(first_failed.map_or(id, |f| f.min(id)));
        }
    }
    first_failed
}
