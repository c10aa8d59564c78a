//! Events and timers in the engine: which context gets an event, what its [`EventPolicy`] does, and how
//! the effects contexts ask for (timers, subscriptions, event contexts) are applied to the session.
//!
//! An event is offered to the contexts from the top of the stack down; the first whose policy and
//! [`crate::Context::handle_event`] take it wins. No taker → the bot-level reply for its type, if any.
//! A timer's event is offered to the context that scheduled it only.

use crate::context::{EventOutcome, Frame, Outcome, Output};
use crate::engine::{Engine, Recorder, Turn, popped};
use crate::event::{Event, EventPolicy};
use crate::history::HistoryKind;
use crate::router::Route;
use crate::session::Session;
use crate::template;
use crate::timer::{Effect, Subscription, Timer};

/// Rounds of "apply effects, deliver queued events" per turn; a context that keeps queueing is cut off.
const MAX_SETTLE_ROUNDS: usize = 16;
/// Events held per session by `queue` policies; beyond it the oldest is dropped.
pub const MAX_QUEUED: usize = 32;

impl Engine {
    /// Handles an event sent to the session (a price change, a message from a CRM).
    pub fn handle_event(&self, session: &mut Session, event: &Event, now_ms: u64) -> Turn {
        let mut rec = self.recorder(now_ms);
        rec.log(HistoryKind::Event {
            event: event.kind.clone(),
        });
        self.offer_event(session, event, None, false, &mut rec);
        self.finish(session, Route::Event, rec)
    }

    /// Fires every timer due at `now_ms`, earliest first, each offered to the context that scheduled it.
    /// None when nothing is due (nothing changed).
    pub fn fire_timers(&self, session: &mut Session, now_ms: u64) -> Option<Turn> {
        let mut due: Vec<Timer> = Vec::new();
        session.timers.retain(|t| {
            if t.due_ms <= now_ms {
                due.push(t.clone());
                false
            } else {
                true
            }
        });
        if due.is_empty() {
            return None;
        }
        due.sort_by_key(|t| t.due_ms);
        let mut rec = self.recorder(now_ms);
        for timer in due {
            // An earlier timer of this batch may have ended its owner or moved it out of the timer's
            // state: then this one was cancelled.
            let alive = session
                .stack
                .frames()
                .iter()
                .rev()
                .find(|f| f.context == timer.owner)
                .is_some_and(|f| timer.state.as_ref().is_none_or(|s| *s == f.state));
            if !alive {
                continue;
            }
            rec.log(HistoryKind::Event {
                event: timer.event.kind.clone(),
            });
            self.offer_event(session, &timer.event, Some(&timer.owner), false, &mut rec);
        }
        Some(self.finish(session, Route::Event, rec))
    }

    /// True when an event may be handled now: nothing is active, or the context on top may be left.
    fn is_safe(&self, session: &Session) -> bool {
        session.stack.top().is_none_or(|top| {
            self.registry
                .get(&top.context)
                .is_none_or(|c| c.policy(top).allow_away)
        })
    }

    /// Offers `event` down the stack (or only to `owner`'s frame). `dequeued`: the event was held by a
    /// `queue` policy and is now due, so it is not held again.
    pub(crate) fn offer_event(
        &self,
        session: &mut Session,
        event: &Event,
        owner: Option<&str>,
        dequeued: bool,
        rec: &mut Recorder<'_>,
    ) {
        for index in (0..session.stack.depth()).rev() {
            let frame = &session.stack.frames()[index];
            if owner.is_some_and(|o| o != frame.context) {
                continue;
            }
            let Some(ctx) = self.registry.get(&frame.context).cloned() else {
                continue;
            };
            let mut policy = ctx.event_policy(frame, event);
            if dequeued && policy == EventPolicy::Queue {
                policy = EventPolicy::Interrupt;
            }
            match policy {
                EventPolicy::Ignore => return,
                EventPolicy::Queue if !self.is_safe(session) => {
                    // Bounded: a flood of events while the user is busy keeps the latest ones.
                    if session.queued.len() >= MAX_QUEUED {
                        session.queued.remove(0);
                    }
                    session.queued.push(event.clone());
                    return;
                }
                _ => {}
            }
            let frame = &mut session.stack.frames_mut()[index];
            let mut out = Output::default();
            let EventOutcome::Handled(outcome) = ctx.handle_event(frame, event, &mut out) else {
                continue;
            };
            let silent = policy == EventPolicy::Update;
            rec.silent = silent;
            let said = rec.replies.len();
            let start = out.take_start();
            rec.output(&frame.context, out);
            let moved = self.follow_transitions(ctx.as_ref(), frame, rec);
            rec.silent = false;
            let is_top = index + 1 == session.stack.depth();
            if outcome != Outcome::Continue {
                if is_top {
                    self.pop_and_resume(session, outcome, rec);
                } else if let Some(f) = session.stack.remove(index) {
                    rec.log(popped(&f.context, outcome));
                }
            } else if let Some(context) = start.filter(|_| !silent) {
                self.start_event_context(session, &context, event, rec);
            } else if policy == EventPolicy::Interrupt && rec.replies.len() > said && moved == 0 {
                // Told the user something mid-flow: remind them where they were.
                self.resume(session, rec);
            }
            return;
        }
        if let Some(reply) = self.config.event_replies.get(&event.kind) {
            let text = template::render(reply, &[&event.data], &self.config.tables);
            rec.say(text);
        }
    }

    /// Pushes `context` for `event` (its frame starts with the event's data) and offers it the event; when
    /// it does not take it, its open question is asked.
    fn start_event_context(
        &self,
        session: &mut Session,
        context: &str,
        event: &Event,
        rec: &mut Recorder<'_>,
    ) {
        let Some(ctx) = self.registry.get(context).cloned() else {
            self.resume(session, rec);
            return;
        };
        let mut frame = Frame::new(context, ctx.initial_state());
        frame.data = event.data.clone();
        if session
            .stack
            .push(frame, self.config.router.max_depth.max(1))
            .is_err()
        {
            self.resume(session, rec);
            return;
        }
        rec.log(HistoryKind::Pushed {
            context: context.to_owned(),
        });
        let Some(frame) = session.stack.top_mut() else {
            return;
        };
        let mut out = Output::default();
        match ctx.handle_event(frame, event, &mut out) {
            EventOutcome::Handled(outcome) => {
                let _ = out.take_start();
                rec.output(&frame.context, out);
                self.follow_transitions(ctx.as_ref(), frame, rec);
                if outcome != Outcome::Continue {
                    self.pop_and_resume(session, outcome, rec);
                }
            }
            EventOutcome::Ignored => {
                if let Some(question) = ctx.open_question(frame) {
                    rec.say(question);
                }
            }
        }
    }

    /// After a turn: applies the effects asked for, delivers queued events once it is safe, drops timers
    /// and subscriptions whose context (or state) is gone, and re-arms inactivity timers on user input.
    pub(crate) fn settle(&self, session: &mut Session, rec: &mut Recorder<'_>) {
        for _ in 0..MAX_SETTLE_ROUNDS {
            if !rec.effects.is_empty() {
                // Applying an effect may ask for more (a started context's timers): next round.
                for (owner, effect) in std::mem::take(&mut rec.effects) {
                    self.apply_effect(session, &owner, effect, rec);
                }
                continue;
            }
            if session.queued.is_empty() || !self.is_safe(session) {
                break;
            }
            // One at a time: handling one may make the top unsafe again, and the rest then wait.
            let event = session.queued.remove(0);
            rec.log(HistoryKind::Event {
                event: event.kind.clone(),
            });
            self.offer_event(session, &event, None, true, rec);
        }
        rec.effects.clear();
        let frames = session.stack.frames();
        let owner_state = |owner: &str| {
            frames
                .iter()
                .rev()
                .find(|f| f.context == owner)
                .map(|f| &f.state)
        };
        session.timers.retain(|t| match owner_state(&t.owner) {
            None => false,
            Some(state) => t.state.as_ref().is_none_or(|s| s == state),
        });
        session
            .subscriptions
            .retain(|s| owner_state(&s.owner).is_some());
        if rec.user_input {
            for t in &mut session.timers {
                if let Some(after) = t.inactivity_ms {
                    t.due_ms = rec.now_ms.saturating_add(after);
                }
            }
        }
        session
            .timers
            .sort_by(|a, b| a.due_ms.cmp(&b.due_ms).then(a.id.cmp(&b.id)));
        // A session usually holds one or two: no spare capacity kept per idle session.
        session.timers.shrink_to_fit();
        session.subscriptions.shrink_to_fit();
    }

    fn apply_effect(
        &self,
        session: &mut Session,
        owner: &str,
        effect: Effect,
        rec: &mut Recorder<'_>,
    ) {
        let subscription = |topic: String| Subscription {
            topic,
            owner: owner.to_owned(),
        };
        match effect {
            Effect::Schedule(request) => {
                session
                    .timers
                    .retain(|t| !(t.owner == owner && t.id == request.id));
                let state = if request.state_scoped {
                    session
                        .stack
                        .frames()
                        .iter()
                        .rev()
                        .find(|f| f.context == owner)
                        .map(|f| f.state.clone())
                } else {
                    None
                };
                session.timers.push(Timer {
                    id: request.id,
                    owner: owner.to_owned(),
                    state,
                    due_ms: rec.now_ms.saturating_add(request.after_ms),
                    inactivity_ms: request.inactivity.then_some(request.after_ms),
                    event: request.event,
                });
            }
            Effect::Cancel(id) => session.timers.retain(|t| !(t.owner == owner && t.id == id)),
            Effect::Subscribe(topic) => {
                let s = subscription(topic);
                if !session.subscriptions.contains(&s) {
                    session.subscriptions.push(s);
                    session.subscriptions.sort();
                }
            }
            Effect::Unsubscribe(topic) => {
                let s = subscription(topic);
                session.subscriptions.retain(|x| x != &s);
            }
            Effect::SetSubscriptions(topics) => {
                session.subscriptions.retain(|x| x.owner != owner);
                session
                    .subscriptions
                    .extend(topics.into_iter().map(subscription));
                session.subscriptions.sort();
                session.subscriptions.dedup();
            }
            Effect::Start(context) => {
                // Outside event handling there is no event to offer: push it and ask its question.
                let nothing = Event::new(String::new());
                self.start_event_context(session, &context, &nothing, rec);
            }
        }
    }
}
