//! [`DiscordChannel`]: the [`Channel`] implementation — a serenity gateway client for inbound messages,
//! [`Rest`] for replies — and [`build`], its constructor.
//!
//! Threads: the adapter owns a small multi-thread tokio runtime (2 workers, threads named
//! `colloquy-discord`) on a thread of its own. serenity, its reqwest pool and every send run there, so the
//! caller's executor does not matter: `run` and `deliver` return futures that only await a task handle and
//! work from an actix `System` or any tokio runtime. Dropping the last `Arc<DiscordChannel>` stops it.

use crate::config::{DISCORD_API, DiscordConfig, Intent};
use crate::convert::{CHANNEL, render};
use crate::handler::{Handler, Shared};
use crate::lanes::Lanes;
use crate::rest::Rest;
use crate::token::Token;
use colloquy_channel::{
    BoxFuture, Channel, ChannelError, ChannelIo, InFlight, Outbound, RetryPolicy, SessionKey,
};
use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder};
use serenity::http::HttpError;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// Timeout of one REST request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The Discord adapter. Build it with [`build`].
pub struct DiscordChannel {
    /// Bot name for inbound messages.
    bot: String,
    /// Validated settings.
    config: DiscordConfig,
    /// Bot token (redacted in `Debug`).
    token: Token,
    /// HTTP pool shared by serenity and [`Rest`].
    client: reqwest::Client,
    /// REST calls with retries.
    rest: Rest,
    /// Sends in progress.
    inflight: InFlight,
    /// The adapter's own runtime.
    runtime: Handle,
    /// Dropped with the adapter: lets the runtime thread end.
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for DiscordChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordChannel")
            .field("bot", &self.bot)
            .field("config", &self.config)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Builds the Discord adapter for `bot_name`: validates `config` and reads the token from the environment
/// variable it names (`env` is the lookup, `std::env::var(..).ok()` in production).
pub fn build(
    bot_name: &str,
    config: DiscordConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Arc<DiscordChannel>, ChannelError> {
    if let Err(errors) = config.validate() {
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(ChannelError::Config(all.join("; ")));
    }
    let token = env(&config.token_env)
        .map(|t| Token::new(&t))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ChannelError::Config(format!(
                "environment variable `{}` (channels.discord.token_env) is not set: put the bot token \
                 from the Discord developer portal there",
                config.token_env
            ))
        })?;
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| ChannelError::Config(format!("HTTP client: {e}")))?;
    let runtime = start_runtime()?;
    let rest = Rest::new(
        client.clone(),
        config.api_base(),
        token.clone(),
        RetryPolicy::default(),
    );
    Ok(Arc::new(DiscordChannel {
        bot: bot_name.to_owned(),
        config,
        token,
        client,
        rest,
        inflight: InFlight::default(),
        runtime: runtime.0,
        _stop: runtime.1,
    }))
}

/// Starts the adapter's runtime on its own thread; it lives until the returned sender is dropped.
fn start_runtime() -> Result<(Handle, oneshot::Sender<()>), ChannelError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("colloquy-discord")
        .enable_all()
        .build()
        .map_err(|e| ChannelError::Config(format!("cannot start the Discord runtime: {e}")))?;
    let handle = runtime.handle().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("colloquy-discord-rt".into())
        .spawn(move || {
            let _ = runtime.block_on(stopped);
            // Dropped here, on a plain thread: never inside an async context.
            drop(runtime);
        })
        .map_err(|e| ChannelError::Config(format!("cannot start the Discord runtime: {e}")))?;
    Ok((handle, stop))
}

impl DiscordChannel {
    /// Replies being produced or sent right now.
    pub fn in_flight(&self) -> usize {
        self.inflight.count()
    }

    fn intents(&self) -> GatewayIntents {
        self.config
            .intents
            .iter()
            .fold(GatewayIntents::empty(), |all, i| {
                all | match i {
                    Intent::DirectMessages => GatewayIntents::DIRECT_MESSAGES,
                    Intent::GuildMessages => GatewayIntents::GUILD_MESSAGES,
                    Intent::MessageContent => GatewayIntents::MESSAGE_CONTENT,
                }
            })
    }

    /// Connects to the gateway and answers messages until `io.shutdown` fires; then drains.
    async fn run_gateway(self: Arc<Self>, io: ChannelIo) -> Result<(), ChannelError> {
        let mut http = HttpBuilder::new(self.token.expose())
            // Discord's rate-limit answers are honoured by `Rest`; and serenity's rate limiter ignores
            // the proxy setting, so it must be off for `api_url` to apply.
            .ratelimiter_disabled(true)
            .client(self.client.clone());
        if self.config.api_base() != DISCORD_API {
            http = http.proxy(self.config.api_base());
        }
        let http = http.build();
        // serenity falls back to the real gateway, silently, when this lookup fails; look it up here and
        // fail loudly instead (and pin the result below).
        let gateway_url = http.get_gateway().await.map_err(lookup_error)?.url;
        let shared = Arc::new(Shared {
            bot: self.bot.clone(),
            style: self.config.quick_replies,
            answer_in: self.config.channels.iter().map(|c| c.0).collect(),
            rest: self.rest.clone(),
            gateway: io.gateway.clone(),
            inflight: self.inflight.clone(),
            shutdown: io.shutdown.clone(),
            me: AtomicU64::new(0),
            lanes: Lanes::default(),
        });
        let mut client = ClientBuilder::new_with_http(http, self.intents())
            .event_handler(Handler(shared))
            .await
            .map_err(|e| ChannelError::Config(format!("Discord client: {e}")))?;
        *client.ws_url.lock().await = gateway_url;
        let shards = client.shard_manager.clone();
        let mut shutdown = io.shutdown.clone();
        tracing::info!(bot = %self.bot, "discord channel starting");
        let outcome = tokio::select! {
            ended = client.start() => ended.map_err(|e| ChannelError::Rejected(format!("Discord gateway: {e}"))),
            () = shutdown.wait() => Ok(()),
        };
        shards.shutdown_all().await;
        let drain = Duration::from_millis(self.config.drain_timeout_ms);
        if !self.inflight.drained(drain).await {
            tracing::warn!(
                pending = self.inflight.count(),
                "discord replies still pending at shutdown"
            );
        }
        tracing::info!(bot = %self.bot, "discord channel stopped");
        outcome
    }
}

/// Explains a failed gateway lookup: a refused token is final, anything else may pass.
fn lookup_error(e: serenity::Error) -> ChannelError {
    if let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = &e
        && r.status_code.as_u16() == 401
    {
        return ChannelError::Rejected(
            "Discord refused the bot token (HTTP 401): check the variable named by \
             channels.discord.token_env"
                .into(),
        );
    }
    ChannelError::Transient(format!("GET /api/v10/gateway failed: {e}"))
}

impl Channel for DiscordChannel {
    fn name(&self) -> &str {
        CHANNEL
    }

    fn run(self: Arc<Self>, io: ChannelIo) -> BoxFuture<'static, Result<(), ChannelError>> {
        let task = self.runtime.clone().spawn(self.run_gateway(io));
        Box::pin(async move {
            task.await
                .map_err(|e| ChannelError::Transient(format!("discord task ended: {e}")))?
        })
    }

    fn deliver(
        &self,
        to: &SessionKey,
        messages: Vec<Outbound>,
    ) -> BoxFuture<'static, Result<(), ChannelError>> {
        let channel = match (to.channel.as_str(), to.conversation.parse::<u64>()) {
            (CHANNEL, Ok(id)) => id,
            _ => {
                let e = ChannelError::Rejected(format!("not a Discord conversation: {to}"));
                return Box::pin(async move { Err(e) });
            }
        };
        let bodies = render(&messages, self.config.quick_replies, None);
        let rest = self.rest.clone();
        let busy = self.inflight.track();
        let task = self.runtime.spawn(async move {
            let _busy = busy;
            for body in &bodies {
                rest.create_message(channel, body).await?;
            }
            Ok(())
        });
        Box::pin(async move { task.await.map_err(|_| ChannelError::Stopped)? })
    }
}
