//! `colloquy nlu eval` and `colloquy train`: evaluate the recognizer, or train and cache a bot's model.

use crate::args::{NluEvalArgs, TrainArgs};
use anyhow::{Context as _, bail};
use colloquy_nlu::spec::TrainingExample;
use colloquy_nlu::{NluSpec, cache, dataset, eval};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

/// The bot's recognizer specification and its model cache directory.
fn bot_spec(path: &Path) -> anyhow::Result<(NluSpec, Option<std::path::PathBuf>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    colloquy_flow::nlu_spec_for(path, &text).map_err(|d| anyhow::anyhow!("{d}"))
}

fn load_all(
    files: &[std::path::PathBuf],
    limit: Option<usize>,
) -> anyhow::Result<Vec<TrainingExample>> {
    let mut out = Vec::new();
    for f in files {
        let mut examples = dataset::load_file(f)?;
        if let Some(n) = limit {
            let mut seen: HashMap<String, usize> = HashMap::new();
            examples.retain(|e| {
                let c = seen.entry(e.intent.clone()).or_default();
                *c += 1;
                *c <= n
            });
        }
        out.extend(examples);
    }
    Ok(out)
}

/// `colloquy nlu eval`
pub fn eval(args: &NluEvalArgs) -> anyhow::Result<ExitCode> {
    let base = match &args.config {
        Some(c) => bot_spec(c)?.0,
        None => NluSpec::default(),
    };
    let report = if args.test.is_empty() {
        let mut spec = base;
        if !args.train.is_empty() {
            spec.examples = load_all(&args.train, args.limit_per_intent)?;
        }
        if spec.examples.is_empty() {
            bail!(
                "nothing to evaluate: give --config BOT (k-fold on its examples) or --train FILE... [--test FILE...]"
            );
        }
        eval::k_fold(&spec, args.folds, args.threshold)?
    } else {
        let train = if args.train.is_empty() {
            base.examples.clone()
        } else {
            load_all(&args.train, args.limit_per_intent)?
        };
        let test = load_all(&args.test, None)?;
        eval::train_test(&base, &train, &test, args.threshold)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(ExitCode::SUCCESS)
}

/// `colloquy train`
pub fn train(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let (spec, dir) = bot_spec(&args.config)?;
    let dir =
        args.cache_dir.clone().or(dir).context(
            "no cache directory: set [nlu] cache_dir in the bot file or pass --cache-dir",
        )?;
    let started = std::time::Instant::now();
    let (_, status) = cache::load_or_train(&spec, Some(&dir))?;
    let secs = started.elapsed().as_secs_f64();
    match status {
        cache::CacheStatus::Loaded(p) => println!(
            "up to date: {} ({} examples)",
            p.display(),
            spec.examples.len()
        ),
        cache::CacheStatus::Trained(p) => {
            println!(
                "trained on {} examples in {secs:.2} s: {}",
                spec.examples.len(),
                p.display()
            );
        }
        cache::CacheStatus::NotWritten(e) => {
            bail!("trained, but the model could not be cached: {e}")
        }
        cache::CacheStatus::Disabled => {}
    }
    Ok(ExitCode::SUCCESS)
}
