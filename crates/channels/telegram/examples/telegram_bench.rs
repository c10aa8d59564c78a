//! Throughput of the Telegram adapter + runtime through the fake Bot API, and the fake's own cost.
//!
//! `cargo run --release -p colloquy-telegram --example telegram_bench -- [chats] [turns_per_chat] [adapter_runtime]`
//! (defaults: 1000 chats, 20 turns each, `multi`; `adapter_runtime` = `multi` (a 2-worker tokio runtime
//! of its own) or `system` (inside the actix System's thread)). Results: docs/benchmarks/telegram.md.
//!
//! Every chat runs the booking conversation (4 turns, one reply each, repeated); all its messages are
//! queued at the fake up front, in round-robin order over the chats, and consumed through `getUpdates`
//! batches of 100. Phase 1 measures the fake with a bare teloxide client that answers every update with
//! one `sendMessage` (no adapter, no runtime). Phase 2 runs the real adapter and runtime.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/fake_telegram/mod.rs"]
mod fake_telegram;

use colloquy_channel::{Channel, ChannelIo, Gateway, ShutdownTrigger};
use colloquy_runtime::{RuntimeConfig, Supervisor, SystemClock};
use colloquy_store::MemoryStore;
use colloquy_telegram::{TelegramConfig, build};
use fake_telegram::{FakeTelegram, TOKEN};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::ChatId;

const SCRIPT: [(&str, &str); 4] = [
    (
        "I want to book a flight",
        "Starting new booking. Please specify departure city.",
    ),
    ("from Lahore", "Great! Now tell me the destination city."),
    ("to Dubai", "Confirm booking from Lahore to Dubai? (yes/no)"),
    ("yes", "Booking confirmed!"),
];

/// Process CPU time (user + system) so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10) // USER_HZ = 100
}

/// Ids of this process's threads.
fn thread_ids() -> HashSet<String> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.flatten()
                .map(|t| t.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Starts the fake and returns it with the ids of the threads it started (its acceptor and workers).
fn start_fake() -> (FakeTelegram, HashSet<String>) {
    let before = thread_ids();
    let fake = FakeTelegram::start();
    std::thread::sleep(Duration::from_millis(200)); // its workers start asynchronously
    let mine = thread_ids().difference(&before).cloned().collect();
    (fake, mine)
}

/// CPU time (user + system) of this process's threads, split into (the fake's threads, all others).
fn cpu_split(fake_threads: &HashSet<String>) -> (Duration, Duration) {
    let mut fake = 0u64;
    let mut rest = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            let f: Vec<&str> = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            let ticks: u64 = f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
            if fake_threads.contains(&*t.file_name().to_string_lossy()) {
                fake += ticks;
            } else {
                rest += ticks;
            }
        }
    }
    (
        Duration::from_millis(fake * 10),
        Duration::from_millis(rest * 10),
    )
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn queue_all(fake: &FakeTelegram, chats: i64, turns: usize, first_chat: i64) {
    for t in 0..turns {
        let text = SCRIPT[t % SCRIPT.len()].0;
        let round: Vec<(i64, &str)> = (0..chats).map(|c| (first_chat + c, text)).collect();
        fake.private_batch(&round);
    }
}

async fn wait_for(fake: &FakeTelegram, total: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while fake.message_count() < total {
        assert!(
            Instant::now() < deadline,
            "stalled at {} of {total}",
            fake.message_count()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

struct Figures {
    turns: usize,
    wall: Duration,
    cpu: Duration,
    /// CPU of the fake's threads and of the others during the run.
    fake_cpu: Duration,
    other_cpu: Duration,
}

impl Figures {
    fn print(&self, what: &str) {
        let secs = self.wall.as_secs_f64();
        println!(
            "{what}: {} turns in {:.2} s = {:.0} turns/s; process CPU {:.2} s ({:.0}% of 2 cores), RSS {:.0} MiB",
            self.turns,
            secs,
            self.turns as f64 / secs,
            self.cpu.as_secs_f64(),
            100.0 * self.cpu.as_secs_f64() / secs / 2.0,
            rss_mib()
        );
        let per_turn = |d: Duration| d.as_secs_f64() * 1e6 / self.turns as f64;
        println!(
            "    CPU per turn: fake {:.0} µs, everything else {:.0} µs (so on 2 idle cores without the fake: about {:.0} turns/s)",
            per_turn(self.fake_cpu),
            per_turn(self.other_cpu),
            2.0e6 / per_turn(self.other_cpu).max(1.0)
        );
    }
}

/// Phase 1: the fake answering getUpdates/sendMessage for a bare client (no adapter, no runtime).
fn fake_alone(chats: i64, turns: usize) -> Figures {
    let (fake, fake_threads) = start_fake();
    fake.keep_only(1);
    queue_all(&fake, chats, turns, 1);
    let total = chats as usize * turns;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = teloxide::Bot::new(TOKEN).set_api_url(fake.url.parse().expect("url"));
    let cpu0 = cpu_time();
    let split0 = cpu_split(&fake_threads);
    let started = Instant::now();
    rt.block_on(async {
        let mut offset = 0i32;
        let mut done = 0;
        while done < total {
            let updates = api
                .get_updates()
                .offset(offset)
                .limit(100)
                .timeout(10)
                .send()
                .await
                .expect("getUpdates");
            let mut tasks = tokio::task::JoinSet::new();
            for u in &updates {
                offset = offset.max(u.id.0 as i32 + 1);
                let chat = u.chat().map_or(0, |c| c.id.0);
                let api = api.clone();
                tasks.spawn(
                    async move { api.send_message(ChatId(chat), "reply").await.map(|_| ()) },
                );
            }
            while let Some(r) = tasks.join_next().await {
                r.expect("task").expect("sendMessage");
                done += 1;
            }
        }
    });
    let f = Figures {
        turns: total,
        wall: started.elapsed(),
        cpu: cpu_time() - cpu0,
        fake_cpu: cpu_split(&fake_threads).0 - split0.0,
        other_cpu: cpu_split(&fake_threads).1.saturating_sub(split0.1),
    };
    drop(rt);
    f
}

/// Phase 2: the real adapter + runtime through the fake.
fn adapter_and_runtime(chats: i64, turns: usize, adapter_on_system: bool) -> Figures {
    let (fake, fake_threads) = start_fake();
    let fake = Arc::new(fake);
    fake.keep_only(1);
    let total = chats as usize * turns;
    let sys = actix_rt::System::new();
    let (f, check) = sys.block_on(async {
        let supervisor = Supervisor::start(
            colloquy_testkit::flight_bot(),
            Arc::new(MemoryStore::new()),
            RuntimeConfig::default(),
            Arc::new(SystemClock),
        )
        .expect("runtime");
        let mut config = TelegramConfig::new("BENCH_TOKEN");
        config.api_url = fake.url.clone();
        config.typing_after_ms = 0;
        let channel = build("flight-bot", config, &|_| Some(TOKEN.to_owned())).expect("adapter");
        let (trigger, shutdown) = ShutdownTrigger::new();
        let io = ChannelIo {
            gateway: Arc::new(supervisor.clone()) as Arc<dyn Gateway>,
            shutdown,
        };
        let adapter_rt = (!adapter_on_system).then(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("adapter runtime")
        });
        let run = match &adapter_rt {
            Some(rt) => rt.spawn(channel.clone().run(io)),
            None => tokio::spawn(channel.clone().run(io)),
        };
        // Warm-up: every chat's first turn starts its session.
        queue_all(&fake, chats, 1, 1);
        wait_for(&fake, chats as usize).await;
        fake.clear_sent();
        let cpu0 = cpu_time();
        let split0 = cpu_split(&fake_threads);
        let started = Instant::now();
        // Turns 2..: the warm-up was turn 1 of the script.
        for t in 1..=turns {
            let text = SCRIPT[t % SCRIPT.len()].0;
            let round: Vec<(i64, &str)> = (0..chats).map(|c| (1 + c, text)).collect();
            fake.private_batch(&round);
        }
        wait_for(&fake, total).await;
        let f = Figures {
            turns: total,
            wall: started.elapsed(),
            cpu: cpu_time() - cpu0,
            fake_cpu: cpu_split(&fake_threads).0 - split0.0,
            other_cpu: cpu_split(&fake_threads).1.saturating_sub(split0.1),
        };
        trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(10), run).await;
        let sample = fake.texts_to(1);
        let expected: Vec<String> = (1..=turns)
            .map(|t| SCRIPT[t % SCRIPT.len()].1.to_owned())
            .collect();
        supervisor.stop_arbiters();
        if let Some(rt) = adapter_rt {
            rt.shutdown_background();
        }
        (f, sample == expected)
    });
    assert!(check, "chat 1 did not get the scripted replies in order");
    f
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let chats: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let turns: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);
    let mode = args.get(3).map_or("multi", String::as_str);
    println!("{chats} chats x {turns} turns, getUpdates batches of 100, adapter runtime: {mode}");
    fake_alone(chats, turns).print("fake + bare teloxide client (no adapter, no runtime)");
    adapter_and_runtime(chats, turns, mode == "system").print("adapter + runtime through the fake");
}
