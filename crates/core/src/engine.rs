//! Runs one turn — a user message or an event — against a session and says what to reply.

use crate::context::{Frame, Outcome, Output, UserInput};
use crate::history::{HistoryEntry, HistoryKind};
use crate::registry::ContextRegistry;
use crate::router::{self, GlobalCommand, Route, RouterConfig};
use crate::session::Session;
use crate::template::{self, Tables};
use crate::timer::Effect;
use crate::value::Data;
use std::collections::HashMap;

/// Bot-wide texts and limits. Every text is a template (`{title}`, `{question}`).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Routing thresholds, commands and depth.
    pub router: RouterConfig,
    /// Said when nothing can handle a message.
    pub fallback: String,
    /// Said for the help command.
    pub help: String,
    /// Said when an interrupted context resumes: `{title}`, `{question}`.
    pub resume: String,
    /// Said when the user cancels a context: `{title}`.
    pub cancelled: String,
    /// Said for cancel with nothing active.
    pub nothing_to_cancel: String,
    /// Said for restart.
    pub restarted: String,
    /// Asked when the best intents are too close: `{options}` ("book a flight or check the weather").
    pub clarify: String,
    /// User-facing titles of intents for `{options}` ("book a flight"); the intent name when missing.
    pub intent_titles: HashMap<String, String>,
    /// Bot-level replies to events no active context handled, by event type (`{new_price}`).
    pub event_replies: HashMap<String, String>,
    /// History entries kept in the session tail.
    pub history_limit: usize,
    /// Lookup tables for templates.
    pub tables: Tables,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            router: RouterConfig::default(),
            fallback: "Sorry, I didn't understand that.".into(),
            help: "I can help with a few things. Say 'cancel' to stop what we are doing.".into(),
            resume: "Back to your {title}: {question}".into(),
            cancelled: "Okay, I've stopped the {title}.".into(),
            nothing_to_cancel: "There is nothing to cancel.".into(),
            restarted: "Okay, let's start over.".into(),
            clarify: "Did you want to {options}?".into(),
            intent_titles: HashMap::new(),
            event_replies: HashMap::new(),
            history_limit: crate::History::DEFAULT_LIMIT,
            tables: Tables::new(),
        }
    }
}

/// The result of one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Messages to send, in order.
    pub replies: Vec<String>,
    /// Quick replies offered with the last message (empty when none).
    pub quick_replies: Vec<String>,
    /// How the input was routed.
    pub route: Route,
    /// History entries this turn added (also appended to the session's tail).
    pub history: Vec<HistoryEntry>,
}

/// Transitions in one call beyond this are treated as a loop in the context and stop being followed.
const MAX_TRANSITIONS_PER_CALL: usize = 32;

/// Registry + configuration: everything needed to run turns for every session of one bot.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// Registered contexts.
    pub registry: ContextRegistry,
    /// Texts and limits.
    pub config: EngineConfig,
}

/// What one turn has said, logged and asked for so far.
pub(crate) struct Recorder<'a> {
    pub(crate) now_ms: u64,
    pub(crate) replies: Vec<String>,
    pub(crate) quick_replies: Vec<String>,
    pub(crate) history: Vec<HistoryEntry>,
    /// Effects asked for, with the context that asked.
    pub(crate) effects: Vec<(String, Effect)>,
    /// The turn is a user message (inactivity timers are re-armed).
    pub(crate) user_input: bool,
    /// While set, messages are dropped (an `update` event policy).
    pub(crate) silent: bool,
    pub(crate) config: &'a EngineConfig,
}

impl Recorder<'_> {
    pub(crate) fn log(&mut self, kind: HistoryKind) {
        self.history.push(HistoryEntry {
            at_ms: self.now_ms,
            kind,
        });
    }

    pub(crate) fn say(&mut self, text: String) {
        if !text.is_empty() && !self.silent {
            self.quick_replies.clear();
            self.log(HistoryKind::Out { text: text.clone() });
            self.replies.push(text);
        }
    }

    pub(crate) fn say_template(&mut self, template: &str, vars: &Data) {
        let text = template::render(template, &[vars], &self.config.tables);
        self.say(text);
    }

    /// Records what the context `owner` produced.
    pub(crate) fn output(&mut self, owner: &str, out: Output) {
        let (messages, suggestions, effects) = out.into_all();
        for m in messages {
            self.say(m);
        }
        // Suggestions belong to the last message said; any later message clears them (see `say`).
        if !suggestions.is_empty() && !self.silent {
            self.quick_replies = suggestions;
        }
        self.effects
            .extend(effects.into_iter().map(|e| (owner.to_owned(), e)));
    }
}

impl Engine {
    /// An engine over `registry` with `config`.
    pub fn new(registry: ContextRegistry, config: EngineConfig) -> Self {
        Engine { registry, config }
    }

    /// Handles one user message.
    ///
    /// When the previous message raised a clarification question and this one answers it (by intent, by
    /// words of an option's title, or "the first"/"the second"), the *original* message is handled as the
    /// chosen intent. Any other message drops the question and is handled as usual.
    pub fn handle_message(&self, session: &mut Session, input: UserInput<'_>, now_ms: u64) -> Turn {
        let mut rec = self.recorder(now_ms);
        rec.user_input = true;
        rec.log(HistoryKind::In {
            text: input.text.to_owned(),
        });
        if let Some(pending) = session.clarification.take()
            && let Some(choice) = crate::clarify::resolve(&pending, &input, &self.config)
        {
            let mut understanding = pending.understanding.clone();
            understanding.intents = vec![crate::IntentMatch {
                name: choice,
                confidence: 1.0,
            }];
            let original = UserInput {
                text: &pending.text,
                understanding: &understanding,
            };
            return self.dispatch(session, &original, rec);
        }
        self.dispatch(session, &input, rec)
    }

    fn dispatch(
        &self,
        session: &mut Session,
        input: &UserInput<'_>,
        mut rec: Recorder<'_>,
    ) -> Turn {
        let input = *input;
        let route = router::route(
            session,
            input.understanding,
            &self.registry,
            &self.config.router,
        );
        match &route {
            Route::Clarify { options } => {
                let titles: Vec<String> = options.iter().map(|o| self.intent_title(o)).collect();
                let text = crate::clarify::join_options(&titles);
                rec.say_template(&self.config.clarify, &vars([("options", text)]));
                session.clarification = Some(crate::session::Clarification {
                    text: input.text.to_owned(),
                    understanding: input.understanding.clone(),
                    options: options.clone(),
                });
            }
            Route::Command { command } => self.command(*command, session, &mut rec),
            Route::Continue { .. } => self.run_top(session, &input, &mut rec),
            Route::Digress { context } | Route::Start { context } => {
                let initial = self
                    .registry
                    .get(context)
                    .map(|c| c.initial_state().to_owned())
                    .unwrap_or_default();
                if session
                    .stack
                    .push(
                        Frame::new(context.clone(), initial),
                        self.config.router.max_depth.max(1),
                    )
                    .is_ok()
                {
                    rec.log(HistoryKind::Pushed {
                        context: context.clone(),
                    });
                }
                self.run_top(session, &input, &mut rec);
            }
            Route::Fallback | Route::Event => {
                rec.say_template(&self.config.fallback, &Data::new());
            }
        }
        self.finish(session, route, rec)
    }

    pub(crate) fn recorder(&self, now_ms: u64) -> Recorder<'_> {
        Recorder {
            now_ms,
            replies: Vec::new(),
            quick_replies: Vec::new(),
            history: Vec::new(),
            effects: Vec::new(),
            user_input: false,
            silent: false,
            config: &self.config,
        }
    }

    pub(crate) fn finish(
        &self,
        session: &mut Session,
        route: Route,
        mut rec: Recorder<'_>,
    ) -> Turn {
        self.settle(session, &mut rec);
        session.history.set_limit(self.config.history_limit);
        for entry in &rec.history {
            session.history.push(entry.clone());
        }
        Turn {
            replies: rec.replies,
            quick_replies: rec.quick_replies,
            route,
            history: rec.history,
        }
    }

    fn command(&self, command: GlobalCommand, session: &mut Session, rec: &mut Recorder<'_>) {
        match command {
            GlobalCommand::Cancel => match session.stack.pop() {
                Some(frame) => {
                    rec.log(popped(&frame.context, Outcome::Cancel));
                    let title = self.title(&frame.context);
                    rec.say_template(&self.config.cancelled, &vars([("title", title)]));
                    self.resume(session, rec);
                }
                None => rec.say_template(&self.config.nothing_to_cancel, &Data::new()),
            },
            GlobalCommand::Restart => {
                for frame in session.stack.clear().into_iter().rev() {
                    rec.log(HistoryKind::Popped {
                        context: frame.context,
                        reason: "restart".into(),
                    });
                }
                rec.say_template(&self.config.restarted, &Data::new());
            }
            GlobalCommand::Help => {
                rec.say_template(&self.config.help, &Data::new());
                if let Some(question) = self.open_question(session) {
                    rec.say(question);
                }
            }
        }
    }

    fn run_top(&self, session: &mut Session, input: &UserInput<'_>, rec: &mut Recorder<'_>) {
        let Some(frame) = session.stack.top_mut() else {
            rec.say_template(&self.config.fallback, &Data::new());
            return;
        };
        let Some(ctx) = self.registry.get(&frame.context).cloned() else {
            // The snapshot names a context this bot no longer has (its config changed): drop it.
            let gone = session.stack.pop().map(|f| f.context).unwrap_or_default();
            rec.log(HistoryKind::Popped {
                context: gone,
                reason: "unknown_context".into(),
            });
            rec.say_template(&self.config.fallback, &Data::new());
            return;
        };
        let mut out = Output::default();
        let outcome = ctx.process_input(frame, input, &mut out);
        frame.inputs = frame.inputs.saturating_add(1);
        rec.output(&frame.context, out);
        self.follow_transitions(ctx.as_ref(), frame, rec);
        if outcome != Outcome::Continue {
            self.pop_and_resume(session, outcome, rec);
        }
    }

    pub(crate) fn follow_transitions(
        &self,
        ctx: &dyn crate::Context,
        frame: &mut Frame,
        rec: &mut Recorder<'_>,
    ) -> usize {
        let mut followed = 0;
        loop {
            let transitions = frame.take_transitions();
            if transitions.is_empty() || followed >= MAX_TRANSITIONS_PER_CALL {
                return followed;
            }
            for t in transitions {
                followed += 1;
                rec.log(HistoryKind::Transition {
                    context: frame.context.clone(),
                    from: t.from.clone(),
                    to: t.to.clone(),
                });
                let mut out = Output::default();
                ctx.on_state_change(frame, &t, &mut out);
                rec.output(&frame.context, out);
            }
        }
    }

    pub(crate) fn pop_and_resume(
        &self,
        session: &mut Session,
        outcome: Outcome,
        rec: &mut Recorder<'_>,
    ) {
        let Some(frame) = session.stack.pop() else {
            return;
        };
        rec.log(popped(&frame.context, outcome));
        let returns = self
            .registry
            .get(&frame.context)
            .is_none_or(|c| c.policy(&frame).returns);
        if returns {
            self.resume(session, rec);
        } else {
            for f in session.stack.clear().into_iter().rev() {
                rec.log(HistoryKind::Popped {
                    context: f.context,
                    reason: "dropped".into(),
                });
            }
        }
    }

    /// Re-asks the open question of the context now on top, if it has one.
    pub(crate) fn resume(&self, session: &Session, rec: &mut Recorder<'_>) {
        let Some(top) = session.stack.top() else {
            return;
        };
        if let Some(question) = self.open_question(session) {
            let title = self.title(&top.context);
            rec.say_template(
                &self.config.resume,
                &vars([("title", title), ("question", question)]),
            );
        }
    }

    pub(crate) fn open_question(&self, session: &Session) -> Option<String> {
        let top = session.stack.top()?;
        self.registry.get(&top.context)?.open_question(top)
    }

    fn intent_title(&self, intent: &str) -> String {
        self.config
            .intent_titles
            .get(intent)
            .cloned()
            .unwrap_or_else(|| intent.replace('_', " "))
    }

    pub(crate) fn title(&self, context: &str) -> String {
        self.registry
            .get(context)
            .map_or_else(|| context.to_owned(), |c| c.title().to_owned())
    }
}

pub(crate) fn popped(context: &str, outcome: Outcome) -> HistoryKind {
    HistoryKind::Popped {
        context: context.to_owned(),
        reason: if outcome == Outcome::Cancel {
            "cancelled"
        } else {
            "completed"
        }
        .into(),
    }
}

pub(crate) fn vars<const N: usize>(pairs: [(&str, String); N]) -> Data {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), crate::SlotValue::Text(v)))
        .collect()
}
