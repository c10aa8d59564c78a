//! `colloquy-loadgen compare`: the whole benchmark in one run.
//!
//! 1. Starts this binary's `echo-server` as a child and measures it (the baseline).
//! 2. Starts `colloquy run` as a child with a temporary data dir and a copy of the bot file whose
//!    durability is the one asked for and whose idle timeout is a day (no passivation mid-run), and
//!    measures it with the same users and duration.
//! 3. While those connections are still open, reads the server's resident memory and `live_sessions`.
//! 4. Measures colloquy again, paced at half the throughput it just reached, for the latency at half load.
//! 5. Stops both children (SIGTERM, then SIGKILL after a bounded wait).

use crate::load::{self, LoadConfig, Protocol};
use crate::procs::{self, Server};
use crate::stats::Report;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::Command;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// The `colloquy` binary.
    pub colloquy_bin: PathBuf,
    /// The bot file to copy.
    pub config: PathBuf,
    /// Concurrent users in every pass.
    pub users: usize,
    /// Measured window of every pass.
    pub duration: Duration,
    /// Warmup of every pass.
    pub warmup: Duration,
    /// `interval` or `per_turn`.
    pub durability: String,
    /// Override of `[storage] backend` (`sled` or `memory`), for diagnosis; None = as in the file.
    pub backend: Option<String>,
}

/// Everything `compare` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// `[storage] durability` of the colloquy passes.
    pub durability: String,
    /// `[storage] backend` if overridden.
    pub backend: Option<String>,
    /// The echo baseline.
    pub echo: Report,
    /// colloquy, closed loop.
    pub colloquy: Report,
    /// colloquy paced at half of `colloquy.turns_per_sec`.
    pub half_load: Report,
    /// colloquy's VmRSS right after it started (before any connection), bytes.
    pub rss_at_start: u64,
    /// colloquy's VmRSS after the closed-loop pass, with its connections still open, bytes.
    pub rss_after_run: u64,
    /// `live_sessions` from `/healthz` at that moment.
    pub live_sessions: u64,
    /// `rss_after_run / users`: everything the process holds, divided by live sessions.
    pub rss_per_session: f64,
    /// `(rss_after_run - rss_at_start) / users`: what the sessions and their connections added.
    pub rss_delta_per_session: f64,
}

/// Runs the benchmark.
pub async fn run(cfg: &CompareConfig) -> anyhow::Result<Comparison> {
    let tmp = tempfile::Builder::new()
        .prefix("colloquy-bench-")
        .tempdir()?;
    let pass = |target: &str, protocol| {
        let mut c = LoadConfig::new(target, cfg.users, cfg.duration, protocol);
        c.warmup = cfg.warmup;
        c
    };

    // 1. Baseline.
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["echo-server", "--listen", "127.0.0.1:0"]);
    let echo_server =
        procs::spawn_server(cmd, &tmp.path().join("echo.log"), Duration::from_secs(10)).await?;
    eprintln!(
        "echo server at {} (pid {})",
        echo_server.ws_url, echo_server.pid
    );
    let echo = load::run(&pass(&echo_server.ws_url, Protocol::Echo)).await;
    let echo = match echo {
        Ok((report, open)) => {
            open.close().await;
            report
        }
        Err(e) => {
            echo_server.stop(Duration::from_secs(2)).await;
            return Err(e);
        }
    };
    eprintln!("{}", echo.line());
    eprintln!(
        "echo server: {}",
        echo_server.stop(Duration::from_secs(2)).await
    );

    // 2. colloquy.
    let text = std::fs::read_to_string(&cfg.config)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", cfg.config.display()))?;
    let bot_file = tmp.path().join("bot.toml");
    let mut text = crate::bot_config::for_benchmark(&text, &cfg.durability, 86_400);
    if let Some(backend) = &cfg.backend {
        text = crate::bot_config::set_key(&text, "storage", "backend", &format!("\"{backend}\""));
    }
    std::fs::write(&bot_file, text)?;
    // Files the bot file names relatively (the city gazetteer, data sets) stay where they are: link the
    // config folder's entries next to the copy.
    if let Some(config_dir) = cfg.config.canonicalize()?.parent() {
        for entry in std::fs::read_dir(config_dir)? {
            let entry = entry?;
            let link = tmp.path().join(entry.file_name());
            if !link.exists() {
                std::os::unix::fs::symlink(entry.path(), link)?;
            }
        }
    }
    let log = tmp.path().join("colloquy.log");
    let mut cmd = Command::new(&cfg.colloquy_bin);
    cmd.arg("run")
        .arg("--config")
        .arg(&bot_file)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path().join("data"));
    let server = procs::spawn_server(cmd, &log, Duration::from_secs(30))
        .await
        .map_err(|e| e.context(log_tail(&log)))?;
    eprintln!(
        "colloquy ({} durability) at {} (pid {})",
        cfg.durability, server.ws_url, server.pid
    );
    let result = measure_colloquy(&server, &pass).await;
    let status = server.stop(Duration::from_secs(10)).await;
    eprintln!("colloquy: {status}");
    let (colloquy, half_load, rss_at_start, rss_after_run, live_sessions) =
        result.map_err(|e| e.context(log_tail(&log)))?;
    let users = cfg.users.max(1) as f64;
    Ok(Comparison {
        durability: cfg.durability.clone(),
        backend: cfg.backend.clone(),
        echo,
        colloquy,
        half_load,
        rss_at_start,
        rss_after_run,
        live_sessions,
        rss_per_session: rss_after_run as f64 / users,
        rss_delta_per_session: rss_after_run.saturating_sub(rss_at_start) as f64 / users,
    })
}

/// The two colloquy passes and the memory reading between them.
async fn measure_colloquy(
    server: &Server,
    pass: &impl Fn(&str, Protocol) -> LoadConfig,
) -> anyhow::Result<(Report, Report, u64, u64, u64)> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_at_start = procs::vm_rss_bytes(server.pid)?;
    let (full, open) = load::run(&pass(&server.ws_url, Protocol::Colloquy)).await?;
    eprintln!("{}", full.line());
    let rss_after_run = procs::vm_rss_bytes(server.pid)?;
    let live = procs::live_sessions(&load::authority(&server.ws_url)?)
        .await
        .unwrap_or(0);
    eprintln!(
        "colloquy RSS {:.1} MiB at start, {:.1} MiB with {} connections open and {live} live sessions",
        mib(rss_at_start),
        mib(rss_after_run),
        open.len()
    );
    open.close().await;
    let mut half = pass(&server.ws_url, Protocol::Colloquy);
    half.rate = Some((full.turns_per_sec / 2.0).max(1.0));
    let (half_load, open) = load::run(&half).await?;
    open.close().await;
    eprintln!("{}", half_load.line());
    Ok((full, half_load, rss_at_start, rss_after_run, live))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The last lines of a log file, for error messages.
fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    format!("last lines of {}:\n{tail}", path.display())
}

/// The result as a markdown table plus the memory line.
pub fn markdown(c: &Comparison) -> String {
    let ratio = |r: &Report| {
        if c.echo.turns_per_sec > 0.0 {
            format!("{:.2}×", r.turns_per_sec / c.echo.turns_per_sec)
        } else {
            "n/a".into()
        }
    };
    let row = |name: String, r: &Report| {
        format!(
            "| {name} | {} | {:.0} | {} | {} | {} | {} |\n",
            r.connected,
            r.turns_per_sec,
            ratio(r),
            r.latency.p50_us,
            r.latency.p99_us,
            r.errors
        )
    };
    let mut s = String::from(
        "| target | users | turns/s | ratio to echo | p50 µs | p99 µs | errors |\n|---|---|---|---|---|---|---|\n",
    );
    s += &row("echo (tokio-tungstenite)".into(), &c.echo);
    let name = match &c.backend {
        Some(b) => format!("colloquy, {b} backend, {} durability", c.durability),
        None => format!("colloquy, {} durability", c.durability),
    };
    s += &row(name.clone(), &c.colloquy);
    s += &row(
        format!(
            "{name}, paced at {:.0} turns/s (half load)",
            c.half_load.rate.unwrap_or(0.0)
        ),
        &c.half_load,
    );
    s += &format!(
        "\nRSS per live session incl. connection: {:.0} bytes ({:.1} MiB VmRSS / {} users; live_sessions = {}); \
         growth over the idle server: {:.0} bytes per session ({:.1} MiB at start)\n",
        c.rss_per_session,
        mib(c.rss_after_run),
        c.colloquy.users,
        c.live_sessions,
        c.rss_delta_per_session,
        mib(c.rss_at_start),
    );
    s
}
