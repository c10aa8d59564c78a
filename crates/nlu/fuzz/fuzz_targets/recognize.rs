//! Feeds arbitrary bytes (decoded lossily) to a trained recognizer with every extractor switched on —
//! rules, classifier with an out-of-scope class, gazetteer with typos and roles, regex entity, learned
//! slots and the slot lexicon, dates in the user's offset; any panic is a bug. The first two bytes pick the
//! user's UTC offset, so dates are resolved in many time zones.
#![no_main]

#[path = "../../tests/support/every_extractor.rs"]
mod every_extractor;

use colloquy_nlu::{RecognizeContext, Recognizer, TrainedRecognizer};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RECOGNIZER: LazyLock<TrainedRecognizer> = LazyLock::new(|| {
    match TrainedRecognizer::train(&every_extractor::spec()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
});

fuzz_target!(|data: &[u8]| {
    let (offset, text) = match data {
        [a, b, rest @ ..] => (i32::from(i16::from_le_bytes([*a, *b])) % (18 * 60), rest),
        _ => (0, data),
    };
    let text = String::from_utf8_lossy(text);
    let ctx = RecognizeContext {
        now_ms: 1_795_597_200_000,
        utc_offset_minutes: offset,
    };
    let u = RECOGNIZER.recognize(&text, &ctx);
    let chars = text.chars().count();
    for e in &u.entities {
        assert!(e.span.0 < e.span.1 && e.span.1 <= chars, "{e:?} in {chars} chars");
    }
    for i in &u.intents {
        assert!((0.0..=1.0).contains(&i.confidence), "{i:?}");
    }
});
