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
    /// Natural-language understanding tools (evaluation).
    #[command(subcommand)]
    Nlu(NluCommand),
    /// Train a bot's recognizer and cache the model (start-up then loads it instead of training).
    Train(TrainArgs),
}

/// `colloquy nlu …`
#[derive(Debug, Subcommand)]
pub enum NluCommand {
    /// Evaluate the recognizer: k-fold on a bot's examples, or --train/--test data files.
    Eval(NluEvalArgs),
}

/// `colloquy nlu eval`
#[derive(Debug, Args)]
pub struct NluEvalArgs {
    /// Bot file: its examples (k-fold) and its rules, gazetteers and regex entities.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Training data files (.json SNIPS or list, .csv); replaces the bot's examples.
    #[arg(long, num_args = 1..)]
    pub train: Vec<PathBuf>,
    /// Test data files; without them, k-fold cross-validation is run.
    #[arg(long, num_args = 1..)]
    pub test: Vec<PathBuf>,
    /// Use only the first N training examples of each intent in each training file.
    #[arg(long)]
    pub limit_per_intent: Option<usize>,
    /// Folds for cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// An intent below this confidence counts as out of scope (0 = always take the best intent).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `colloquy train`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Bot file.
    #[arg(long, short, default_value = "config/flight-bot.toml")]
    pub config: PathBuf,
    /// Cache directory, overriding `[nlu] cache_dir`.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
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
