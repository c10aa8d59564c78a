//! Cold start with many stored sessions: how long from nothing to the first answered turn.
//!
//! 1. Prepare (skipped when `--dir` already holds `--count` sessions written by this tool): writes
//!    `--count` realistic snapshots (a flight booking in progress with a weather digression, about 1 KiB of
//!    JSON each) with `SledStore::put`, from `--threads` threads, giving up after `--max-write-secs`.
//! 2. Measure, `--repeat` times, each in a fresh child process: `SledStore::open` + load the bot +
//!    `Supervisor::start` + the first turn of one stored session (loaded lazily by its actor), and checks
//!    the answer shows the stored state. Prints every run and the median.
//!
//! The OS page cache is warm unless `--drop-file-cache` is given; then before every run each file of the
//! store is dropped from the cache with `dd iflag=nocache count=0` (POSIX_FADV_DONTNEED on that file only).

use clap::Parser;
use colloquy_channel::{Inbound, SessionKey};
use colloquy_runtime::snapshot::Outbox;
use colloquy_runtime::{RuntimeConfig, Snapshot, Supervisor, SystemClock};
use colloquy_store::{Commit, SessionStore, SledStore};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Meta key recording how many sessions this tool wrote (a contiguous range from 0).
const WRITTEN_KEY: &str = "loadgen.cold_start.sessions";
/// Channel name in the stored session keys.
const CHANNEL: &str = "websocket";
/// Sessions handed to a writer thread at a time.
const CHUNK: u64 = 5_000;

/// Time to open a store of many sessions and answer a first turn.
#[derive(Debug, Parser)]
#[command(name = "cold_start", about)]
struct Args {
    /// The sled directory (created and filled if it does not hold `--count` sessions yet).
    #[arg(long)]
    dir: PathBuf,
    /// Stored sessions.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Writer threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Stop writing after this many seconds (the sessions written so far are used and reported).
    #[arg(long, default_value_t = 900)]
    max_write_secs: u64,
    /// Measurements (each a fresh process).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Drop the store's files from the OS page cache before each measurement.
    #[arg(long)]
    drop_file_cache: bool,
    /// Internal: measure once in this process, answering session number N.
    #[arg(long, hide = true)]
    measure_once: Option<u64>,
}

/// One measured start.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Run {
    open_ms: f64,
    bot_ms: f64,
    supervisor_ms: f64,
    first_turn_ms: f64,
    total_ms: f64,
    /// After the first turn: flush the store, stop the runtime, drop the store (not part of the start).
    shutdown_ms: f64,
    /// Wall time of the whole child process as seen by the parent (exec, open, start, turn, exit).
    process_ms: f64,
    reply: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(n) = args.measure_once {
        let run = measure_once(&args.dir, n)?;
        println!("{}", serde_json::to_string(&run)?);
        return Ok(());
    }
    let written = prepare(&args)?;
    let mut runs = Vec::new();
    for r in 0..args.repeat.max(1) {
        if args.drop_file_cache {
            drop_file_cache(&args.dir)?;
        }
        // A different session each time, all in the same stored state.
        let n = written * (r as u64 + 1) / (args.repeat as u64 + 1);
        let run = in_child(&args.dir, n)?;
        println!(
            "run {}: session {n}: open {:.1} ms + bot {:.1} ms + supervisor {:.1} ms + first turn {:.1} ms = {:.1} ms (then shutdown {:.1} ms; whole process {:.1} ms); reply: {}",
            r + 1,
            run.open_ms,
            run.bot_ms,
            run.supervisor_ms,
            run.first_turn_ms,
            run.total_ms,
            run.shutdown_ms,
            run.process_ms,
            run.reply
        );
        runs.push(run);
    }
    let median = |f: fn(&Run) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "median of {} with {written} stored sessions ({}): open {:.1} ms, first turn {:.1} ms, total {:.1} ms, process {:.1} ms",
        runs.len(),
        if args.drop_file_cache {
            "store files dropped from the page cache"
        } else {
            "warm page cache"
        },
        median(|r| r.open_ms),
        median(|r| r.first_turn_ms),
        median(|r| r.total_ms),
        median(|r| r.process_ms),
    );
    Ok(())
}

/// The key of stored session `n`.
fn key(bot: &str, n: u64) -> SessionKey {
    let user = format!("anon-{n:08}");
    SessionKey {
        bot: bot.into(),
        channel: CHANNEL.into(),
        conversation: user.clone(),
        user,
    }
}

/// A realistic session: a booking with the departure city given, interrupted by a weather question, as
/// the flight bot itself leaves it, with the dedupe ids and outbox a WebSocket client's turns leave.
fn template(bot: &colloquy_flow::Bot) -> Snapshot {
    let mut snap = Snapshot::new(key(bot.name(), 0));
    let texts = [
        "I want to book a flight",
        "from Lahore",
        "What's the weather in Dubai?",
    ];
    let mut now = 1_767_000_000_000u64;
    for (i, text) in texts.iter().enumerate() {
        now += 4_000;
        let turn = bot.respond(&mut snap.session, text, now);
        let id = format!("u1-{i}");
        snap.mark_seen(&id, 64);
        snap.outbox = Outbox {
            reply_to: Some(id),
            messages: turn.replies,
        };
        snap.turns += 1;
        snap.updated_ms = now;
    }
    snap
}

/// Writes the sessions unless the store already has them; returns how many are stored.
fn prepare(args: &Args) -> anyhow::Result<u64> {
    let store = SledStore::open(&args.dir, Some(1000))?;
    let already = store
        .get_meta(WRITTEN_KEY)?
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map_or(0, u64::from_be_bytes);
    if already >= args.count {
        println!(
            "{} already holds {already} sessions; not writing",
            args.dir.display()
        );
        return Ok(already);
    }
    anyhow::ensure!(
        already == 0,
        "{} holds {already} of {} sessions from an earlier, interrupted run; use another --dir",
        args.dir.display(),
        args.count
    );
    let bot = colloquy_testkit::flight_bot();
    let template = template(&bot);
    println!(
        "writing {} sessions of {} bytes each to {} with {} threads (at most {} s)",
        args.count,
        template.encode().len(),
        args.dir.display(),
        args.threads,
        args.max_write_secs
    );
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.max_write_secs);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..args.threads.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        if Instant::now() > deadline {
                            return Ok(());
                        }
                        let from = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if from >= args.count {
                            return Ok(());
                        }
                        for n in from..(from + CHUNK).min(args.count) {
                            let mut snap = template.clone();
                            snap.key = key(bot.name(), n);
                            let commit = Commit {
                                snapshot: snap.encode(),
                                transcript: Vec::new(),
                                index: Vec::new(),
                            };
                            store.put(&snap.key.storage_id(), 0, commit)?;
                        }
                        if (from / CHUNK).is_multiple_of(20) {
                            eprintln!(
                                "  {} written after {:.0} s",
                                from + CHUNK,
                                started.elapsed().as_secs_f64()
                            );
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
        }
        anyhow::Ok(())
    })?;
    // Every chunk handed out was finished, so [0, written) is complete.
    let written = next.load(Ordering::Relaxed).min(args.count);
    store.put_meta(WRITTEN_KEY, &written.to_be_bytes())?;
    store.flush()?;
    println!(
        "wrote {written} sessions in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if written < args.count {
            " (stopped at --max-write-secs)"
        } else {
            ""
        }
    );
    Ok(written)
}

/// Runs `--measure-once n` in a child process (at most 120 s) and reads its JSON line.
fn in_child(dir: &Path, n: u64) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("--dir")
        .arg(dir)
        .args(["--measure-once", &n.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the measurement did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let process_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        std::io::Read::read_to_string(&mut s, &mut out)?;
    }
    anyhow::ensure!(status.success(), "the measurement failed: {status}");
    let mut run: Run = serde_json::from_str(
        out.lines()
            .last()
            .ok_or_else(|| anyhow::anyhow!("no output from the measurement"))?,
    )?;
    run.process_ms = process_ms;
    Ok(run)
}

/// Open, start, first turn for session `n`, in this process.
fn measure_once(dir: &Path, n: u64) -> anyhow::Result<Run> {
    let t0 = Instant::now();
    // As `colloquy run` opens it (interval durability, 100 ms).
    let sled: Arc<dyn SessionStore> = Arc::new(SledStore::open(dir, None)?);
    let store: Arc<dyn SessionStore> = colloquy_store::WriteBehind::start(
        sled,
        Some(Duration::from_millis(100)),
        colloquy_store::write_behind::DEFAULT_MAX_PENDING_BYTES,
    )?;
    let t_open = t0.elapsed();
    let bot = colloquy_testkit::flight_bot();
    let t_bot = t0.elapsed();
    let name = bot.name().to_owned();
    let system = actix_rt::System::new();
    let (t_sup, t_turn, reply) = system.block_on(async move {
        let supervisor =
            Supervisor::start(bot, store, RuntimeConfig::default(), Arc::new(SystemClock))?;
        let t_sup = t0.elapsed();
        let k = key(&name, n);
        let inbound = Inbound {
            bot: k.bot,
            channel: k.channel,
            conversation: k.conversation,
            user: k.user,
            display_name: None,
            text: "to Dubai".into(),
            message_id: Some("cold-start".into()),
            at_ms: 0,
            reply_to: None,
        };
        let reply = tokio::time::timeout(
            Duration::from_secs(60),
            supervisor.dispatch_message(inbound),
        )
        .await??;
        let t_turn = t0.elapsed();
        supervisor.flush()?;
        supervisor.stop_arbiters();
        let text: Vec<String> = reply.messages.into_iter().map(|m| m.text).collect();
        anyhow::Ok((t_sup, t_turn, text.join(" / ")))
    })?;
    drop(system);
    let t_end = t0.elapsed();
    anyhow::ensure!(
        reply.contains("from Lahore to Dubai"),
        "the first turn did not see the stored state (reply: {reply})"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Ok(Run {
        open_ms: ms(t_open),
        bot_ms: ms(t_bot - t_open),
        supervisor_ms: ms(t_sup - t_bot),
        first_turn_ms: ms(t_turn - t_sup),
        total_ms: ms(t_turn),
        shutdown_ms: ms(t_end - t_turn),
        process_ms: 0.0,
        reply,
    })
}

/// Drops every file under `dir` from the OS page cache (`dd iflag=nocache count=0`, per file).
fn drop_file_cache(dir: &Path) -> anyhow::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let ok = std::process::Command::new("dd")
                    .arg(format!("if={}", path.display()))
                    .args(["iflag=nocache", "count=0", "status=none"])
                    .status()?
                    .success();
                anyhow::ensure!(ok, "dd could not drop {} from the cache", path.display());
            }
        }
    }
    Ok(())
}
