//! `[channels.line_tcp]` in the bot file.

use serde::Deserialize;

/// Settings of the line TCP channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LineTcpConfig {
    /// Address to listen on (`127.0.0.1:7070`; port 0 picks a free port).
    pub listen: String,
    /// Longest `BOT` line in characters; longer replies are split on line/word boundaries.
    pub max_line_chars: usize,
    /// Longest accepted input line in bytes; longer lines get `ERR` and are dropped.
    pub max_input_bytes: usize,
}

impl Default for LineTcpConfig {
    fn default() -> Self {
        LineTcpConfig {
            listen: "127.0.0.1:7070".into(),
            max_line_chars: 512,
            max_input_bytes: 16 * 1024,
        }
    }
}
