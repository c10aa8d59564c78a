//! Builds a [`Bot`] from a validated [`BotFile`].

use crate::bot::Bot;
use crate::diagnostics::Problem;
use crate::flow_context::FlowContext;
use crate::nlu_spec::{cache_dir, nlu_spec, parse_utc_offset};
use crate::schema::BotFile;
use colloquy_core::router::RouterConfig;
use colloquy_core::{ContextRegistry, Engine, EngineConfig, GlobalCommand};
use colloquy_nlu::cache;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Intent names reserved for the global commands (never collide with operator intents: they start with `_`).
pub const COMMAND_INTENTS: [(&str, GlobalCommand, &str); 3] = [
    ("_cancel", GlobalCommand::Cancel, "/cancel"),
    ("_restart", GlobalCommand::Restart, "/restart"),
    ("_help", GlobalCommand::Help, "/help"),
];

/// Compiles `file`; files it references (gazetteers, data, model cache) are relative to `base_dir`.
/// Fails only for what validation cannot see (an unreadable data file, a regex too large to compile).
pub fn compile(file: &BotFile, base_dir: &Path) -> Result<Bot, Problem> {
    let spec = nlu_spec(file, base_dir)?;
    let mut commands = HashMap::new();
    for (intent, command, _) in COMMAND_INTENTS {
        commands.insert(intent.to_owned(), command);
        // An operator intent named like the command (`[intents.help]`) is learned from its examples and
        // acts as that command too.
        let plain = intent.trim_start_matches('_');
        if file.intents.contains_key(plain) {
            commands.insert(plain.to_owned(), command);
        }
    }
    let (recognizer, _status) = cache::load_or_train(&spec, cache_dir(file, base_dir).as_deref())
        .map_err(|e| {
        Problem::new(
            "intents",
            e.to_string(),
            "simplify the patterns or entities",
        )
    })?;

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
            clarify_margin: file.nlu.clarify_margin,
        },
        fallback: b.fallback.clone(),
        help: b.help.clone(),
        resume: b.resume.clone(),
        cancelled: b.cancelled.clone(),
        nothing_to_cancel: b.nothing_to_cancel.clone(),
        restarted: b.restarted.clone(),
        clarify: file.nlu.clarify.clone(),
        intent_titles: file
            .intents
            .iter()
            .filter_map(|(k, i)| i.title.clone().map(|t| (k.clone(), t)))
            .collect(),
        event_replies: file
            .events
            .iter()
            .map(|(k, e)| (k.clone(), e.say.clone()))
            .collect(),
        history_limit: b.history_limit,
        tables: file.tables.clone(),
    };
    let offset = parse_utc_offset(&file.nlu.utc_offset).unwrap_or(0);
    Ok(Bot::new(
        b.name.clone(),
        Arc::new(recognizer),
        Engine::new(registry, config),
    )
    .with_utc_offset(offset))
}
