//! `colloquy check FILE`

use crate::args::CheckArgs;
use crate::settings;
use std::process::ExitCode;

/// Validates the file; prints a summary (exit 0) or every error (exit 2). Starts nothing.
pub fn run(args: &CheckArgs) -> ExitCode {
    match settings::load(&args.file) {
        Ok(s) => {
            let f = &s.file;
            println!(
                "ok: {}: bot `{}` with {} context(s), {} intent(s), {} entit{} (storage: {:?} at {}, durability: {:?})",
                args.file.display(),
                f.bot.name,
                f.contexts.len(),
                f.intents.len(),
                f.entities.len(),
                if f.entities.len() == 1 { "y" } else { "ies" },
                s.storage.backend,
                s.storage.path.display(),
                s.storage.durability,
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprintln!("{d}");
            ExitCode::from(2)
        }
    }
}
