//! The serenity [`EventHandler`]: turns gateway events into turns and sends the replies over REST.

use crate::config::QuickReplyStyle;
use crate::convert::{Route, Seen, button_click, render, route};
use crate::lanes::Lanes;
use crate::rest::Rest;
use colloquy_channel::inflight::InFlightGuard;
use colloquy_channel::{Gateway, InFlight, Inbound, Outbound, Shutdown};
use serenity::all::{Context, EventHandler, Interaction, Message, Ready, ResumedEvent};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long the first message of an idle lane waits for messages the gateway delivered just before it
/// (their tasks are already queued; a few milliseconds lets them take their place in the lane).
const SETTLE: Duration = Duration::from_millis(15);

/// A session lane key: (conversation channel id, user id).
type LaneKey = (u64, u64);

/// A message waiting in its session's lane.
pub(crate) struct Job {
    /// The message.
    inbound: Inbound,
    /// Message to answer with a reply reference (guild channels).
    reply_to: Option<String>,
    /// Keeps shutdown waiting until the job is done.
    _busy: InFlightGuard,
}

/// Everything the handler needs, shared by serenity's per-event tasks.
pub(crate) struct Shared {
    /// Bot name for [`Inbound::bot`].
    pub(crate) bot: String,
    /// Quick-reply rendering.
    pub(crate) style: QuickReplyStyle,
    /// Guild channels answered without a mention.
    pub(crate) answer_in: HashSet<u64>,
    /// REST client for replies.
    pub(crate) rest: Rest,
    /// Where messages go (the runtime).
    pub(crate) gateway: Arc<dyn Gateway>,
    /// Replies being produced or sent; shutdown waits for them.
    pub(crate) inflight: InFlight,
    /// Once fired, new messages are no longer taken.
    pub(crate) shutdown: Shutdown,
    /// The bot's own user id, from READY (0 until then).
    pub(crate) me: AtomicU64,
    /// Per-session ordering.
    pub(crate) lanes: Lanes<LaneKey, Job>,
}

/// serenity's entry point into the adapter.
pub(crate) struct Handler(pub(crate) Arc<Shared>);

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        self.0.me.store(ready.user.id.get(), Ordering::Release);
        tracing::info!(bot = %self.0.bot, user = %ready.user.name, "discord gateway ready");
    }

    async fn resume(&self, _: Context, _: ResumedEvent) {
        tracing::info!(bot = %self.0.bot, "discord gateway session resumed");
    }

    async fn message(&self, _: Context, message: Message) {
        self.0.on_message(Seen::from(&message)).await;
    }

    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        if let Interaction::Component(click) = interaction {
            let Some(inbound) = button_click(&self.0.bot, &click) else {
                return;
            };
            if self.0.shutdown.is_triggered() {
                return;
            }
            let busy = self.0.inflight.track();
            // Discord wants the acknowledgement within 3 s, whatever the session is doing.
            if let Err(e) = self
                .0
                .rest
                .ack_interaction(click.id.get(), &click.token)
                .await
            {
                tracing::warn!(error = %e, "could not acknowledge a button click");
            }
            self.0.enqueue(click.id.get(), inbound, None, busy).await;
        }
    }
}

impl Shared {
    async fn on_message(&self, seen: Seen) {
        if self.shutdown.is_triggered() {
            return;
        }
        let busy = self.inflight.track();
        let me = self.me.load(Ordering::Acquire);
        match route(&self.bot, &seen, me, &self.answer_in) {
            Route::Ignore(why) => tracing::trace!(?why, id = seen.id, "discord message ignored"),
            Route::Answer(inbound) => {
                // In a guild channel several users share the channel: answer as a reply to the message.
                let reply_to = seen.guild_id.map(|_| seen.id.to_string());
                self.enqueue(seen.id, inbound, reply_to, busy).await;
            }
        }
    }

    /// Puts a message in its session's lane; if the lane was idle, works through it.
    async fn enqueue(
        &self,
        order: u64,
        inbound: Inbound,
        reply_to: Option<String>,
        busy: InFlightGuard,
    ) {
        let (Ok(channel), Ok(user)) = (
            inbound.conversation.parse::<u64>(),
            inbound.user.parse::<u64>(),
        ) else {
            return;
        };
        let key = (channel, user);
        let job = Job {
            inbound,
            reply_to,
            _busy: busy,
        };
        if !self.lanes.push(&key, order, job) {
            return;
        }
        tokio::time::sleep(SETTLE).await;
        while let Some(job) = self.lanes.next(&key) {
            self.answer(job.inbound, job.reply_to.as_deref()).await;
        }
    }

    /// Runs the turn and sends its replies in order.
    async fn answer(&self, inbound: Inbound, reply_to: Option<&str>) {
        let Ok(channel) = inbound.conversation.parse::<u64>() else {
            return;
        };
        let id = inbound.message_id.clone().unwrap_or_default();
        let messages = match self.gateway.dispatch(inbound).await {
            // Already answered (the gateway replayed it after a resume, or it was delivered twice):
            // sending again would show the user the same answer twice.
            Ok(reply) if reply.duplicate => {
                tracing::debug!(%id, "redelivered discord message dropped");
                return;
            }
            Ok(reply) => reply.messages,
            Err(e) => vec![Outbound::text(e.to_string())],
        };
        for body in render(&messages, self.style, reply_to) {
            if let Err(e) = self.rest.create_message(channel, &body).await {
                tracing::warn!(channel, error = %e, "discord reply not sent");
                return;
            }
        }
    }
}
