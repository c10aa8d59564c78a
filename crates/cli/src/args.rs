//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// colloquy — a chatbot server that keeps modal context for every user.
#[derive(Debug, Parser)]
#[command(name = "colloquy", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Logging options.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty, env = "COLLOQUY_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// Log filter (`info`, `debug`, `colloquy_runtime=debug`). Message texts are logged only at debug.
    #[arg(long, global = true, default_value = "info", env = "COLLOQUY_LOG")]
    pub log: String,
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot server (WebSocket channel, sessions stored in sled).
    Run(RunArgs),
    /// Chat with the bot in this terminal (in-process, no server).
    Chat(ChatArgs),
    /// Validate a bot file: every error with file:line:col and what to do. Exit code 2 on errors.
    Check(CheckArgs),
}

/// `colloquy run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Bot file.
    #[arg(long, short, default_value = "config/flight-bot.toml")]
    pub config: PathBuf,
    /// Listen address, overriding `[server] listen` (use port 0 for any free port).
    #[arg(long)]
    pub listen: Option<String>,
    /// Data directory, overriding `[storage] path`.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// `colloquy chat`
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Bot file.
    #[arg(long, short, default_value = "config/flight-bot.toml")]
    pub config: PathBuf,
    /// Keep the conversation in the configured store (default: in memory, forgotten on exit).
    #[arg(long)]
    pub persist: bool,
    /// User id for the console session.
    #[arg(long, default_value = "console")]
    pub user: String,
}

/// `colloquy check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Bot file to check.
    pub file: PathBuf,
}
