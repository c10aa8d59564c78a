//! The [`Context`] trait — what Rust developers implement — and the per-session [`Frame`] it works on.
//!
//! API boundary: a context is an immutable definition shared by every session (`Send + Sync`); all
//! per-session state lives in its [`Frame`], which is serialized into the session snapshot. This is what lets
//! one compiled bot serve 100,000 sessions and lets a session resume after a restart.

use crate::event::{Event, EventPolicy};
use crate::policy::DigressionPolicy;
use crate::timer::{Effect, TimerRequest};
use crate::understanding::Understanding;
use crate::value::{Data, SlotValue};
use serde::{Deserialize, Serialize};

/// A state change of one context, as passed to [`Context::on_state_change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateTransition {
    /// The state left.
    pub from: String,
    /// The state entered.
    pub to: String,
}

/// One context's live state inside a session: which context, which state, its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// Registered name of the context (`booking`).
    pub context: String,
    /// Current named state (`COLLECTING_INFO`).
    pub state: String,
    /// Slot values and any other data the context keeps.
    #[serde(default)]
    pub data: Data,
    /// Consecutive inputs the context could not use (drives re-prompts and give-up).
    #[serde(default)]
    pub attempts: u32,
    /// User messages this frame has handled; 0 while handling the message that started it.
    #[serde(default)]
    pub inputs: u32,
    /// Transitions made during the current call, drained by the engine (never persisted).
    #[serde(skip)]
    pending: Vec<StateTransition>,
}

impl Frame {
    /// A fresh frame for `context` in `state`.
    pub fn new(context: impl Into<String>, state: impl Into<String>) -> Self {
        Frame {
            context: context.into(),
            state: state.into(),
            data: Data::new(),
            attempts: 0,
            inputs: 0,
            pending: Vec::new(),
        }
    }

    /// Moves to `to`; the engine then calls [`Context::on_state_change`] and records the transition.
    /// Moving to the current state is a no-op.
    pub fn transition_to(&mut self, to: &str) {
        if self.state != to {
            let from = std::mem::replace(&mut self.state, to.to_owned());
            self.pending.push(StateTransition {
                from,
                to: to.to_owned(),
            });
        }
    }

    /// Takes the transitions made since the last call.
    pub fn take_transitions(&mut self) -> Vec<StateTransition> {
        std::mem::take(&mut self.pending)
    }

    /// Reads a value.
    pub fn get(&self, key: &str) -> Option<&SlotValue> {
        self.data.get(key)
    }

    /// Sets a value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<SlotValue>) {
        self.data.insert(key.into(), value.into());
    }
}

/// One user message as a context sees it.
#[derive(Debug, Clone, Copy)]
pub struct UserInput<'a> {
    /// The text as received.
    pub text: &'a str,
    /// What the recognizer found in it.
    pub understanding: &'a Understanding,
}

/// What a context did with an input or event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still in progress: stays on top of the stack.
    Continue,
    /// Finished successfully: popped; the interrupted context resumes.
    Complete,
    /// Gave up or was abandoned: popped like `Complete`, recorded as cancelled.
    Cancel,
}

/// Whether a context handled an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// Not for this context: offer it to the next one down the stack.
    Ignored,
    /// Handled; the context goes on.
    Handled(Outcome),
}

/// What a context wants to happen in this turn: messages, quick replies, and effects (timers,
/// subscriptions, an event context to push) that the engine applies to the session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    messages: Vec<String>,
    suggestions: Vec<String>,
    effects: Vec<Effect>,
}

impl Output {
    /// Sends one message.
    pub fn say(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.messages.push(text);
        }
    }

    /// Offers quick replies (buttons, a keyboard) with the turn's last message; replaces earlier ones.
    pub fn suggest<I, S>(&mut self, options: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.suggestions = options.into_iter().map(Into::into).collect();
    }

    /// The quick replies offered so far.
    pub fn suggestions(&self) -> &[String] {
        &self.suggestions
    }

    /// The messages so far.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// Takes the messages.
    pub fn into_messages(self) -> Vec<String> {
        self.messages
    }

    /// Takes the messages and the quick replies.
    pub fn into_parts(self) -> (Vec<String>, Vec<String>) {
        (self.messages, self.suggestions)
    }

    /// Takes everything: messages, quick replies, effects.
    pub fn into_all(self) -> (Vec<String>, Vec<String>, Vec<Effect>) {
        (self.messages, self.suggestions, self.effects)
    }

    /// Removes and returns the last [`Effect::Start`] asked for (the engine handles it inline).
    pub(crate) fn take_start(&mut self) -> Option<String> {
        let mut start = None;
        self.effects.retain(|e| match e {
            Effect::Start(c) => {
                start = Some(c.clone());
                false
            }
            _ => true,
        });
        start
    }

    /// The effects asked for so far.
    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }

    /// Raises `event` for this context after `after` (durable: it survives restarts, and fires once after
    /// start-up if it fell due while the server was down). Scheduling the same `id` again re-arms it.
    pub fn schedule(&mut self, id: impl Into<String>, after: std::time::Duration, event: Event) {
        self.effects.push(Effect::Schedule(TimerRequest {
            id: id.into(),
            after_ms: after.as_millis().min(u128::from(u64::MAX)) as u64,
            event,
            state_scoped: false,
            inactivity: false,
        }));
    }

    /// Schedules a timer with every option (state-scoped, inactivity).
    pub fn schedule_timer(&mut self, request: TimerRequest) {
        self.effects.push(Effect::Schedule(request));
    }

    /// Cancels this context's timer `id` (no-op when there is none).
    pub fn cancel_timer(&mut self, id: impl Into<String>) {
        self.effects.push(Effect::Cancel(id.into()));
    }

    /// Follows `topic` while this context is on the stack.
    pub fn subscribe(&mut self, topic: impl Into<String>) {
        self.effects.push(Effect::Subscribe(topic.into()));
    }

    /// Stops following `topic`.
    pub fn unsubscribe(&mut self, topic: impl Into<String>) {
        self.effects.push(Effect::Unsubscribe(topic.into()));
    }

    /// Makes this context's subscriptions exactly `topics`.
    pub fn set_subscriptions(&mut self, topics: Vec<String>) {
        self.effects.push(Effect::SetSubscriptions(topics));
    }

    /// From [`Context::handle_event`]: pushes the context named `context` (an event context); the event is
    /// then offered to it. When it completes, the interrupted context resumes with its open question.
    pub fn start(&mut self, context: impl Into<String>) {
        self.effects.push(Effect::Start(context.into()));
    }
}

/// A unit of conversation (a booking flow, a weather question) with named states and serializable data.
///
/// Implement it in Rust and register it with [`crate::ContextRegistry::register_context`], or let
/// `colloquy-flow` compile one from TOML. Methods other than [`Context::process_input`] have defaults.
pub trait Context: Send + Sync + 'static {
    /// The user-facing name used in "Back to your {title}: …".
    fn title(&self) -> &str;

    /// The state a fresh frame starts in.
    fn initial_state(&self) -> &str {
        "INIT"
    }

    /// Handles one user message. The first message a context sees is the one that triggered it.
    fn process_input(&self, frame: &mut Frame, input: &UserInput<'_>, out: &mut Output) -> Outcome;

    /// Handles an event (a price change, a reminder). Default: not interested.
    fn handle_event(&self, _frame: &mut Frame, _event: &Event, _out: &mut Output) -> EventOutcome {
        EventOutcome::Ignored
    }

    /// How an event of this kind is handled while this context is on the stack (in the frame's current
    /// state). Default: [`EventPolicy::Interrupt`] — [`Context::handle_event`] decides whether it is
    /// interested at all.
    fn event_policy(&self, _frame: &Frame, _event: &Event) -> EventPolicy {
        EventPolicy::Interrupt
    }

    /// Called after each state change made through [`Frame::transition_to`].
    fn on_state_change(&self, _frame: &mut Frame, _change: &StateTransition, _out: &mut Output) {}

    /// The question the context is waiting on, re-asked when it resumes after a digression.
    fn open_question(&self, _frame: &Frame) -> Option<String> {
        None
    }

    /// Digression rules in the frame's current state.
    fn policy(&self, _frame: &Frame) -> DigressionPolicy {
        DigressionPolicy::default()
    }
}
