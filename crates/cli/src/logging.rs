//! Tracing setup.

use crate::args::{LogArgs, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Logs go to stderr; stdout is kept for program output.
pub fn init(args: &LogArgs) {
    let filter = EnvFilter::try_new(&args.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match args.log_format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
