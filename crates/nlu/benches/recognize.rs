//! Criterion benchmark of recognition at 150 intents (the target: p99 < 200 µs per message).
//!
//! `cargo bench -p colloquy-nlu --bench recognize`
//!
//! The workload is `support/synthetic.rs` (also used by `examples/nlu_bench.rs`): 15,000 training
//! sentences over 150 intents, 20 learned slot labels, the 6,000-city gazetteer. Criterion reports means and
//! medians, not percentiles, so the target is checked in two parts:
//! - `recognize/distinct_messages`: the mean time per message over 2,000 distinct messages, in turn;
//! - `recognize/slowest_1pct`: the mean time of the slowest 1 % of those messages (20, ranked by a first
//!   pass: three rounds over all 2,000 in turn, each message's fastest round, so that preemption by other
//!   processes does not pick them). Each timed run follows an untimed run of another distinct message, so
//!   caches are as cold as in a stream of real messages. The mean of the slowest 1 % is at least their
//!   p99 latency, so this figure below 200 µs shows the target is met without scheduler noise (criterion's
//!   samples are many runs each).

#[path = "support/synthetic.rs"]
mod synthetic;

use colloquy_nlu::{RecognizeContext, Recognizer, TrainedRecognizer};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use synthetic::World;

const MESSAGES: usize = 2_000;

fn recognize(c: &mut Criterion) {
    let (spec, mut world) = World::build();
    let recognizer = match TrainedRecognizer::train(&spec) {
        Ok(r) => r,
        Err(e) => panic!("training the benchmark recognizer failed: {e}"),
    };
    let messages: Vec<String> = world
        .messages(MESSAGES)
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    let ctx = RecognizeContext {
        now_ms: 1_795_597_200_000,
        utc_offset_minutes: 300,
    };
    // Ranking pass: three rounds over all messages in turn (so each is timed with caches as a stream
    // leaves them); a message's time is its fastest round, which drops preemption by other processes.
    let mut fastest = vec![Duration::MAX; messages.len()];
    for _ in 0..3 {
        for (i, m) in messages.iter().enumerate() {
            let t = Instant::now();
            black_box(recognizer.recognize(m, &ctx));
            fastest[i] = fastest[i].min(t.elapsed());
        }
    }
    let mut timed: Vec<(Duration, usize)> = fastest.into_iter().zip(0..).collect();
    timed.sort();
    let slowest: Vec<&str> = timed[timed.len() * 99 / 100..]
        .iter()
        .map(|&(_, i)| messages[i].as_str())
        .collect();

    let mut group = c.benchmark_group("recognize");
    let mut next = 0usize;
    group.bench_function("distinct_messages", |b| {
        b.iter(|| {
            next = (next + 1) % messages.len();
            recognizer.recognize(black_box(&messages[next]), &ctx)
        })
    });
    let mut k = 0usize;
    group.bench_function("slowest_1pct", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                next = (next + 1) % messages.len();
                black_box(recognizer.recognize(black_box(&messages[next]), &ctx));
                k = (k + 1) % slowest.len();
                let t = Instant::now();
                black_box(recognizer.recognize(black_box(slowest[k]), &ctx));
                total += t.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, recognize);
criterion_main!(benches);
