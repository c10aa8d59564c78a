//! Every channel adapter this binary knows — the one list to edit when adding a channel — and hosting them.
//!
//! Adding a channel: a crate under `crates/channels/`, its dependency in `crates/cli/Cargo.toml`, and one
//! `Typed::new(...)` line in [`registry`]. The WebSocket channel is served by the HTTP server itself and is
//! set up in `serve.rs`.

use colloquy_channel::{Channel, ChannelError, ChannelIo, Gateway, ShutdownTrigger};
use colloquy_flow::{Diagnostics, SourceFile};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// A registered adapter: checks its `[channels.NAME]` table and builds the adapter from it.
pub trait Registration: Send + Sync {
    /// The `[channels.NAME]` key.
    fn name(&self) -> &'static str;
    /// Validates the table (no IO, no environment): for `colloquy check`.
    fn check(&self, source: &SourceFile<'_>, table: toml::Table) -> Result<(), Diagnostics>;
    /// Validates and builds the adapter (reads secrets from the environment, binds sockets).
    fn build(
        &self,
        source: &SourceFile<'_>,
        bot: &str,
        table: toml::Table,
    ) -> Result<Arc<dyn Channel>, BuildError>;
}

/// Why an adapter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Its table is invalid.
    #[error("{0}")]
    Config(Diagnostics),
    /// It could not start (a missing token variable, a port in use).
    #[error("channel `{name}`: {source}")]
    Start {
        /// Channel name.
        name: &'static str,
        /// What went wrong.
        source: ChannelError,
    },
}

/// An adapter constructor: bot name and typed config in, running-ready adapter out.
type Constructor<C> = fn(&str, C) -> Result<Arc<dyn Channel>, ChannelError>;

/// An adapter's own checks of its parsed config (no IO, no environment): one message per problem.
type Validator<C> = fn(&C) -> Vec<String>;

/// A registration from a typed config, its validator and a constructor.
struct Typed<C> {
    name: &'static str,
    validate: Validator<C>,
    build: Constructor<C>,
}

impl<C> Typed<C> {
    fn new(name: &'static str, validate: Validator<C>, build: Constructor<C>) -> Box<Self> {
        Box::new(Typed {
            name,
            validate,
            build,
        })
    }
}

impl<C: DeserializeOwned + Send + Sync + 'static> Registration for Typed<C> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn check(&self, source: &SourceFile<'_>, table: toml::Table) -> Result<(), Diagnostics> {
        let config = source.parse_at::<C>(&["channels", self.name], table)?;
        let problems: Vec<_> = (self.validate)(&config)
            .into_iter()
            .map(|message| {
                colloquy_flow::diagnostics::Problem::at(
                    vec!["channels".into(), self.name.into()],
                    message,
                    format!("see docs/channels/{}.md", self.name.replace('_', "-")),
                )
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(source.diagnostics(problems))
        }
    }

    fn build(
        &self,
        source: &SourceFile<'_>,
        bot: &str,
        table: toml::Table,
    ) -> Result<Arc<dyn Channel>, BuildError> {
        let config = source
            .parse_at::<C>(&["channels", self.name], table)
            .map_err(BuildError::Config)?;
        (self.build)(bot, config).map_err(|source| BuildError::Start {
            name: self.name,
            source,
        })
    }
}

/// The adapters this binary can run, besides `websocket`.
pub fn registry() -> Vec<Box<dyn Registration>> {
    vec![
        Typed::new(
            "line_tcp",
            |_| Vec::new(),
            |bot, config| Ok(colloquy_line_tcp::LineTcpChannel::bind(bot, config)?),
        ),
        Typed::new(
            "telegram",
            colloquy_telegram::TelegramConfig::validate,
            |bot, config| {
                Ok(colloquy_telegram::build(bot, config, &|name| {
                    std::env::var(name).ok()
                })?)
            },
        ),
        Typed::new(
            "discord",
            |config: &colloquy_discord::DiscordConfig| {
                config
                    .validate()
                    .err()
                    .unwrap_or_default()
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            },
            |bot, config| {
                Ok(colloquy_discord::build(bot, config, &|name| {
                    std::env::var(name).ok()
                })?)
            },
        ),
    ]
}

/// Every channel name accepted under `[channels]`.
pub fn known_names() -> Vec<&'static str> {
    let mut names = vec!["websocket"];
    names.extend(registry().iter().map(|r| r.name()));
    names
}

/// Runs adapters on their own multi-thread tokio runtime (platform clients stay on the runtime that made
/// them; the actix threads are never blocked by them).
pub struct ChannelHost {
    runtime: tokio::runtime::Runtime,
    trigger: ShutdownTrigger,
    tasks: Vec<(String, tokio::task::JoinHandle<Result<(), ChannelError>>)>,
}

/// How long stopping waits for each adapter to drain and return.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

impl ChannelHost {
    /// Starts `channels`, handing their messages to `gateway`.
    pub fn start(
        channels: &[Arc<dyn Channel>],
        gateway: Arc<dyn Gateway>,
    ) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("colloquy-channels")
            .enable_all()
            .build()?;
        let (trigger, shutdown) = ShutdownTrigger::new();
        let tasks = channels
            .iter()
            .map(|c| {
                let io = ChannelIo {
                    gateway: gateway.clone(),
                    shutdown: shutdown.clone(),
                };
                (c.name().to_owned(), runtime.spawn(c.clone().run(io)))
            })
            .collect();
        Ok(ChannelHost {
            runtime,
            trigger,
            tasks,
        })
    }

    /// Signals every adapter to stop and waits (bounded) for each to drain and return.
    pub async fn stop(self) {
        self.trigger.trigger();
        for (name, task) in self.tasks {
            match tokio::time::timeout(STOP_TIMEOUT, task).await {
                Ok(Ok(Ok(()))) => tracing::info!(channel = %name, "channel stopped"),
                Ok(Ok(Err(e))) => {
                    tracing::error!(channel = %name, error = %e, "channel stopped with an error")
                }
                Ok(Err(e)) => tracing::error!(channel = %name, error = %e, "channel task failed"),
                Err(_) => {
                    tracing::warn!(channel = %name, "channel did not stop within {STOP_TIMEOUT:?}")
                }
            }
        }
        // Every adapter has returned (or timed out); leftover tasks are dropped without blocking this thread.
        self.runtime.shutdown_background();
    }
}
