//! [`Bot`]: a recognizer and an engine — everything needed to run turns for one bot.

use colloquy_core::{ContextRegistry, Engine, Event, Session, Turn, Understanding, UserInput};
use colloquy_nlu::{RecognizeContext, Recognizer};
use std::sync::Arc;

/// One compiled bot, shared by all its sessions.
#[derive(Clone)]
pub struct Bot {
    name: String,
    recognizer: Arc<dyn Recognizer>,
    engine: Engine,
    /// The users' offset from UTC in minutes, for dates like "tomorrow" (`[nlu] utc_offset`).
    utc_offset_minutes: i32,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("name", &self.name)
            .field("engine", &self.engine)
            .finish()
    }
}

impl Bot {
    /// Assembles a bot.
    pub fn new(name: impl Into<String>, recognizer: Arc<dyn Recognizer>, engine: Engine) -> Self {
        Bot {
            name: name.into(),
            recognizer,
            engine,
            utc_offset_minutes: 0,
        }
    }

    /// Sets the users' offset from UTC in minutes (dates like "tomorrow" are resolved in it).
    pub fn with_utc_offset(mut self, minutes: i32) -> Self {
        self.utc_offset_minutes = minutes;
        self
    }

    fn context(&self, now_ms: u64) -> RecognizeContext {
        RecognizeContext {
            now_ms,
            utc_offset_minutes: self.utc_offset_minutes,
        }
    }

    /// The bot's name (part of every session key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The contexts, to register Rust contexts next to the TOML ones before the bot starts.
    pub fn registry_mut(&mut self) -> &mut ContextRegistry {
        &mut self.engine.registry
    }

    /// The engine (registry and configuration).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Recognizes `text`, sent at `now_ms`, without running a turn.
    pub fn understand(&self, text: &str, now_ms: u64) -> Understanding {
        self.recognizer.recognize(text, &self.context(now_ms))
    }

    /// Runs one user message against `session`.
    pub fn respond(&self, session: &mut Session, text: &str, now_ms: u64) -> Turn {
        let understanding = self.recognizer.recognize(text, &self.context(now_ms));
        self.engine.handle_message(
            session,
            UserInput {
                text,
                understanding: &understanding,
            },
            now_ms,
        )
    }

    /// Fires the session's timers due at `now_ms`; None when none is due.
    pub fn fire_timers(&self, session: &mut Session, now_ms: u64) -> Option<Turn> {
        self.engine.fire_timers(session, now_ms)
    }

    /// Delivers one event to `session`.
    pub fn deliver(&self, session: &mut Session, event: &Event, now_ms: u64) -> Turn {
        self.engine.handle_event(session, event, now_ms)
    }
}
