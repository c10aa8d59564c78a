//! Helpers for tests across the workspace.
//!
//! Modules:
//! - [`transcript`]: [`check_transcript`] runs a scripted conversation (`user:` / `bot:` / `event:` /
//!   `stack:` lines) against a bot in-process and fails with a readable diff.
//! - [`bots`]: loads the shipped example bots from `config/`.
//! - [`conformance`]: the checks every channel adapter's tests run ([`conformance::run_all`]).
//! - [`recording_channel`]: [`RecordingChannel`], a channel that records proactive deliveries.

pub mod bots;
pub mod conformance;
pub mod recording_channel;
pub mod transcript;

pub use bots::{example_path, flight_bot, inbound};
pub use recording_channel::RecordingChannel;
pub use transcript::{check_transcript, check_transcript_in};
