//! [`TelegramChannel`]: the [`Channel`] implementation — start-up (getMe, webhook registration), the job
//! queue that proactive sends and webhook updates go through, and shutdown.
//!
//! Runtime: [`Channel::run`] runs inside the caller's tokio runtime (a multi-thread runtime is best; an
//! actix `System`'s current-thread runtime works too) and spawns its tasks there. Every Bot API request
//! is made from tasks of that runtime, including proactive [`Channel::deliver`] sends and webhook updates,
//! which reach it over a queue: the HTTP client's connection pool stays on one runtime.

use crate::config::{Mode, TelegramConfig};
use crate::convert::{self, BotIdentity, Incoming};
use crate::sender::{self, Handled};
use crate::webhook::TelegramWebhook;
use crate::{CHANNEL_NAME, polling};
use colloquy_channel::{
    BoxFuture, Channel, ChannelError, ChannelIo, Gateway, InFlight, Outbound, RetryPolicy,
    SessionKey, WebhookHandler,
};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use teloxide::payloads::setters::*;
use teloxide::requests::Requester;
use teloxide::types::{AllowedUpdate, Update};
use tokio::sync::{mpsc, oneshot};

/// Jobs queued for the running adapter.
const JOB_QUEUE: usize = 1024;

/// The Telegram channel. Built by [`crate::build`]; cheap to share (`Arc`).
pub struct TelegramChannel {
    pub(crate) shared: Arc<Shared>,
}

/// State shared by the adapter, its tasks and its webhook endpoint.
pub(crate) struct Shared {
    /// Bot name (from the bot file).
    pub(crate) bot_name: String,
    /// Settings.
    pub(crate) config: TelegramConfig,
    /// The Bot API client (holds the token: never print it).
    pub(crate) api: teloxide::Bot,
    /// The token, kept only to scrub it from error texts (reqwest errors include the request URL).
    token: String,
    /// Webhook secret (webhook mode).
    pub(crate) secret: Option<String>,
    /// Retry policy for sends.
    pub(crate) retry: RetryPolicy,
    /// Sends and turns in progress, drained on shutdown.
    pub(crate) inflight: InFlight,
    /// The queue into the running adapter; `None` while not running.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

/// Work handed to the running adapter from outside its runtime.
pub(crate) enum Job {
    /// A proactive message to a stored conversation.
    Deliver {
        /// The stored conversation's chat id.
        chat_id: i64,
        /// What to send.
        messages: Vec<Outbound>,
        /// Gets the outcome once every part was sent (or gave up).
        done: oneshot::Sender<Result<(), ChannelError>>,
    },
    /// An update received on the webhook; `done` gets whether it was handled.
    Webhook {
        /// The update as Telegram posted it.
        update: Box<Update>,
        /// Gets whether the update was handled (200) or must come again (503).
        done: oneshot::Sender<Handled>,
    },
}

impl std::fmt::Debug for TelegramChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramChannel")
            .field("bot", &self.shared.bot_name)
            .field("token", &"<redacted>")
            .field("config", &self.shared.config)
            .finish()
    }
}

impl Shared {
    pub(crate) fn new(
        bot_name: String,
        config: TelegramConfig,
        api: teloxide::Bot,
        token: String,
        secret: Option<String>,
    ) -> Self {
        Shared {
            bot_name,
            config,
            api,
            token,
            secret,
            retry: RetryPolicy::default(),
            inflight: InFlight::default(),
            jobs: Mutex::new(None),
        }
    }

    /// `text` with the token replaced by `<redacted>`.
    pub(crate) fn redact(&self, text: impl std::fmt::Display) -> String {
        let text = text.to_string();
        if self.token.is_empty() {
            return text;
        }
        text.replace(&self.token, "<redacted>")
    }

    /// Queues a job for the running adapter.
    pub(crate) async fn submit(&self, job: Job) -> Result<(), ChannelError> {
        let tx = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(ChannelError::Stopped)?;
        tx.send(job).await.map_err(|_| ChannelError::Stopped)
    }

    fn set_jobs(&self, tx: Option<mpsc::Sender<Job>>) {
        *self.jobs.lock().unwrap_or_else(PoisonError::into_inner) = tx;
    }
}

impl TelegramChannel {
    /// The webhook endpoint (webhook mode), for colloquy's HTTP server to mount at `webhook_path`.
    pub fn webhook(&self) -> Option<Arc<TelegramWebhook>> {
        (self.shared.config.mode == Mode::Webhook)
            .then(|| TelegramWebhook::new(self.shared.clone()))
    }

    /// The settings this adapter runs with.
    pub fn config(&self) -> &TelegramConfig {
        &self.shared.config
    }
}

impl Channel for TelegramChannel {
    fn name(&self) -> &str {
        CHANNEL_NAME
    }

    fn run(self: Arc<Self>, io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>> {
        let shared = self.shared.clone();
        Box::pin(async move { run(shared, io).await })
    }

    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>> {
        let shared = self.shared.clone();
        let chat = if to.channel == CHANNEL_NAME {
            to.conversation.parse::<i64>().ok()
        } else {
            None
        };
        let conversation = to.conversation.clone();
        Box::pin(async move {
            let chat_id = chat.ok_or_else(|| {
                ChannelError::Rejected(format!(
                    "{conversation:?} is not a Telegram conversation (a chat id)"
                ))
            })?;
            let (done, result) = oneshot::channel();
            shared
                .submit(Job::Deliver {
                    chat_id,
                    messages,
                    done,
                })
                .await?;
            result.await.unwrap_or(Err(ChannelError::Stopped))
        })
    }

    fn webhooks(&self) -> Vec<Arc<dyn WebhookHandler>> {
        self.webhook()
            .map(|w| w as Arc<dyn WebhookHandler>)
            .into_iter()
            .collect()
    }
}

/// The adapter's life: start, serve until shutdown, drain.
async fn run(shared: Arc<Shared>, io: ChannelIo) -> Result<(), ChannelError> {
    let me = start(&shared, &io).await?;
    tracing::info!(bot = %shared.bot_name, username = %me.username, mode = ?shared.config.mode, "telegram channel started");
    let (tx, rx) = mpsc::channel(JOB_QUEUE);
    shared.set_jobs(Some(tx));
    let consumer = tokio::spawn(consume(shared.clone(), me.clone(), io.gateway.clone(), rx));
    let result = match shared.config.mode {
        Mode::Polling => polling::poll(&shared, &me, &io).await,
        Mode::Webhook => {
            let mut stop = io.shutdown.clone();
            stop.wait().await;
            Ok(())
        }
    };
    // Stop taking jobs; the consumer ends once queued jobs are started; then wait for every send.
    shared.set_jobs(None);
    let drain = Duration::from_secs(shared.config.drain_timeout_secs);
    if tokio::time::timeout(drain, consumer).await.is_err() {
        tracing::warn!("telegram: queued jobs not started before the drain timeout");
    }
    if !shared.inflight.drained(drain).await {
        tracing::warn!(
            pending = shared.inflight.count(),
            "telegram: sends still in progress at the drain timeout; their updates will be delivered again"
        );
    }
    tracing::info!("telegram channel stopped");
    result
}

/// Learns who the bot is and sets up how updates arrive. Fails loudly: a wrong token or an unreachable
/// API server stops the adapter with an error instead of retrying silently.
async fn start(shared: &Shared, io: &ChannelIo) -> Result<BotIdentity, ChannelError> {
    let me = shared.api.get_me().await.map_err(|e| {
        ChannelError::Config(format!(
            "getMe failed at {}: {} (check the token and api_url)",
            shared.config.api_url,
            shared.redact(e)
        ))
    })?;
    let me = BotIdentity {
        id: me.user.id.0,
        username: me.user.username.clone().unwrap_or_default(),
    };
    if io.shutdown.is_triggered() {
        return Ok(me);
    }
    match shared.config.mode {
        Mode::Polling => {
            // A webhook left from webhook mode makes getUpdates fail: remove it (pending updates are kept).
            let info = shared
                .api
                .get_webhook_info()
                .await
                .map_err(|e| ChannelError::Transient(shared.redact(e)))?;
            if info.url.is_some() {
                shared
                    .api
                    .delete_webhook()
                    .await
                    .map_err(|e| ChannelError::Transient(shared.redact(e)))?;
                tracing::info!("telegram: removed the webhook to use long polling");
            }
        }
        Mode::Webhook => {
            let url = shared
                .config
                .webhook_url()
                .and_then(|u| url::Url::parse(&u).ok())
                .ok_or_else(|| ChannelError::Config("public_url is not a valid URL".into()))?;
            let mut req = shared
                .api
                .set_webhook(url)
                .allowed_updates(vec![AllowedUpdate::Message]);
            if let Some(secret) = &shared.secret {
                req = req.secret_token(secret.clone());
            }
            req.await.map_err(|e| {
                ChannelError::Config(format!("setWebhook failed: {}", shared.redact(e)))
            })?;
        }
    }
    Ok(me)
}

/// Runs queued jobs until the queue closes.
async fn consume(
    shared: Arc<Shared>,
    me: BotIdentity,
    gateway: Arc<dyn Gateway>,
    mut jobs: mpsc::Receiver<Job>,
) {
    while let Some(job) = jobs.recv().await {
        let guard = shared.inflight.track();
        let shared = shared.clone();
        match job {
            Job::Deliver {
                chat_id,
                messages,
                done,
            } => {
                tokio::spawn(async move {
                    let parts = convert::render(&messages);
                    let r = sender::send_parts(&shared, chat_id, None, &parts).await;
                    let _ = done.send(r);
                    drop(guard);
                });
            }
            Job::Webhook { update, done } => {
                let gateway = gateway.clone();
                let incoming: Option<Incoming> =
                    convert::to_incoming(&shared.bot_name, &update, &me, shared.config.groups);
                tokio::spawn(async move {
                    let handled = match incoming {
                        Some(incoming) => sender::handle(&shared, gateway.as_ref(), incoming).await,
                        None => Handled::Done,
                    };
                    let _ = done.send(handled);
                    drop(guard);
                });
            }
        }
    }
}
