//! The evaluation behind `colloquy nlu eval --train … --test …`, as a small release-mode binary of this
//! crate only (the CLI pulls in the whole server): same loaders, same `eval::train_test`, same report.
//!
//! `cargo run --release -p colloquy-nlu --example nlu_eval -- [--limit N] [--epochs N] [--threshold T] [--unseen INTENT]… [--as-oos INTENT]… TRAIN… -- TEST…`
//!
//! Test examples of an intent the training files do not have count as out-of-scope: training on six of the
//! seven SNIPS intents and testing on all seven measures out-of-scope detection.
//!
//! `--limit N --holdout TRAIN…` trains on the first N examples per intent and tests on the rest of the
//! training files: a development set for choosing settings without looking at the test queries.

use colloquy_nlu::{NluSpec, dataset, eval};
use std::collections::HashMap;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut limit: Option<usize> = None;
    let mut spec = NluSpec::default();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut in_test = false;
    let mut holdout = false;
    let mut threshold = 0.0f32;
    // Intents left out of training (their test examples then count as out-of-scope).
    let mut unseen: Vec<String> = Vec::new();
    // Intents whose training examples become out-of-scope examples (their test examples, being unseen
    // intents, count as out-of-scope too).
    let mut as_oos: Vec<String> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--limit" => limit = args.next().and_then(|n| n.parse().ok()),
            "--epochs" => {
                spec.settings.epochs = args.next().and_then(|n| n.parse().ok()).unwrap_or(0)
            }
            "--holdout" => holdout = true,
            "--unseen" => unseen.extend(args.next()),
            "--as-oos" => as_oos.extend(args.next()),
            "--threshold" => threshold = args.next().and_then(|n| n.parse().ok()).unwrap_or(0.0),
            "--" => in_test = true,
            path if in_test => test.push(PathBuf::from(path)),
            path => train.push(PathBuf::from(path)),
        }
    }
    // `keep(count)`: whether the `count`-th example (1-based) of an intent is kept.
    let load = |files: &[PathBuf], keep: &dyn Fn(usize) -> bool| {
        let mut out = Vec::new();
        for f in files {
            let mut ex = dataset::load_file(f).unwrap_or_else(|e| panic!("{e}"));
            let mut seen: HashMap<String, usize> = HashMap::new();
            ex.retain(|e| {
                let c = seen.entry(e.intent.clone()).or_default();
                *c += 1;
                keep(*c)
            });
            out.extend(ex);
        }
        out
    };
    let first = |c: usize| limit.is_none_or(|n| c <= n);
    let (train, test) = if holdout {
        (load(&train, &first), load(&train, &|c| !first(c)))
    } else {
        (load(&train, &first), load(&test, &|_| true))
    };
    let train: Vec<_> = train
        .into_iter()
        .filter(|e| !unseen.contains(&e.intent))
        .map(|mut e| {
            if as_oos.contains(&e.intent) {
                e.intent = colloquy_nlu::OUT_OF_SCOPE.to_owned();
            }
            e
        })
        .collect();
    let report =
        eval::train_test(&spec, &train, &test, threshold).unwrap_or_else(|e| panic!("{e}"));
    print!("{}", report.table());
}
