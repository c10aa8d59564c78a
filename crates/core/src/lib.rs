//! The pure heart of colloquy: it decides what a bot says, and does no IO.
//!
//! Modules, one job each:
//! - [`value`]: slot values and the `Data` map a context keeps between turns.
//! - [`understanding`]: what a recognizer found in a message (intents, entities).
//! - [`context`]: the [`Context`] trait Rust developers implement, and the per-session [`Frame`].
//! - [`policy`]: digression rules per context (into / away / returns), like Watson Assistant's.
//! - [`stack`]: the bounded [`ContextStack`] of interrupted contexts.
//! - [`registry`]: contexts registered by name, and the intents that trigger them.
//! - [`router`]: for one input, decides continue / digress / start / command / clarify / fallback.
//! - [`clarify`]: which option an answer to a clarification question picks.
//! - [`engine`]: runs one turn (message or event) against a [`Session`] and returns a [`Turn`].
//! - [`history`]: what was said and which states changed, as a bounded tail.
//! - [`template`]: `{slot}` and `{table[slot]}` interpolation for replies.
//! - [`event`]: events and the per-context [`EventPolicy`] (interrupt, queue, update, ignore).
//! - [`timer`]: timers and topic subscriptions a session holds, and the [`Effect`]s contexts ask for.
//! - [`event_dispatch`]: how the engine offers events and fires timers.
//!
//! Architecture invariant: nothing here touches the network, the disk, the clock or a thread. Time comes in
//! as a number; the same inputs always give the same [`Turn`]. User input can never make this crate fail:
//! odd input becomes a re-prompt or a fallback reply.

pub mod clarify;
pub mod context;
pub mod engine;
pub mod event;
pub mod event_dispatch;
pub mod history;
pub mod policy;
pub mod registry;
pub mod router;
pub mod session;
pub mod stack;
pub mod template;
pub mod timer;
pub mod understanding;
pub mod value;

pub use context::{Context, EventOutcome, Frame, Outcome, Output, StateTransition, UserInput};
pub use engine::{Engine, EngineConfig, Turn};
pub use event::{Event, EventPolicy};
pub use history::{History, HistoryEntry, HistoryKind};
pub use policy::DigressionPolicy;
pub use registry::ContextRegistry;
pub use router::{GlobalCommand, Route};
pub use session::{Clarification, Session};
pub use stack::ContextStack;
pub use timer::{Effect, Subscription, Timer, TimerRequest};
pub use understanding::{Entity, IntentMatch, Understanding};
pub use value::{Data, SlotValue};
