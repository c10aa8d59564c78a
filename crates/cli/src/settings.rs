//! Everything `colloquy run` reads from a bot file, validated in one pass.

use colloquy_flow::{Bot, BotFile, Diagnostics, SourceFile};
use colloquy_runtime::config::RuntimeSection;
use colloquy_websocket::WebSocketConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: String,
    /// Environment variable holding the bearer token of the event API (`/v1/bots/...`). When it is not
    /// set, the event API answers 503.
    pub events_token_env: String,
    /// Largest event API request body, in bytes (larger → 413).
    pub events_max_body_bytes: usize,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: "127.0.0.1:8080".into(),
            events_token_env: "COLLOQUY_EVENTS_TOKEN".into(),
            events_max_body_bytes: 64 * 1024,
        }
    }
}

/// `[storage.backend]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Embedded sled database in `path`.
    Sled,
    /// In memory; everything is lost on exit (tests, demos).
    Memory,
}

/// When a turn is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurabilityMode {
    /// Flushed before the reply is sent.
    PerTurn,
    /// Flushed every `flush_interval_ms`.
    Interval,
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    /// Backend.
    pub backend: Backend,
    /// Data directory (relative paths are relative to the working directory).
    pub path: PathBuf,
    /// Durability of each turn.
    pub durability: DurabilityMode,
    /// Flush period for `interval` durability, in milliseconds.
    pub flush_interval_ms: u64,
    /// sled's page cache, in MiB (bounds the store's share of resident memory).
    pub cache_mb: u64,
}

impl Default for StorageSection {
    fn default() -> Self {
        StorageSection {
            backend: Backend::Sled,
            path: "data".into(),
            durability: DurabilityMode::Interval,
            flush_interval_ms: 100,
            cache_mb: 256,
        }
    }
}

/// A loaded bot file.
pub struct Settings {
    /// The parsed file.
    pub file: BotFile,
    /// The compiled bot.
    pub bot: Bot,
    /// `[server]`
    pub server: ServerSection,
    /// `[storage]`
    pub storage: StorageSection,
    /// `[runtime]`
    pub runtime: RuntimeSection,
    /// `[channels.websocket]`
    pub websocket: WebSocketConfig,
    /// Path and text of the bot file, to locate errors when adapters are built.
    pub source: (String, String),
}

/// Loads and validates `path`, returning every problem found.
pub fn load(path: &Path) -> Result<Settings, Diagnostics> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics::single(colloquy_flow::Diagnostic {
            file: name.clone(),
            line: 0,
            column: 0,
            path: String::new(),
            message: format!("cannot read the bot file: {e}"),
            help: "check the path (default: config/flight-bot.toml, relative to the working directory)".into(),
        })
    })?;
    let source = SourceFile::new(&name, &text);
    let file: BotFile = source.parse()?;
    let mut errors = source
        .diagnostics(colloquy_flow::validate::validate(&file))
        .0;
    let server = parse(&source, &["server"], file.server.clone(), &mut errors);
    let storage = parse(&source, &["storage"], file.storage.clone(), &mut errors);
    let runtime = parse(&source, &["runtime"], file.runtime.clone(), &mut errors);
    let websocket: Option<WebSocketConfig> = parse(
        &source,
        &["channels", "websocket"],
        file.channels.get("websocket").cloned(),
        &mut errors,
    );
    if let Some(ws) = &websocket
        && ws.identity == colloquy_websocket::IdentityMode::Signed
        && ws.secret_env.is_none()
    {
        errors.extend(
            source
                .diagnostics(vec![colloquy_flow::diagnostics::Problem::new(
                    "channels.websocket.identity",
                    "identity = \"signed\" needs a secret",
                    "add secret_env = \"NAME\" naming the environment variable that holds the HMAC secret",
                )])
                .0,
        );
    }
    let registry = crate::channels::registry();
    let known = crate::channels::known_names();
    for (name, table) in &file.channels {
        if let Some(r) = registry.iter().find(|r| r.name() == name.as_str()) {
            if let Err(d) = r.check(&source, table.clone()) {
                errors.extend(d.0);
            }
            continue;
        }
        if !known.contains(&name.as_str()) {
            errors.extend(
                source
                    .diagnostics(vec![colloquy_flow::diagnostics::Problem::at(
                        vec!["channels".into(), name.clone()],
                        format!("unknown channel `{name}`"),
                        format!("this build has: {}", known.join(", ")),
                    )])
                    .0,
            );
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|d| (d.line, d.column));
        return Err(Diagnostics(errors));
    }
    let bot: Bot = colloquy_flow::compile::compile(&file, &colloquy_flow::base_dir(path))
        .map_err(|p| source.diagnostics(vec![p]))?;
    Ok(Settings {
        file,
        bot,
        server: server.unwrap_or_default(),
        storage: storage.unwrap_or_default(),
        runtime: runtime.unwrap_or_default(),
        websocket: websocket.unwrap_or_default(),
        source: (name.clone(), text.clone()),
    })
}

fn parse<T: serde::de::DeserializeOwned + Default>(
    source: &SourceFile<'_>,
    path: &[&str],
    table: Option<toml::Table>,
    errors: &mut Vec<colloquy_flow::Diagnostic>,
) -> Option<T> {
    let table = table?;
    match source.parse_at::<T>(path, table) {
        Ok(v) => Some(v),
        Err(d) => {
            errors.extend(d.0);
            None
        }
    }
}
