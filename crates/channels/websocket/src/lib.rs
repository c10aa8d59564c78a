//! The WebSocket web-chat channel, on actix-web + actix-ws.
//!
//! Modules (the same shape as every adapter):
//! - [`config`]: `[channels.websocket]` settings.
//! - [`identity`]: anonymous session tokens and HMAC-signed user ids.
//! - [`convert`]: the JSON protocol frames ↔ [`colloquy_channel::Inbound`] / replies.
//! - [`connection`]: one connection's protocol state machine, independent of sockets (unit-tested).
//! - [`adapter`]: the actix-web route that runs a connection over a real WebSocket.
//!
//! The protocol is documented in `docs/channels/websocket.md`.

pub mod adapter;
pub mod config;
pub mod connection;
pub mod convert;
pub mod identity;

pub use adapter::WebSocketChannel;
pub use config::{IdentityMode, WebSocketConfig};
