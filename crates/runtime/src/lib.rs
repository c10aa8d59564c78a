//! The runtime: one actix actor per session, durable turns, passivation.
//!
//! Modules:
//! - [`config`]: [`RuntimeConfig`] and [`Durability`] (read from the bot file's `[runtime]`/`[storage]`).
//! - [`snapshot`]: the versioned on-disk form of a session ([`Snapshot`]).
//! - [`clock`]: time as a trait, so tests control it.
//! - [`group_commit`]: one thread that flushes the store for many turns at once (`per_turn` durability).
//! - [`session_actor`]: [`SessionActor`] — one per live session; runs turns in strict order.
//! - [`supervisor`]: [`Supervisor`] — finds or starts the actor for a message; implements
//!   [`colloquy_channel::Gateway`] for the adapters; sends proactive messages through attached channels.
//! - [`event_bus`]: [`EventBus`] — events to one session or a topic's followers, once per event id.
//! - [`timers`]: the sweep that fires due timers (and session expiry) from the store's index.
//! - [`index_keys`]: the layout of the store's secondary index (timers, topics, delivered event ids).
//!
//! Architecture invariants: only a session's actor reads or writes its state (no locks around sessions);
//! each turn is one compare-and-swap commit (snapshot + transcript + dedupe mark + outbox) before replies
//! leave; a panic in a context restarts that session from its last snapshot and touches no other.

pub mod clock;
pub mod config;
pub mod event_bus;
pub mod group_commit;
pub mod index_keys;
pub mod session_actor;
pub mod snapshot;
pub mod supervisor;
pub mod timers;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Durability, ExpiryPolicy, RuntimeConfig, RuntimeSection};
pub use event_bus::{Delivery, EventBus, PublishError, Target};
pub use session_actor::{SESSION_EXPIRED, TurnError};
pub use snapshot::{Snapshot, SnapshotError};
pub use supervisor::{EventReceipt, Sent, Supervisor};
pub use timers::SweepReport;
