//! The recognizer spec with every extractor switched on (rules, classifier with an out-of-scope class,
//! gazetteer with typos and roles, regex entity, learned slots), shared by the bad-input property test
//! and the fuzz target (`crates/nlu/fuzz`), which include this file.

use colloquy_nlu::gazetteer::GazetteerValue;
use colloquy_nlu::{GazetteerSpec, IntentSpec, NluSpec, OUT_OF_SCOPE, RegexEntitySpec, dataset};

/// The spec.
pub fn spec() -> NluSpec {
    let examples = [
        (
            "fly from [Lahore](city:from) to [Dubai](city:to) tomorrow",
            "book",
        ),
        ("book a flight", "book"),
        ("book a flight to [Paris](city:to)", "book"),
        ("weather in [Paris](city)", "weather"),
        ("weather in [Paris](city) next friday", "weather"),
        ("is it raining", "weather"),
        ("play [yellow submarine](song)", "play"),
        ("put on [hey jude](song) by [the beatles](artist)", "play"),
        ("tell me a joke", OUT_OF_SCOPE),
    ];
    NluSpec {
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
    }
}
