//! Feeds arbitrary bytes (decoded lossily) to a trained recognizer; any panic is a bug.
#![no_main]

use colloquy_nlu::{NluSpec, RecognizeContext, Recognizer, TrainedRecognizer, dataset};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RECOGNIZER: LazyLock<TrainedRecognizer> = LazyLock::new(|| {
    let spec = NluSpec {
        examples: vec![
            dataset::annotated("fly to [Dubai](city:to) tomorrow", "book"),
            dataset::annotated("play [hey jude](song)", "play"),
            dataset::annotated("weather in Paris", "weather"),
        ],
        ..NluSpec::default()
    };
    match TrainedRecognizer::train(&spec) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ctx = RecognizeContext { now_ms: 1_795_597_200_000, utc_offset_minutes: 300 };
    let _ = RECOGNIZER.recognize(&text, &ctx);
});
