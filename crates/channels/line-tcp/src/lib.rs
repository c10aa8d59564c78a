//! A line-oriented TCP channel — the worked example of `docs/channels/adding-a-channel.md`.
//!
//! Protocol (one command per line, UTF-8):
//! - client: `HELLO <user>` once, then `MSG <id> <text>` for each message (`id` = the platform message id);
//! - server: `BOT <text>` for each bot message (split at `max_line_chars`), `OPTIONS 1) yes 2) no` after a
//!   message with quick replies, `ERR <reason>` on bad input.
//!
//! Modules (the same shape as every adapter):
//! - [`config`]: `[channels.line_tcp]` settings.
//! - [`convert`]: protocol lines ↔ [`colloquy_channel::Inbound`] / replies.
//! - [`adapter`]: [`LineTcpChannel`], the [`colloquy_channel::Channel`] implementation.

pub mod adapter;
pub mod config;
pub mod convert;

pub use adapter::LineTcpChannel;
pub use config::LineTcpConfig;
