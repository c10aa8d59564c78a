//! Feeds arbitrary bytes (decoded lossily) to a trained recognizer with every extractor switched on —
//! rules, classifier with an out-of-scope class, gazetteer with typos and roles, regex entity, learned
//! slots and the slot lexicon, dates in the user's offset; any panic is a bug. The first two bytes pick the
//! user's UTC offset, so dates are resolved in many time zones.
#![no_main]

use colloquy_nlu::gazetteer::GazetteerValue;
use colloquy_nlu::{
    GazetteerSpec, IntentSpec, NluSpec, OUT_OF_SCOPE, RecognizeContext, Recognizer,
    RegexEntitySpec, TrainedRecognizer, dataset,
};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RECOGNIZER: LazyLock<TrainedRecognizer> = LazyLock::new(|| {
    let examples = [
        ("fly from [Lahore](city:from) to [Dubai](city:to) tomorrow", "book"),
        ("book a flight to [Paris](city:to)", "book"),
        ("weather in [Paris](city) next friday", "weather"),
        ("is it raining", "weather"),
        ("play [hey jude](song)", "play"),
        ("put on [hey jude](song) by [the beatles](artist)", "play"),
        ("tell me a joke", OUT_OF_SCOPE),
    ];
    let spec = NluSpec {
        rules: vec![IntentSpec {
            name: "_cancel".into(),
            phrases: vec!["cancel".into()],
            patterns: vec![r"\bstop\b".into()],
            ..Default::default()
        }],
        examples: examples
            .iter()
            .map(|(t, i)| dataset::annotated(t, i))
            .collect(),
        gazetteers: vec![GazetteerSpec {
            name: "city".into(),
            values: ["Lahore", "Dubai", "Paris", "São Paulo", "دبي"]
                .iter()
                .map(|c| GazetteerValue {
                    canonical: (*c).into(),
                    codes: vec!["DXB".into()],
                    ..Default::default()
                })
                .collect(),
            roles: vec![
                ("from".into(), vec!["from".into()]),
                ("to".into(), vec!["to".into()]),
            ],
            fuzzy: Some(0.8),
        }],
        regexes: vec![RegexEntitySpec {
            name: "booking_ref".into(),
            pattern: r"\b[A-Z]{2}\d{4}\b".into(),
        }],
        ..NluSpec::default()
    };
    match TrainedRecognizer::train(&spec) {
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
