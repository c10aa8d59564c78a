//! [`FlowContext`]: a [`Context`] compiled from a `[contexts.NAME]` table.
//!
//! Semantics of one input, in the current state:
//! 1. a state that `collect`s slots fills what the message holds (entities with the slot's role; an
//!    entity without role, or free text, only for the slot being asked); all filled → `on_filled`;
//!    something filled → ask the next missing slot; nothing → re-prompt.
//! 2. otherwise a yes/no answer takes `on_yes`/`on_no` when the state has them;
//! 3. otherwise `on_input`; otherwise the input is invalid: re-prompt, and after `max_attempts` give up.
//!
//! Entering a state says its `say`, ends the context if it has `end`, fills its slots from the same message,
//! then asks its `prompt` (or the first missing slot's prompt). Everything said in one turn is one message.

use crate::schema::{
    ContextDef, EndKind, EventHandlerDef, SlotDef, SlotType, StateDef, TransitionDef,
};
use colloquy_core::template::{self, Tables};
use colloquy_core::{
    Context, Data, DigressionPolicy, Event, EventOutcome, EventPolicy, Frame, Outcome, Output,
    SlotValue, TimerRequest, Understanding, UserInput,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// States entered in one call beyond this are treated as a loop in the flow (`colloquy check` warns).
const MAX_ENTERS_PER_CALL: usize = 16;

/// A context defined in TOML.
#[derive(Debug, Clone)]
pub struct FlowContext {
    title: String,
    initial: String,
    max_attempts: u32,
    give_up: String,
    policy: DigressionPolicy,
    slots: BTreeMap<String, SlotDef>,
    states: BTreeMap<String, StateDef>,
    on_event: BTreeMap<String, EventHandlerDef>,
    subscribe: Vec<String>,
    tables: Arc<Tables>,
}

/// What one call says, joined into one message at the end.
struct Run {
    parts: Vec<String>,
    enters: usize,
}

impl Run {
    fn say(&mut self, text: String) {
        if !text.trim().is_empty() {
            self.parts.push(text);
        }
    }
}

impl From<EndKind> for Outcome {
    fn from(e: EndKind) -> Self {
        match e {
            EndKind::Complete => Outcome::Complete,
            EndKind::Cancel => Outcome::Cancel,
        }
    }
}

impl FlowContext {
    /// Compiles `def` (already validated) named `name`, sharing `tables`.
    pub fn new(name: &str, def: &ContextDef, tables: Arc<Tables>) -> Self {
        FlowContext {
            title: def.title.clone().unwrap_or_else(|| name.to_owned()),
            initial: def.initial.clone(),
            max_attempts: def.max_attempts.max(1),
            give_up: def.give_up.clone(),
            policy: DigressionPolicy {
                allow_into: def.digressions.allow_into,
                allow_away: def.digressions.allow_away,
                returns: def.digressions.returns,
            },
            slots: def.slots.clone(),
            states: def.states.clone(),
            on_event: def.on_event.clone(),
            subscribe: def.subscribe.clone(),
            tables,
        }
    }

    fn render(&self, text: &str, vars: &[&Data]) -> String {
        template::render(text, vars, &self.tables)
    }

    fn first_missing<'a>(&self, frame: &Frame, collect: &'a [String]) -> Option<&'a str> {
        collect.iter().map(String::as_str).find(|s| {
            !frame.data.contains_key(*s) && !self.slots.get(*s).is_some_and(|d| d.optional)
        })
    }

    /// Fills slots of `collect` from the message; returns how many were set.
    fn fill(
        &self,
        frame: &mut Frame,
        collect: &[String],
        input: &UserInput<'_>,
        asked: Option<&str>,
    ) -> usize {
        let entities = &input.understanding.entities;
        let mut used = vec![false; entities.len()];
        let mut count = 0;
        for name in collect {
            let Some(slot) = self.slots.get(name) else {
                continue;
            };
            let is_asked = asked == Some(name.as_str());
            let filled = frame.data.contains_key(name);
            let value = match slot.kind {
                SlotType::List | SlotType::Number => {
                    let kind = if slot.kind == SlotType::Number {
                        "number"
                    } else {
                        slot.entity.as_deref().unwrap_or("")
                    };
                    let pick = entities.iter().enumerate().position(|(i, e)| {
                        !used[i] && e.kind == kind && {
                            let exact = slot.role.is_some() && e.role == slot.role;
                            // A filled slot is only overwritten by an explicit correction ("from Karachi").
                            exact
                                || (!filled
                                    && (slot.role.is_none() || (is_asked && e.role.is_none())))
                        }
                    });
                    pick.map(|i| {
                        used[i] = true;
                        if slot.kind == SlotType::Number {
                            entities[i].value.parse::<f64>().map_or_else(
                                |_| SlotValue::from(entities[i].value.as_str()),
                                SlotValue::Number,
                            )
                        } else {
                            SlotValue::from(entities[i].value.as_str())
                        }
                    })
                }
                SlotType::YesNo if is_asked => input.understanding.yes_no().map(SlotValue::Bool),
                SlotType::Date => {
                    let pick = entities.iter().enumerate().position(|(i, e)| {
                        !used[i]
                            && e.kind == "date"
                            && (slot.role.is_none() || e.role == slot.role || is_asked)
                    });
                    pick.map(|i| {
                        used[i] = true;
                        SlotValue::from(entities[i].value.as_str())
                    })
                }
                SlotType::Text if is_asked && !input.text.trim().is_empty() => {
                    Some(SlotValue::from(input.text.trim()))
                }
                _ => None,
            };
            if let Some(v) = value {
                frame.data.insert(name.clone(), v);
                count += 1;
            }
        }
        count
    }

    fn step(&self, frame: &mut Frame, input: &UserInput<'_>, run: &mut Run) -> Outcome {
        let Some(state) = self.states.get(&frame.state) else {
            // The snapshot's state no longer exists in this flow: start the flow again.
            return self.enter(frame, &self.initial.clone(), input, run);
        };
        if !state.collect.is_empty() {
            let asked = self.first_missing(frame, &state.collect).map(str::to_owned);
            let filled = self.fill(frame, &state.collect, input, asked.as_deref());
            return match self.first_missing(frame, &state.collect) {
                None => match &state.on_filled {
                    Some(t) => self.apply(frame, t, input, run),
                    None => Outcome::Continue,
                },
                // Something filled, or this is the message that started the context: ask, don't re-prompt.
                Some(next) if filled > 0 || frame.inputs == 0 => {
                    frame.attempts = 0;
                    let prompt = self
                        .slots
                        .get(next)
                        .map(|s| s.prompt.clone())
                        .unwrap_or_default();
                    run.say(self.render(&prompt, &[&frame.data]));
                    Outcome::Continue
                }
                Some(next) => {
                    let reprompt = self
                        .slots
                        .get(next)
                        .map(|s| s.reprompt.clone().unwrap_or_else(|| s.prompt.clone()));
                    self.invalid(frame, reprompt, run)
                }
            };
        }
        if let Some(yes) = input.understanding.yes_no() {
            let t = if yes { &state.on_yes } else { &state.on_no };
            if let Some(t) = t {
                return self.apply(frame, t, input, run);
            }
        }
        if let Some(t) = &state.on_input {
            return self.apply(frame, t, input, run);
        }
        let reprompt = state.reprompt.clone().or_else(|| state.prompt.clone());
        self.invalid(frame, reprompt, run)
    }

    fn invalid(&self, frame: &mut Frame, reprompt: Option<String>, run: &mut Run) -> Outcome {
        frame.attempts += 1;
        if frame.attempts >= self.max_attempts {
            run.say(self.render(&self.give_up, &[&frame.data]));
            return Outcome::Cancel;
        }
        if let Some(r) = reprompt {
            run.say(self.render(&r, &[&frame.data]));
        }
        Outcome::Continue
    }

    fn apply(
        &self,
        frame: &mut Frame,
        t: &TransitionDef,
        input: &UserInput<'_>,
        run: &mut Run,
    ) -> Outcome {
        let t = t.table();
        if let Some(say) = &t.say {
            run.say(self.render(say, &[&frame.data]));
        }
        if t.clear {
            frame.data.clear();
        }
        if let Some(end) = t.end {
            return end.into();
        }
        match &t.to {
            Some(to) => self.enter(frame, to, input, run),
            None => Outcome::Continue,
        }
    }

    fn enter(&self, frame: &mut Frame, to: &str, input: &UserInput<'_>, run: &mut Run) -> Outcome {
        run.enters += 1;
        if run.enters > MAX_ENTERS_PER_CALL {
            return Outcome::Continue;
        }
        frame.transition_to(to);
        frame.attempts = 0;
        let Some(state) = self.states.get(to) else {
            return Outcome::Cancel;
        };
        if let Some(say) = &state.say {
            run.say(self.render(say, &[&frame.data]));
        }
        if let Some(end) = state.end {
            return end.into();
        }
        if !state.collect.is_empty() {
            self.fill(frame, &state.collect, input, None);
            return match self.first_missing(frame, &state.collect) {
                None => match &state.on_filled {
                    Some(t) => self.apply(frame, t, input, run),
                    None => Outcome::Continue,
                },
                Some(next) => {
                    let prompt = self
                        .slots
                        .get(next)
                        .map(|s| s.prompt.clone())
                        .unwrap_or_default();
                    run.say(self.render(&prompt, &[&frame.data]));
                    Outcome::Continue
                }
            };
        }
        if let Some(p) = &state.prompt {
            run.say(self.render(p, &[&frame.data]));
        }
        Outcome::Continue
    }

    /// Timers of a state just entered, and the topics the context follows with its current slots.
    fn effects(&self, frame: &Frame, outcome: Outcome, entered: bool, out: &mut Output) {
        if outcome != Outcome::Continue {
            return;
        }
        if entered && let Some(state) = self.states.get(&frame.state) {
            for (name, timer) in &state.timers {
                let Ok(after) = crate::validate::parse_delay(&timer.after) else {
                    continue;
                };
                let mut event = Event::new(timer.event.clone().unwrap_or_else(|| name.clone()));
                for (key, value) in &timer.data {
                    event.data.insert(
                        key.clone(),
                        SlotValue::Text(self.render(value, &[&frame.data])),
                    );
                }
                out.schedule_timer(TimerRequest {
                    id: name.clone(),
                    after_ms: after.as_millis().min(u128::from(u64::MAX)) as u64,
                    event,
                    state_scoped: true,
                    inactivity: timer.inactivity,
                });
            }
        }
        if !self.subscribe.is_empty() {
            let topics = self
                .subscribe
                .iter()
                .filter(|t| {
                    template::references(t)
                        .iter()
                        .all(|(_, var)| frame.data.contains_key(var))
                })
                .map(|t| self.render(t, &[&frame.data]))
                .collect();
            out.set_subscriptions(topics);
        }
    }

    fn finish(&self, frame: &Frame, outcome: Outcome, run: Run, out: &mut Output) {
        if !run.parts.is_empty() {
            out.say(run.parts.join(" "));
            if outcome == Outcome::Continue
                && let Some(state) = self.states.get(&frame.state)
                && !state.quick_replies.is_empty()
            {
                out.suggest(
                    state
                        .quick_replies
                        .iter()
                        .map(|q| self.render(q, &[&frame.data])),
                );
            }
        }
    }
}

impl Context for FlowContext {
    fn title(&self) -> &str {
        &self.title
    }

    fn initial_state(&self) -> &str {
        &self.initial
    }

    fn process_input(&self, frame: &mut Frame, input: &UserInput<'_>, out: &mut Output) -> Outcome {
        let mut run = Run {
            parts: Vec::new(),
            enters: 0,
        };
        let before = (frame.inputs == 0)
            .then(String::new)
            .unwrap_or_else(|| frame.state.clone());
        let outcome = self.step(frame, input, &mut run);
        self.finish(frame, outcome, run, out);
        self.effects(frame, outcome, before != frame.state, out);
        outcome
    }

    fn event_policy(&self, frame: &Frame, event: &Event) -> EventPolicy {
        self.states
            .get(&frame.state)
            .and_then(|s| s.event_policy.get(&event.kind).copied())
            .or_else(|| self.on_event.get(&event.kind).map(|h| h.policy))
            .unwrap_or_default()
    }

    fn handle_event(&self, frame: &mut Frame, event: &Event, out: &mut Output) -> EventOutcome {
        let Some(handler) = self.on_event.get(&event.kind) else {
            return EventOutcome::Ignored;
        };
        let mut run = Run {
            parts: Vec::new(),
            enters: 0,
        };
        for (slot, value) in &handler.set {
            let v = self.render(value, &[&event.data, &frame.data]);
            frame.data.insert(slot.clone(), SlotValue::Text(v));
        }
        if let Some(say) = &handler.say {
            run.say(self.render(say, &[&event.data, &frame.data]));
        }
        if let Some(start) = &handler.start {
            out.start(start.clone());
        }
        let before = frame.state.clone();
        let mut outcome = Outcome::Continue;
        if let Some(to) = &handler.to {
            let nothing = Understanding::default();
            let input = UserInput {
                text: "",
                understanding: &nothing,
            };
            outcome = self.enter(frame, to, &input, &mut run);
        }
        self.finish(frame, outcome, run, out);
        self.effects(frame, outcome, before != frame.state, out);
        EventOutcome::Handled(outcome)
    }

    fn open_question(&self, frame: &Frame) -> Option<String> {
        let state = self.states.get(&frame.state)?;
        let text = match self.first_missing(frame, &state.collect) {
            Some(slot) => {
                let s = self.slots.get(slot)?;
                s.question.clone().unwrap_or_else(|| s.prompt.clone())
            }
            None => state.prompt.clone()?,
        };
        Some(self.render(&text, &[&frame.data]))
    }

    fn policy(&self, frame: &Frame) -> DigressionPolicy {
        let mut p = self.policy;
        if let Some(away) = self
            .states
            .get(&frame.state)
            .and_then(|s| s.allow_digressions)
        {
            p.allow_away = away;
        }
        p
    }
}
