//! Benchmark tooling for colloquy: a WebSocket load generator, a raw echo baseline, and helpers the
//! bench binaries share.
//!
//! Modules:
//! - [`stats`]: latency percentiles (a sorted `Vec<u32>` of microseconds) and the [`stats::Report`] of a run.
//! - [`load`]: N concurrent WebSocket users, closed loop or paced (open loop), colloquy or echo protocol.
//! - [`echo`]: the raw tokio-tungstenite echo server used as the baseline.
//! - [`procs`]: child processes that print their address, resident memory from `/proc`, bounded shutdown.
//! - [`bot_config`]: a copy of a bot file with durability and idle timeout overridden.
//! - [`compare`]: the whole benchmark in one run (echo, colloquy, colloquy at half load, memory).
//!
//! Binaries: `colloquy-loadgen` (subcommands `echo-server`, `run`, `compare`), `session_memory` (resident
//! memory per live session actor, in-process) and `cold_start` (open a store of many sessions and answer
//! the first turn).

pub mod bot_config;
pub mod compare;
pub mod echo;
pub mod load;
pub mod procs;
pub mod stats;
