//! Builds a [`Bot`] from a validated [`BotFile`].

use crate::bot::Bot;
use crate::diagnostics::Problem;
use crate::flow_context::FlowContext;
use crate::schema::BotFile;
use colloquy_core::router::RouterConfig;
use colloquy_core::{ContextRegistry, Engine, EngineConfig, GlobalCommand};
use colloquy_nlu::{IntentSpec, ListEntitySpec, PatternRecognizer};
use std::collections::HashMap;
use std::sync::Arc;

/// Intent names reserved for the global commands (never collide with operator intents: they start with `_`).
pub const COMMAND_INTENTS: [(&str, GlobalCommand, &str); 3] = [
    ("_cancel", GlobalCommand::Cancel, "/cancel"),
    ("_restart", GlobalCommand::Restart, "/restart"),
    ("_help", GlobalCommand::Help, "/help"),
];

/// Compiles `file`. Fails only for what validation cannot see (e.g. a regex too large to compile).
pub fn compile(file: &BotFile) -> Result<Bot, Problem> {
    let mut intents: Vec<IntentSpec> = file
        .intents
        .iter()
        .map(|(name, d)| IntentSpec {
            name: name.clone(),
            patterns: d.patterns.clone(),
            examples: d.examples.clone(),
            phrases: Vec::new(),
        })
        .collect();
    let mut commands = HashMap::new();
    for (intent, command, slash) in COMMAND_INTENTS {
        let mut phrases = match command {
            GlobalCommand::Cancel => file.commands.cancel.clone(),
            GlobalCommand::Restart => {
                let mut p = file.commands.restart.clone();
                p.push("/start".into());
                p
            }
            GlobalCommand::Help => file.commands.help.clone(),
        };
        phrases.push(slash.into());
        intents.push(IntentSpec {
            name: intent.into(),
            phrases,
            ..Default::default()
        });
        commands.insert(intent.to_owned(), command);
    }
    let lists: Vec<ListEntitySpec> = file
        .entities
        .iter()
        .map(|(name, e)| ListEntitySpec {
            name: name.clone(),
            values: e
                .values
                .iter()
                .map(|v| (v.clone(), e.synonyms.get(v).cloned().unwrap_or_default()))
                .collect(),
            roles: e
                .roles
                .iter()
                .map(|(r, cues)| (r.clone(), cues.clone()))
                .collect(),
        })
        .collect();
    let recognizer = PatternRecognizer::new(&intents, &lists)
        .map_err(|e| Problem::new("intents", e.to_string(), "simplify the patterns or lists"))?;

    let tables = Arc::new(file.tables.clone());
    let mut registry = ContextRegistry::default();
    for (name, def) in &file.contexts {
        registry.register_context(name.clone(), FlowContext::new(name, def, tables.clone()));
        for t in &def.triggers {
            registry.register_trigger(t.clone(), name.clone());
        }
    }
    let b = &file.bot;
    let config = EngineConfig {
        router: RouterConfig {
            intent_threshold: b.intent_threshold,
            commands,
            max_depth: b.max_depth,
        },
        fallback: b.fallback.clone(),
        help: b.help.clone(),
        resume: b.resume.clone(),
        cancelled: b.cancelled.clone(),
        nothing_to_cancel: b.nothing_to_cancel.clone(),
        restarted: b.restarted.clone(),
        event_replies: file
            .events
            .iter()
            .map(|(k, e)| (k.clone(), e.say.clone()))
            .collect(),
        history_limit: b.history_limit,
        tables: file.tables.clone(),
    };
    Ok(Bot::new(
        b.name.clone(),
        Arc::new(recognizer),
        Engine::new(registry, config),
    ))
}
