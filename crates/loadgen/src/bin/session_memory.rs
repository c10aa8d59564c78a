//! Resident memory per live, idle session actor, measured in-process (no sockets).
//!
//! Starts a [`Supervisor`] with the flight bot inside an actix `System`, sends one message ("I want to book
//! a flight") to each of `--count` distinct sessions (at most `--concurrency` in flight), and reports the
//! growth of this process's VmRSS divided by `live_sessions()`, plus the time taken.
//!
//! `--store all` (the default) runs each store in its own child process, so every figure starts from a
//! fresh heap:
//! - `memory`: `MemoryStore` — the delta includes the store's copy of every snapshot and transcript entry.
//! - `sled`: `SledStore::open(tempdir, Some(100))` — includes sled's page cache of what was written.
//! - `discard`: a store that keeps nothing (gets find nothing, puts succeed) — the actors alone.

use clap::{Parser, ValueEnum};
use colloquy_channel::{Inbound, SessionKey};
use colloquy_loadgen::procs::self_rss_bytes;
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::{Commit, MemoryStore, SessionStore, SledStore, StoreError, Stored};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Memory per live session actor.
#[derive(Debug, Parser)]
#[command(name = "session_memory", about)]
struct Args {
    /// Distinct sessions to start.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Messages in flight at once.
    #[arg(long, default_value_t = 512)]
    concurrency: usize,
    /// Which store backs the supervisor.
    #[arg(long, value_enum, default_value_t = StoreKind::All)]
    store: StoreKind,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    max_secs: u64,
    /// Print the results as JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoreKind {
    /// Every store below, each in a fresh child process.
    All,
    /// `MemoryStore`.
    Memory,
    /// `SledStore` in a temporary directory, background flush every 100 ms.
    Sled,
    /// Keeps nothing: the actors alone.
    Discard,
}

/// One measurement.
#[derive(Debug, Serialize, Deserialize)]
struct Measurement {
    store: StoreKind,
    sessions_started: usize,
    errors: usize,
    live_sessions: usize,
    rss_before: u64,
    rss_after: u64,
    bytes_per_live_session: f64,
    /// Mean size of one stored snapshot (0 for `discard`).
    mean_snapshot_bytes: f64,
    seconds: f64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let results = if args.store == StoreKind::All {
        let mut all = Vec::new();
        for kind in [StoreKind::Memory, StoreKind::Sled, StoreKind::Discard] {
            all.push(in_child(&args, kind)?);
        }
        all
    } else {
        vec![measure(&args, args.store)?]
    };
    if args.json {
        for r in &results {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    println!(
        "| store | sessions | live | errors | RSS before | RSS after | bytes per live session | mean snapshot bytes | seconds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {:?} | {} | {} | {} | {:.1} MiB | {:.1} MiB | {:.0} | {:.0} | {:.2} |",
            r.store,
            r.sessions_started,
            r.live_sessions,
            r.errors,
            mib(r.rss_before),
            mib(r.rss_after),
            r.bytes_per_live_session,
            r.mean_snapshot_bytes,
            r.seconds
        );
    }
    Ok(())
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// Runs one store's measurement in a child process (bounded wait) and parses its JSON line.
fn in_child(args: &Args, kind: StoreKind) -> anyhow::Result<Measurement> {
    let kind_name = format!("{kind:?}").to_lowercase();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["--store", &kind_name, "--json"])
        .args(["--count", &args.count.to_string()])
        .args(["--concurrency", &args.concurrency.to_string()])
        .args(["--max-secs", &args.max_secs.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(args.max_secs + 30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the {kind_name} measurement did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        std::io::Read::read_to_string(&mut s, &mut out)?;
    }
    anyhow::ensure!(
        status.success(),
        "the {kind_name} measurement failed: {status}"
    );
    let line = out
        .lines()
        .last()
        .ok_or_else(|| anyhow::anyhow!("no output from the {kind_name} measurement"))?;
    Ok(serde_json::from_str(line)?)
}

/// The measurement itself, in this process.
fn measure(args: &Args, kind: StoreKind) -> anyhow::Result<Measurement> {
    let dir = tempfile::Builder::new()
        .prefix("colloquy-session-memory-")
        .tempdir()?;
    let store: Arc<dyn SessionStore> = match kind {
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::Sled => Arc::new(SledStore::open(dir.path(), Some(100))?),
        StoreKind::Discard => Arc::new(Discard),
        StoreKind::All => anyhow::bail!("measure one store at a time"),
    };
    let (count, concurrency) = (args.count, args.concurrency.max(1));
    let limit = Duration::from_secs(args.max_secs);
    let result = actix_rt::System::new().block_on(async move {
        let bot = colloquy_testkit::flight_bot();
        let bot_name = bot.name().to_owned();
        let config = RuntimeConfig {
            idle_timeout: Duration::from_secs(86_400),
            ..RuntimeConfig::default()
        };
        let supervisor = Supervisor::start(bot, store, config, Arc::new(SystemClock))?;
        let inbound = |i: usize| Inbound {
            bot: bot_name.clone(),
            channel: "bench".into(),
            conversation: format!("user-{i}"),
            user: format!("user-{i}"),
            display_name: None,
            text: "I want to book a flight".into(),
            message_id: Some(format!("m-{i}")),
            at_ms: 0,
            reply_to: None,
        };
        // One session first, so one-time costs (lazy statics, first allocations) are not per-session.
        let _ = supervisor.dispatch_message(inbound(count)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_before = self_rss_bytes()?;
        let started = Instant::now();
        let sup = &supervisor;
        let run = futures_util::stream::iter(0..count)
            .map(|i| sup.dispatch_message(inbound(i)))
            .buffer_unordered(concurrency)
            .fold(0usize, |errors, r| async move {
                errors + usize::from(r.is_err())
            });
        let errors = tokio::time::timeout(limit, run)
            .await
            .map_err(|_| anyhow::anyhow!("not done within {limit:?}"))?;
        let seconds = started.elapsed().as_secs_f64();
        // Let background work (sled's flusher) settle before reading memory.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_after = self_rss_bytes()?;
        let live = supervisor.live_sessions();
        let mut snapshot_bytes = 0u64;
        let mut stored = 0u64;
        for i in (0..count).step_by((count / 1000).max(1)) {
            let key = SessionKey::of(&inbound(i));
            if let Ok(Some(s)) = supervisor.store().get(&key.storage_id()) {
                snapshot_bytes += s.snapshot.len() as u64;
                stored += 1;
            }
        }
        anyhow::Ok(Measurement {
            store: kind,
            sessions_started: count,
            errors,
            live_sessions: live,
            rss_before,
            rss_after,
            // The warm-up session is live too but was there before the first reading.
            bytes_per_live_session: rss_after.saturating_sub(rss_before) as f64
                / live.saturating_sub(1).max(1) as f64,
            mean_snapshot_bytes: if stored == 0 {
                0.0
            } else {
                snapshot_bytes as f64 / stored as f64
            },
            seconds,
        })
    })?;
    Ok(result)
}

/// A store that keeps nothing: every session looks new, every write succeeds. Only for measuring the
/// actors without any store's memory.
struct Discard;

impl SessionStore for Discard {
    fn get(&self, _: &str) -> Result<Option<Stored>, StoreError> {
        Ok(None)
    }
    fn put(&self, _: &str, expected: u64, _: Commit) -> Result<u64, StoreError> {
        Ok(expected.saturating_add(1))
    }
    fn delete(&self, _: &str, _: u64) -> Result<(), StoreError> {
        Ok(())
    }
    fn scan(&self, _: &str, _: Option<&str>, _: usize) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
    fn transcript(&self, _: &str, _: u64, _: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        Ok(Vec::new())
    }
    fn quarantine(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
    fn get_meta(&self, _: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn put_meta(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn session_count(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
    fn scan_index(
        &self,
        _: &[u8],
        _: Option<&[u8]>,
        _: usize,
    ) -> Result<Vec<colloquy_store::IndexEntry>, StoreError> {
        Ok(Vec::new())
    }
    fn apply_index(&self, _: Vec<colloquy_store::IndexOp>) -> Result<(), StoreError> {
        Ok(())
    }
    fn put_many(&self, writes: &[colloquy_store::Write]) -> Vec<Result<(), StoreError>> {
        writes.iter().map(|_| Ok(())).collect()
    }
}
