//! Event benchmarks (issue: events, proactive messages and durable timers), in-process on the real
//! supervisor and the sled store:
//!
//! - `live`: event deliveries per second to live sessions (each event is a committed turn whose replies are
//!   sent through a channel), against user-message turns per second on the same sessions in the same run;
//! - `fanout`: one topic event to N sessions that follow the topic, most of them passivated;
//! - `timers-write` then `timers-start`: start-up time and resident memory of a fresh process whose store
//!   holds N pending timers (compare with N = 0).
//!
//! `cargo run --release -p colloquy-loadgen --bin events_bench -- live|fanout|timers-write|timers-start …`

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use colloquy_channel::{Inbound, SessionKey};
use colloquy_core::Event;
use colloquy_loadgen::procs::self_rss_bytes;
use colloquy_runtime::{EventBus, RuntimeConfig, Supervisor, SystemClock, Target};
use colloquy_store::{IndexOp, SessionStore, SledStore, WriteBehind};
use colloquy_testkit::{RecordingChannel, flight_bot};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator the `colloquy` binary uses, so the in-process figures match the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Events/s to live sessions vs messages/s.
    Live {
        /// Live sessions.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Events (and, in the baseline, messages) per session.
        #[arg(long, default_value_t = 50)]
        per_session: usize,
    },
    /// One topic event to this many followers.
    Fanout {
        /// Sessions following the topic.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
    },
    /// Writes this many pending timers into a store directory (run before `timers-start`).
    TimersWrite {
        /// Store directory (created).
        #[arg(long)]
        dir: std::path::PathBuf,
        /// Pending timers written to the store.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
    },
    /// Opens the store in `dir`, starts the runtime and runs the first timer sweep, in a fresh process:
    /// reports the time taken and the resident memory after.
    TimersStart {
        /// Store directory written by `timers-write`.
        #[arg(long)]
        dir: std::path::PathBuf,
    },
}

fn inbound(user: &str, text: &str) -> Inbound {
    colloquy_testkit::inbound("bench", user, text)
}

fn key(user: &str) -> SessionKey {
    SessionKey::of(&inbound(user, ""))
}

fn start(
    dir: &std::path::Path,
    idle: Duration,
) -> anyhow::Result<(Supervisor, Arc<RecordingChannel>)> {
    // As `colloquy run` opens it with `durability = "interval"`, `flush_interval_ms = 100`.
    let sled: Arc<dyn SessionStore> = Arc::new(SledStore::open(dir, None)?);
    let store: Arc<dyn SessionStore> = WriteBehind::start(
        sled,
        Some(Duration::from_millis(100)),
        colloquy_store::write_behind::DEFAULT_MAX_PENDING_BYTES,
    )?;
    let config = RuntimeConfig {
        idle_timeout: idle,
        mailbox_capacity: 64,
        ..RuntimeConfig::default()
    };
    let sup = Supervisor::start(flight_bot(), store, config, Arc::new(SystemClock))?;
    let channel = RecordingChannel::new("bench");
    sup.attach_channel(channel.clone());
    sup.start_timers();
    Ok((sup, channel))
}

/// Opens `count` bookings from Lahore to Dubai (they follow `fare:Lahore-Dubai`), 1,000 at a time.
async fn open_bookings(sup: &Supervisor, count: usize) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let results: Vec<_> = futures_util::stream::iter(0..count)
        .map(|i| async move {
            sup.dispatch_message(inbound(
                &format!("u{i}"),
                "I want to book a flight from Lahore to Dubai",
            ))
            .await
        })
        .buffer_unordered(1000)
        .collect()
        .await;
    for r in results {
        r.context("opening a booking")?;
    }
    Ok(t.elapsed())
}

async fn live(sessions: usize, per_session: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (sup, channel) = start(dir.path(), Duration::from_secs(600))?;
    open_bookings(&sup, sessions).await?;
    let total = sessions * per_session;
    // Baseline: user messages ("help": a turn with two replies and a commit), one chain per session.
    let t = Instant::now();
    futures_util::future::join_all((0..sessions).map(|i| {
        let sup = sup.clone();
        async move {
            for _ in 0..per_session {
                let _ = sup
                    .dispatch_message(inbound(&format!("u{i}"), "help"))
                    .await;
            }
        }
    }))
    .await;
    let messages_per_s = total as f64 / t.elapsed().as_secs_f64();
    // Events: price_change (interrupt: two replies, a commit) delivered and sent through the channel.
    let t = Instant::now();
    futures_util::future::join_all((0..sessions).map(|i| {
        let sup = sup.clone();
        async move {
            for n in 0..per_session {
                let event = Event::new("price_change").with("new_price", format!("${n}"));
                let _ = sup.deliver_event(key(&format!("u{i}")), event).await;
            }
        }
    }))
    .await;
    let secs = t.elapsed().as_secs_f64();
    let events_per_s = total as f64 / secs;
    anyhow::ensure!(
        channel.deliveries() == total,
        "{} of {total} events delivered",
        channel.deliveries()
    );
    println!(
        "live: {sessions} sessions x {per_session}: events {events_per_s:.0}/s ({total} in {secs:.2} s), \
         messages {messages_per_s:.0}/s, ratio {:.2}",
        events_per_s / messages_per_s
    );
    sup.stop_arbiters();
    Ok(())
}

async fn fanout(count: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (sup, channel) = start(dir.path(), Duration::from_secs(1))?;
    let opened = open_bookings(&sup, count).await?;
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    let live_before = sup.live_sessions();
    let bus = EventBus::new(sup.clone());
    let t = Instant::now();
    let d = bus
        .publish(
            Target::Topic("fare:Lahore-Dubai".into()),
            Event::new("price_change")
                .with("new_price", "$199")
                .with_id("bench-1"),
        )
        .await?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        d.delivered == count && channel.deliveries() == count,
        "{d:?}"
    );
    println!(
        "fanout: {count} followers ({live_before} live before, opened in {:.1} s): delivered {} in {secs:.2} s \
         ({:.0}/s), failed {}",
        opened.as_secs_f64(),
        d.delivered,
        count as f64 / secs,
        d.failed
    );
    sup.stop_arbiters();
    Ok(())
}

fn timers_write(dir: &std::path::Path, count: usize) -> anyhow::Result<()> {
    let far = 4_000_000_000_000u64;
    let store = SledStore::open(dir, None)?;
    let value = serde_json::to_vec(&key("x"))?;
    let t = Instant::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(10_000) {
        let ops = chunk
            .iter()
            .map(|i| IndexOp::Put {
                key: colloquy_runtime::index_keys::timer(
                    far + *i as u64,
                    &format!("flight-bot/bench/u{i}/u{i}"),
                    "booking",
                    "nudge",
                ),
                value: value.clone(),
            })
            .collect();
        store.apply_index(ops)?;
    }
    store.flush()?;
    println!(
        "timers-write: {count} pending timers in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn timers_start(dir: &std::path::Path) -> anyhow::Result<()> {
    let rss_before = self_rss_bytes()?;
    let t = Instant::now();
    let report = actix_rt::System::new().block_on(async {
        let (sup, _) = start(dir, Duration::from_secs(60))?;
        let report = sup.fire_due_timers().await?;
        sup.stop_arbiters();
        anyhow::Ok(report)
    })?;
    let startup = t.elapsed();
    let rss_after = self_rss_bytes()?;
    println!(
        "timers-start: open + start + first sweep {:.0} ms (fired {}, a future timer found: {}); \
         RSS {:.1} MiB -> {:.1} MiB",
        startup.as_secs_f64() * 1000.0,
        report.sessions,
        report.next_due_ms.is_some(),
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    match Args::parse().what {
        What::Live {
            sessions,
            per_session,
        } => actix_rt::System::new().block_on(live(sessions, per_session)),
        What::Fanout { count } => actix_rt::System::new().block_on(fanout(count)),
        What::TimersWrite { dir, count } => timers_write(&dir, count),
        What::TimersStart { dir } => timers_start(&dir),
    }
}
