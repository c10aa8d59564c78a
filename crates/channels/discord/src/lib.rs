//! The Discord channel, on serenity: the gateway brings messages in, REST takes replies out.
//!
//! Modules (the same shape as every adapter):
//! - [`config`]: `[channels.discord]` settings and their validation.
//! - [`convert`]: `MESSAGE_CREATE` / button clicks → [`colloquy_channel::Inbound`]; replies → REST bodies
//!   (escaped, split at 2,000 characters, quick replies as buttons or a numbered list). Pure.
//! - [`rest`]: the REST calls the adapter makes, with 429 `retry_after` and backoff.
//! - [`adapter`]: [`DiscordChannel`] (the [`colloquy_channel::Channel`]) and [`build`].
//! - `handler` (private): serenity's event handler.
//! - `lanes` (private): per-session ordering (serenity runs each event on a task of its own).
//! - [`token`]: the bot token, redacted in logs.
//!
//! Setup and limits: `docs/channels/discord.md`.

pub mod adapter;
pub mod config;
pub mod convert;
mod handler;
mod lanes;
pub mod rest;
pub mod token;

pub use adapter::{DiscordChannel, build};
pub use config::{ConfigError, DiscordConfig, Intent, QuickReplyStyle, Snowflake};
