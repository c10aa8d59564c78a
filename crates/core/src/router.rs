//! For one user message, decide who handles it. Pure: reads the session, never changes it.

use crate::registry::ContextRegistry;
use crate::session::Session;
use crate::understanding::Understanding;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Commands that work everywhere, whatever context is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalCommand {
    /// Abandon the active context; the interrupted one resumes.
    Cancel,
    /// Abandon every context and start afresh.
    Restart,
    /// Say what the bot can do, then re-ask the open question.
    Help,
}

/// The router's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// A global command.
    Command {
        /// Which one.
        command: GlobalCommand,
    },
    /// The active context handles the message.
    Continue {
        /// A digression the message asked for but policy or depth refused (for logs and tests).
        refused: Option<String>,
    },
    /// Interrupt the active context with `context`, which handles the message.
    Digress {
        /// Context pushed on top.
        context: String,
    },
    /// No context is active; start `context` with the message.
    Start {
        /// Context pushed.
        context: String,
    },
    /// The best intents are too close to call: ask which one the user meant.
    Clarify {
        /// Candidate intent names, best first (two or three).
        options: Vec<String>,
    },
    /// Nothing can handle the message.
    Fallback,
    /// An event was delivered (not a message); used in [`crate::Turn`] for events.
    Event,
}

/// Router settings.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Minimum intent confidence to act on an intent.
    pub intent_threshold: f32,
    /// Intent name → global command.
    pub commands: HashMap<String, GlobalCommand>,
    /// Maximum stack depth; a digression that would exceed it is refused.
    pub max_depth: usize,
    /// Intents within this much of the best one are candidates for a clarification question
    /// (0 turns clarification off).
    pub clarify_margin: f32,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            intent_threshold: 0.5,
            commands: HashMap::new(),
            max_depth: crate::ContextStack::DEFAULT_MAX_DEPTH,
            clarify_margin: 0.0,
        }
    }
}

/// A rule match (confidence 1.0) is never ambiguous.
const CERTAIN: f32 = 0.999;

/// The intents to ask about, if the message is ambiguous.
///
/// Candidates are the intents within `clarify_margin` of the best one and at least half the threshold
/// (at most three). The message is ambiguous when two or more candidates start *different* contexts, none
/// of them the active one, the best is not a certain rule match, and together they reach the threshold
/// (two intents at 0.4 each are ambiguous, not out of scope). With an active context whose policy forbids
/// digressions nobody is asked: the context handles the message.
fn clarification(
    session: &Session,
    understanding: &Understanding,
    registry: &ContextRegistry,
    config: &RouterConfig,
) -> Option<Vec<String>> {
    let best = understanding.intents.first()?;
    if config.clarify_margin <= 0.0 || best.confidence >= CERTAIN {
        return None;
    }
    let top = session.stack.top();
    if let Some(top) = top
        && !registry
            .get(&top.context)
            .is_none_or(|c| c.policy(top).allow_away)
    {
        return None;
    }
    let mut targets: Vec<&str> = Vec::new();
    let mut options = Vec::new();
    let mut mass = 0.0;
    for i in understanding.intents.iter().take_while(|i| {
        i.confidence >= best.confidence - config.clarify_margin
            && i.confidence >= config.intent_threshold / 2.0
    }) {
        if config.commands.contains_key(&i.name) {
            return None;
        }
        let target = registry
            .triggered_by(&i.name)
            .filter(|t| registry.contains(t))?;
        if top.is_some_and(|f| f.context == target) {
            return None;
        }
        if !targets.contains(&target) && options.len() < 3 {
            targets.push(target);
            options.push(i.name.clone());
            mass += i.confidence;
        }
    }
    (options.len() >= 2 && mass >= config.intent_threshold).then_some(options)
}

/// Decides the route for one message.
///
/// Order: global command; then an ambiguous message gets a clarification question (see
/// [`clarification`]); then, with a context active, a digression if the best intent triggers another
/// context and both policies allow it and depth permits, else the active context continues; with no context
/// active, the triggered context starts, else fallback.
pub fn route(
    session: &Session,
    understanding: &Understanding,
    registry: &ContextRegistry,
    config: &RouterConfig,
) -> Route {
    if let Some(options) = clarification(session, understanding, registry, config) {
        return Route::Clarify { options };
    }
    let intent = understanding.top_intent(config.intent_threshold);
    if let Some(command) = intent.and_then(|i| config.commands.get(&i.name)) {
        return Route::Command { command: *command };
    }
    let target = intent
        .and_then(|i| registry.triggered_by(&i.name))
        .filter(|name| registry.contains(name));
    let Some(top) = session.stack.top() else {
        return match target {
            Some(name) => Route::Start {
                context: name.to_owned(),
            },
            None => Route::Fallback,
        };
    };
    let Some(target) = target.filter(|t| *t != top.context) else {
        return Route::Continue { refused: None };
    };
    let away = registry
        .get(&top.context)
        .is_none_or(|c| c.policy(top).allow_away);
    let fresh = crate::Frame::new(target, "");
    let into = registry
        .get(target)
        .is_some_and(|c| c.policy(&fresh).allow_into);
    if away && into && session.stack.depth() < config.max_depth {
        Route::Digress {
            context: target.to_owned(),
        }
    } else {
        Route::Continue {
            refused: Some(target.to_owned()),
        }
    }
}
