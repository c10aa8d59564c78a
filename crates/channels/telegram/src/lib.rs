//! The Telegram channel, on teloxide: long polling or webhook, private and group chats, commands,
//! reply keyboards, exactly-once turns over Telegram's at-least-once delivery.
//!
//! Modules (the same shape as every adapter):
//! - [`config`]: `[channels.telegram]` settings and their validation.
//! - [`setup`]: [`build`] — settings + environment (token) → a ready [`TelegramChannel`].
//! - [`adapter`]: [`TelegramChannel`], the [`colloquy_channel::Channel`] implementation (start-up, job
//!   queue, shutdown and drain).
//! - [`convert`]: Telegram updates → [`colloquy_channel::Inbound`]; replies → messages (split at 4,096
//!   UTF-16 units, quick replies as a reply keyboard). Pure.
//! - `polling`: the `getUpdates` loop that confirms a batch only after its replies were sent.
//! - `sender`: one turn end to end, and sends with retries honouring `retry_after`.
//! - [`webhook`]: the webhook endpoint with its constant-time secret check.
//!
//! Errors are the SDK's [`colloquy_channel::ChannelError`]. Setup and limits: `docs/channels/telegram.md`.

pub mod adapter;
pub mod config;
pub mod convert;
mod polling;
mod sender;
pub mod setup;
pub mod webhook;

pub use adapter::TelegramChannel;
pub use config::{GroupMode, Mode, TelegramConfig};
pub use sender::Handled;
pub use setup::build;
pub use webhook::TelegramWebhook;

/// The channel's name in session keys and the bot file.
pub const CHANNEL_NAME: &str = "telegram";
