//! End-to-end: `colloquy nlu eval` and `colloquy train` on the shipped flight bot, through the real binary.

mod support;

use support::{colloquy, flight_bot_path};

#[test]
fn nlu_eval_cross_validates_the_flight_bot_and_prints_json() {
    let out = colloquy()
        .args(["nlu", "eval", "--json", "--folds", "3", "--config"])
        .arg(flight_bot_path())
        .output()
        .expect("run colloquy nlu eval");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["test_examples"], 94, "every example is tested once");
    let accuracy = report["intent_accuracy"].as_f64().unwrap_or_default();
    assert!((0.3..=1.0).contains(&accuracy), "{accuracy}");
    assert!(report["intents"]["book_flight"]["support"].as_u64() > Some(10));
    assert!(
        report["slots"]["city:to"]["f1"].as_f64() > Some(0.5),
        "{}",
        report["slots"]
    );
    assert!(report["out_of_scope_recall"].as_f64().is_some());
}

#[test]
fn train_writes_the_model_once_then_reports_it_up_to_date() {
    let cache = tempfile::tempdir().expect("create a cache directory");
    let run = || {
        let out = colloquy()
            .args(["train", "--config"])
            .arg(flight_bot_path())
            .arg("--cache-dir")
            .arg(cache.path())
            .output()
            .expect("run colloquy train");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run().starts_with("trained on 94 examples in "));
    assert!(run().starts_with("up to date: "));
    let models = std::fs::read_dir(cache.path()).expect("cache dir").count();
    assert_eq!(models, 1);
}

#[test]
fn eval_without_data_says_what_to_give() {
    let out = colloquy()
        .args(["nlu", "eval"])
        .output()
        .expect("run colloquy nlu eval");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing to evaluate: give --config BOT"),
        "{err}"
    );
}
