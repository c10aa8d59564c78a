//! The channel adapter SDK: the one shape every platform's messages are turned into.
//!
//! Modules:
//! - [`message`]: [`Inbound`] (a user's message from any platform) and [`Outbound`] (what the bot says).
//! - [`key`]: [`SessionKey`] — (bot, channel, conversation, user) — and its storage encoding.
//! - [`gateway`]: the [`Gateway`] trait adapters hand messages to (the runtime implements it).
//! - [`error`]: [`DispatchError`], what can go wrong handing a message over.
//!
//! API boundary: adapters depend on this crate only; they never see actix, sessions or storage.

pub mod error;
pub mod gateway;
pub mod key;
pub mod message;

pub use error::DispatchError;
pub use gateway::{BoxFuture, Gateway};
pub use key::SessionKey;
pub use message::{Inbound, Outbound, TurnReply};
