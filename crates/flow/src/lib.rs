//! Bots described in TOML: parse, validate (every error at once, located), compile into runnable contexts.
//!
//! Modules, one job each:
//! - [`schema`]: the serde structs of a bot file, one doc comment per field (the operator's reference).
//! - [`diagnostics`]: errors with file, line, column, TOML path and what to do.
//! - [`validate`]: pure checks across the whole file (unknown states, slots, entities, intents, templates).
//! - [`flow_context`]: [`FlowContext`], the [`colloquy_core::Context`] compiled from a `[contexts.*]` table.
//! - [`nlu_spec`]: the recognizer's specification from the file, reading referenced data files.
//! - [`compile`]: turns a validated file into a [`Bot`] (training or loading the recognizer's model).
//! - [`bot`]: [`Bot`] — recognizer + engine — the one thing the runtime needs to run turns.
//!
//! Loading goes in three steps: `toml` → [`schema::BotFile`] (syntax and unknown keys), [`validate`] (meaning),
//! [`compile`] (build). [`load_str`] and [`load_file`] do all three and return every problem found.

pub mod bot;
pub mod compile;
pub mod diagnostics;
pub mod flow_context;
pub mod nlu_spec;
pub mod schema;
pub mod validate;

pub use bot::Bot;
pub use diagnostics::{Diagnostic, Diagnostics, SourceFile};
pub use flow_context::FlowContext;
pub use schema::BotFile;

use std::path::{Path, PathBuf};

/// Parses, validates and compiles a bot from TOML text. `name` is used in error locations (a path);
/// files the bot references are resolved from the current directory.
pub fn load_str(name: &str, text: &str) -> Result<(BotFile, Bot), Diagnostics> {
    load_str_in(name, text, Path::new("."))
}

/// Like [`load_str`], with referenced files relative to `base_dir`.
pub fn load_str_in(name: &str, text: &str, base_dir: &Path) -> Result<(BotFile, Bot), Diagnostics> {
    let source = SourceFile::new(name, text);
    let file = source.parse::<BotFile>()?;
    let problems = validate::validate(&file);
    if !problems.is_empty() {
        return Err(source.diagnostics(problems));
    }
    let bot = compile::compile(&file, base_dir).map_err(|p| source.diagnostics(vec![p]))?;
    Ok((file, bot))
}

/// The folder a bot file's references are relative to.
pub fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The recognizer specification and model cache directory of the bot file at `path` with content `text`
/// (parsed and validated first), for `colloquy train` and `colloquy nlu eval`.
pub fn nlu_spec_for(
    path: &Path,
    text: &str,
) -> Result<(colloquy_nlu::NluSpec, Option<PathBuf>), Diagnostics> {
    let name = path.display().to_string();
    let source = SourceFile::new(&name, text);
    let file = source.parse::<BotFile>()?;
    let problems = validate::validate(&file);
    if !problems.is_empty() {
        return Err(source.diagnostics(problems));
    }
    let base = base_dir(path);
    let spec = nlu_spec::nlu_spec(&file, &base).map_err(|p| source.diagnostics(vec![p]))?;
    Ok((spec, nlu_spec::cache_dir(&file, &base)))
}

/// Reads `path` and does what [`load_str`] does.
pub fn load_file(path: &Path) -> Result<(BotFile, Bot), Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics::single(Diagnostic {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            path: String::new(),
            message: format!("cannot read the bot file: {e}"),
            help: "check the path given with --config and the file's permissions".into(),
        })
    })?;
    load_str_in(&path.display().to_string(), &text, &base_dir(path))
}
