//! `colloquy`: run a bot server, chat with a bot in the console, or check a bot file.
//!
//! Modules:
//! - [`args`]: the command line (clap).
//! - [`settings`]: loads a bot file and every section the server reads, reporting all errors at once.
//! - [`logging`]: tracing setup (pretty or JSON).
//! - [`serve`]: `colloquy run` — storage, runtime, channels, signals.
//! - [`console`]: `colloquy chat` — a REPL against the same bot in-process.
//! - [`check`]: `colloquy check` — validate and summarize; exit code 2 on errors.
//! - [`nlu_cmd`]: `colloquy nlu eval` and `colloquy train`.
//!
//! - [`channels`]: the one list of channel adapters, and hosting them.
//! - [`events_api`]: the HTTP event API (`/v1/bots/{bot}/sessions|topics/.../events`).
//!
//! This is the one place that names every channel adapter.

mod args;
mod channels;
mod check;
mod console;
mod events_api;
mod logging;
mod nlu_cmd;
mod serve;
mod settings;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: under load the server spent over a quarter of its CPU in
/// glibc malloc/free (perf, docs/BENCHMARKS.md); mimalloc's thread-local free lists remove most of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    logging::init(&cli.log);
    let result = match cli.command {
        args::Command::Run(a) => serve::run(a),
        args::Command::Chat(a) => console::run(a),
        args::Command::Check(a) => return check::run(&a),
        args::Command::Nlu(args::NluCommand::Eval(a)) => nlu_cmd::eval(&a),
        args::Command::Train(a) => nlu_cmd::train(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
