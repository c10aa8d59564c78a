//! The evaluation behind `colloquy nlu eval --train … --test …`, as a small release-mode binary of this
//! crate only (the CLI pulls in the whole server): same loaders, same `eval::train_test`, same report.
//!
//! `cargo run --release -p colloquy-nlu --example nlu_eval -- [--limit N] [--epochs N] TRAIN… -- TEST…`

use colloquy_nlu::{NluSpec, dataset, eval};
use std::collections::HashMap;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut limit: Option<usize> = None;
    let mut spec = NluSpec::default();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut in_test = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--limit" => limit = args.next().and_then(|n| n.parse().ok()),
            "--epochs" => {
                spec.settings.epochs = args.next().and_then(|n| n.parse().ok()).unwrap_or(0)
            }
            "--" => in_test = true,
            path if in_test => test.push(PathBuf::from(path)),
            path => train.push(PathBuf::from(path)),
        }
    }
    let load = |files: &[PathBuf], limit: Option<usize>| {
        let mut out = Vec::new();
        for f in files {
            let mut ex = dataset::load_file(f).unwrap_or_else(|e| panic!("{e}"));
            let mut seen: HashMap<String, usize> = HashMap::new();
            ex.retain(|e| {
                let c = seen.entry(e.intent.clone()).or_default();
                *c += 1;
                limit.is_none_or(|n| *c <= n)
            });
            out.extend(ex);
        }
        out
    };
    let (train, test) = (load(&train, limit), load(&test, None));
    let report = eval::train_test(&spec, &train, &test, 0.0).unwrap_or_else(|e| panic!("{e}"));
    print!("{}", report.table());
}
