//! The example bots shipped in `config/`, loaded the way the server loads them.

use colloquy_flow::Bot;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Path of a file in the repository's `config/` folder.
pub fn example_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config")
        .join(file)
}

/// The flight bot from `config/flight-bot.toml`. Panics with the diagnostics if it does not load.
///
/// Loaded (and its recognizer trained) once per test binary; each call returns a cheap clone that shares
/// the immutable recognizer and contexts — sessions are separate, so tests stay independent.
pub fn flight_bot() -> Bot {
    static BOT: OnceLock<Bot> = OnceLock::new();
    BOT.get_or_init(
        || match colloquy_flow::load_file(&example_path("flight-bot.toml")) {
            Ok((_, bot)) => bot,
            Err(d) => panic!("config/flight-bot.toml does not load:\n{d}"),
        },
    )
    .clone()
}

/// A user message for the flight bot on `channel` from `user` (conversation = user; no platform id).
pub fn inbound(channel: &str, user: &str, text: &str) -> colloquy_channel::Inbound {
    colloquy_channel::Inbound {
        bot: "flight-bot".into(),
        channel: channel.into(),
        conversation: user.into(),
        user: user.into(),
        display_name: None,
        text: text.into(),
        message_id: None,
        at_ms: 0,
        reply_to: None,
    }
}
