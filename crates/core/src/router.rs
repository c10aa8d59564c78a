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
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            intent_threshold: 0.5,
            commands: HashMap::new(),
            max_depth: crate::ContextStack::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Decides the route for one message.
///
/// Order: global command; then, with a context active, a digression if the best intent triggers another
/// context and both policies allow it and depth permits, else the active context continues; with no context
/// active, the triggered context starts, else fallback.
pub fn route(
    session: &Session,
    understanding: &Understanding,
    registry: &ContextRegistry,
    config: &RouterConfig,
) -> Route {
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
