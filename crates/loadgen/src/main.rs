//! `colloquy-loadgen`: WebSocket load against colloquy and against a raw echo baseline.
//!
//! - `echo-server`: the baseline server (tokio-tungstenite, echoes every frame).
//! - `run`: N users against one target, closed loop or paced; prints one line (or JSON with `--json`).
//! - `compare`: echo baseline, colloquy, colloquy at half load, and memory per session, in one run.
//!
//! Everything runs on 127.0.0.1; every load loop stops by itself (window end, turn cap, timeouts).
//! 1,000 users need about 1,000 file descriptors in this process and as many in the server: raise the
//! soft limit in the shell first (`ulimit -n 20000`).

use clap::{Parser, Subcommand};
use colloquy_loadgen::compare::{self, CompareConfig};
use colloquy_loadgen::load::{self, LoadConfig, Protocol};
use std::path::PathBuf;
use std::time::Duration;

/// Load generator for colloquy's WebSocket channel.
#[derive(Debug, Parser)]
#[command(name = "colloquy-loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Raw tokio-tungstenite echo server (the baseline). Prints `listening on ws://ADDR/`.
    EchoServer {
        /// Address to listen on (port 0 = any free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Exit after this many seconds even if nobody stops it.
        #[arg(long, default_value_t = 3600)]
        max_secs: u64,
        /// tungstenite read buffer per connection (default: tungstenite's own, 128 KiB).
        #[arg(long, default_value_t = colloquy_loadgen::echo::DEFAULT_READ_BUFFER)]
        read_buffer_bytes: usize,
    },
    /// N concurrent users against one WebSocket target.
    Run {
        /// `ws://127.0.0.1:PORT/ws`.
        #[arg(long)]
        target: String,
        /// Concurrent users, one connection each.
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Measured window in seconds (after warmup).
        #[arg(long, default_value_t = 10)]
        duration_secs: u64,
        /// Total rate in turns/s, spread evenly over the users (open loop). Default: closed loop.
        #[arg(long)]
        rate: Option<f64>,
        /// Protocol the users speak.
        #[arg(long, value_enum, default_value_t = Protocol::Colloquy)]
        protocol: Protocol,
        /// Seconds of load before the window.
        #[arg(long, default_value_t = 2)]
        warmup_secs: u64,
        /// Keep the connections open this many seconds after the window (e.g. to read the server's memory).
        #[arg(long, default_value_t = 0)]
        hold_secs: u64,
        /// Print the report as JSON on stdout (the human line goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Echo baseline, then colloquy (same users and duration), then colloquy at half that throughput.
    Compare {
        /// The `colloquy` binary (e.g. target/release/colloquy).
        #[arg(long)]
        colloquy_bin: PathBuf,
        /// Bot file; a copy with the chosen durability and a one-day idle timeout is used.
        #[arg(long, default_value = "config/flight-bot.toml")]
        config: PathBuf,
        /// Concurrent users in every pass.
        #[arg(long, default_value_t = 200)]
        users: usize,
        /// Measured window of every pass, in seconds.
        #[arg(long, default_value_t = 10)]
        duration_secs: u64,
        /// Seconds of load before each window.
        #[arg(long, default_value_t = 2)]
        warmup_secs: u64,
        /// `[storage] durability` for the colloquy passes.
        #[arg(long, value_parser = ["interval", "per_turn"], default_value = "interval")]
        durability: String,
        /// Override `[storage] backend` (diagnosis: `memory` takes sled out of the picture).
        #[arg(long, value_parser = ["sled", "memory"])]
        backend: Option<String>,
        /// Also print every figure as JSON on stdout after the table.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::EchoServer {
            listen,
            max_secs,
            read_buffer_bytes,
        } => {
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!("listening on ws://{}/", listener.local_addr()?);
            let limit = Duration::from_secs(max_secs);
            colloquy_loadgen::echo::serve(listener, limit, read_buffer_bytes).await
        }
        Cmd::Run {
            target,
            users,
            duration_secs,
            rate,
            protocol,
            warmup_secs,
            hold_secs,
            json,
        } => {
            let mut cfg =
                LoadConfig::new(&target, users, Duration::from_secs(duration_secs), protocol);
            cfg.rate = rate;
            cfg.warmup = Duration::from_secs(warmup_secs);
            let (report, open) = load::run(&cfg).await?;
            if hold_secs > 0 {
                eprintln!(
                    "window over; holding {} connections open for {hold_secs} s",
                    open.len()
                );
                tokio::time::sleep(Duration::from_secs(hold_secs)).await;
            }
            open.close().await;
            if json {
                eprintln!("{}", report.line());
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{}", report.line());
            }
            Ok(())
        }
        Cmd::Compare {
            colloquy_bin,
            config,
            users,
            duration_secs,
            warmup_secs,
            durability,
            backend,
            json,
        } => {
            let cfg = CompareConfig {
                colloquy_bin,
                config,
                users,
                duration: Duration::from_secs(duration_secs),
                warmup: Duration::from_secs(warmup_secs),
                durability,
                backend,
            };
            let result = compare::run(&cfg).await?;
            println!("{}", compare::markdown(&result));
            if json {
                println!("{}", serde_json::to_string(&result)?);
            }
            Ok(())
        }
    }
}
