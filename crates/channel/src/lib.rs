//! The channel adapter SDK: the one shape every platform's messages are turned into, and the helpers every
//! adapter shares.
//!
//! Modules:
//! - [`message`]: [`Inbound`] (a user's message from any platform) and [`Outbound`] (what the bot says).
//! - [`key`]: [`SessionKey`] — (bot, channel, conversation, user) — and its storage encoding.
//! - [`gateway`]: the [`Gateway`] trait adapters hand messages to (the runtime implements it).
//! - [`channel`]: the [`Channel`] trait every adapter implements, with [`ChannelIo`] and [`Shutdown`].
//! - [`webhook`]: framework-neutral HTTP endpoints an adapter asks colloquy's server to mount.
//! - [`split`]: splitting long replies at a platform's limit on line/word boundaries.
//! - [`escape`]: per-platform escaping (Telegram MarkdownV2/HTML, Discord markdown and mentions).
//! - [`retry`]: retries with exponential backoff that honour the platform's `retry_after`.
//! - [`inflight`]: tracking pending sends so shutdown can drain them.
//! - [`error`]: [`DispatchError`] (handing a message to the runtime) and [`ChannelError`] (the platform side).
//!
//! API boundary: adapters depend on this crate (and their platform library) only; they never see actix,
//! sessions or storage. See `docs/channels/adding-a-channel.md`.

pub mod channel;
pub mod error;
pub mod escape;
pub mod gateway;
pub mod inflight;
pub mod key;
pub mod message;
pub mod retry;
pub mod split;
pub mod webhook;

pub use channel::{Channel, ChannelIo, Shutdown, ShutdownTrigger};
pub use error::{ChannelError, DispatchError};
pub use gateway::{BoxFuture, Gateway};
pub use inflight::InFlight;
pub use key::SessionKey;
pub use message::{Inbound, Outbound, TurnReply};
pub use retry::{Attempt, RetryPolicy, retry};
pub use split::{Measure, split_text};
pub use webhook::{WebhookHandler, WebhookRequest, WebhookResponse};
