//! Contexts registered by name, and which intents start which context.
//!
//! Explicit registration in one place: TOML flows and Rust contexts end up in the same registry.

use crate::context::Context;
use std::collections::HashMap;
use std::sync::Arc;

/// Name → context, intent → context name.
#[derive(Default, Clone)]
pub struct ContextRegistry {
    contexts: HashMap<String, Arc<dyn Context>>,
    triggers: HashMap<String, String>,
}

impl std::fmt::Debug for ContextRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.contexts.keys().collect();
        names.sort();
        f.debug_struct("ContextRegistry")
            .field("contexts", &names)
            .field("triggers", &self.triggers)
            .finish()
    }
}

impl ContextRegistry {
    /// Registers (or replaces) `context` under `name`.
    pub fn register_context(
        &mut self,
        name: impl Into<String>,
        context: impl Context,
    ) -> &mut Self {
        self.contexts.insert(name.into(), Arc::new(context));
        self
    }

    /// Registers an already shared context.
    pub fn register_shared(
        &mut self,
        name: impl Into<String>,
        context: Arc<dyn Context>,
    ) -> &mut Self {
        self.contexts.insert(name.into(), context);
        self
    }

    /// Makes `intent` start (or digress into) the context `name`.
    pub fn register_trigger(
        &mut self,
        intent: impl Into<String>,
        name: impl Into<String>,
    ) -> &mut Self {
        self.triggers.insert(intent.into(), name.into());
        self
    }

    /// The context registered as `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Context>> {
        self.contexts.get(name)
    }

    /// The context name `intent` triggers.
    pub fn triggered_by(&self, intent: &str) -> Option<&str> {
        self.triggers.get(intent).map(String::as_str)
    }

    /// True when `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.contexts.contains_key(name)
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<_> = self.contexts.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}
