//! Timers and topic subscriptions a session holds: both belong to the context that asked for them and go
//! when it leaves the stack.

use crate::event::Event;
use serde::{Deserialize, Serialize};

/// A pending timer: when it is due, its event is offered to its owner context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    /// Name, unique per owner (`nudge`); scheduling the same name again replaces (re-arms) the timer.
    pub id: String,
    /// Context that scheduled it; the timer is cancelled when that context leaves the stack.
    pub owner: String,
    /// When set, the timer is cancelled as soon as its owner is no longer in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Due time, Unix milliseconds.
    pub due_ms: u64,
    /// For an inactivity timer: its delay, re-applied on every user message (so it fires only after
    /// that long without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_ms: Option<u64>,
    /// The event raised when it fires.
    pub event: Event,
}

/// A topic a context follows (`fare:LHE-DXB`): events published to the topic reach the session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subscription {
    /// Topic name.
    pub topic: String,
    /// Context that subscribed; the subscription ends when that context leaves the stack.
    pub owner: String,
}

/// A timer as a context asks for it (see [`crate::Output::schedule`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRequest {
    /// Name, unique per context.
    pub id: String,
    /// Delay from now, in milliseconds.
    pub after_ms: u64,
    /// Raised when it fires.
    pub event: Event,
    /// Cancelled when the context leaves the state it was in when the turn ended.
    pub state_scoped: bool,
    /// Re-armed by every user message (an "are you still there?" reminder).
    pub inactivity: bool,
}

/// Something a context asks the runtime to do besides talking, collected in its [`crate::Output`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Schedules (or re-arms) a timer.
    Schedule(TimerRequest),
    /// Cancels the context's timer with this name.
    Cancel(String),
    /// Follows a topic.
    Subscribe(String),
    /// Stops following a topic.
    Unsubscribe(String),
    /// Replaces all of the context's subscriptions with exactly these topics.
    SetSubscriptions(Vec<String>),
    /// Pushes another context (an event context) on the stack; the event that caused it is offered to it.
    Start(String),
}
